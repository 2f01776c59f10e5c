/**
 * Every size and time limit of the server, in one table, with where its number
 * comes from. Sizes are bytes, times are seconds (Python's unit).
 *
 * CPython's own limits are kept so that a client sees the same status codes;
 * the rest are ours and exist because CPython has none (Rule 4 of API.md).
 * Handler attributes and server options take their defaults from here.
 */

/** Longest request line, CRLF included. CPython: `rfile.readline(65537)`, longer → 414. */
export const MAX_REQUEST_LINE = 65536;

/** Longest header line. CPython: `http.client._MAXLINE`; longer → 431 "Line too long". */
export const MAX_HEADER_LINE = 65536;

/**
 * Most header lines, the terminating blank line included. CPython:
 * `http.client._MAXHEADERS` (100), checked after appending each line, so 99
 * fields plus the blank line is the largest head it accepts; more → 431 "Too many headers".
 */
export const MAX_HEADERS = 100;

/**
 * Largest request head (request line excluded), ours. CPython's only bound is
 * 100 × 64 KiB; nginx allows 4 × 8 KiB, Node 16 KiB. 256 KiB keeps every head
 * CPython accepts for one long line while bounding memory per connection.
 */
export const MAX_HEADER_BYTES = 256 * 1024;

/** Longest chunk-size line (size + extensions), ours; llhttp and Go allow about 4 KiB. */
export const MAX_CHUNK_LINE = 4096;

/**
 * Largest trailer section of a chunked body, ours (431 past it). Trailers are
 * read, checked like header fields and discarded; their number is bounded by
 * MAX_HEADERS as header fields are (99 fields).
 */
export const MAX_TRAILER_BYTES = 16 * 1024;

/**
 * Unread request body the server will read and discard to keep a connection
 * alive; more than this and the connection is closed instead. Go's
 * `maxPostHandlerReadBytes` (256 KiB).
 */
export const MAX_DRAIN_BYTES = 256 * 1024;

/** Default limit of `read_body()` / `iter_body()`, ours (413 past it). */
export const DEFAULT_MAX_BODY_SIZE = 16 * 1024 * 1024;

/**
 * Bytes buffered from a socket before it is paused until the handler reads;
 * bounds memory per connection against pipelining floods.
 */
export const RECEIVE_HIGH_WATER = 256 * 1024;

/**
 * Time to receive a whole request head, from its first byte (from the
 * connection, for the first request): a client trickling its head is cut off
 * at this deadline however fast it trickles. nginx `client_header_timeout`
 * and Node `headersTimeout` are 60 s; half that still leaves any real client
 * hundreds of times what it needs, and halves what a slowloris holds.
 */
export const HEADER_TIMEOUT = 30;

/** Idle time allowed between requests on a persistent connection. Node `keepAliveTimeout`: 5 s. */
export const KEEP_ALIVE_TIMEOUT = 5;

/** Longest wait for the next bytes of a request body. nginx `client_body_timeout`: 60 s. */
export const BODY_TIMEOUT = 60;

/** Longest wait for a client to accept more response bytes. nginx `send_timeout`: 60 s. */
export const SEND_TIMEOUT = 60;

/** How long a closing connection keeps reading (and discarding) so the client sees the response, not a reset. nginx `lingering_timeout`: 5 s; ours shorter. */
export const LINGER_TIMEOUT = 2;

/**
 * Connections past `max_connections` answered 503 at the same time; more are
 * closed unanswered. Bounds the descriptors a connection flood can hold
 * beyond the limit (ours).
 */
export const MAX_REFUSING = 64;
