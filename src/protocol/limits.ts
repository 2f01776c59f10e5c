/**
 * The size and time limits of the server, in one table, with where each
 * number comes from. Sizes are bytes, times are seconds (Python's unit).
 *
 * CPython's own limits are kept so that a client sees the same status codes;
 * the rest are ours and exist because CPython has none (docs/api-contract.md
 * §4, safe by default). Handler attributes and server options take their
 * defaults from here. A few limits live next to their only user, inside a
 * module that is mid-restructuring or where the number is an implementation
 * detail; each is named, with its file, in the list at the end of this file.
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

// ---- HTTP/2 (server/http2.ts), given to nghttp2 as SETTINGS or checked per session ----

/** SETTINGS_MAX_CONCURRENT_STREAMS. nginx `http2_max_concurrent_streams`: 128; RFC 9113 §6.5.2 advises at least 100. */
export const H2_MAX_CONCURRENT_STREAMS = 100;

/** SETTINGS_MAX_HEADER_LIST_SIZE: the same bound as an HTTP/1.1 head (MAX_HEADER_BYTES). */
export const H2_MAX_HEADER_LIST_SIZE = MAX_HEADER_BYTES;

/**
 * SETTINGS_INITIAL_WINDOW_SIZE: request body a stream may send ahead of the
 * handler. RFC 9113 default (65535); with 100 streams, about 6 MiB a connection.
 */
export const H2_INITIAL_WINDOW_SIZE = 65535;

/** node:http2 `maxSessionMemory` (MiB) before new streams are refused; Node's default: 10. */
export const H2_MAX_SESSION_MEMORY_MB = 10;

/**
 * Streams a client may reset (or cancel before a response) per second and
 * connection, against rapid reset (CVE-2023-44487); ours. Past it: GOAWAY
 * ENHANCE_YOUR_CALM. nghttp2's own limit (1.57+) is a burst of 1000 at 33/s.
 */
export const H2_RESETS_PER_SECOND = 100;

/** SETTINGS and PING frames a client may send per second and connection (CVE-2019-9512/9515); ours. */
export const H2_CONTROL_FRAMES_PER_SECOND = 100;

/** How long a closing connection keeps reading (and discarding) so the client sees the response, not a reset (at least this, at most 1.5× on the server's coarse linger wheel, linger-wheel.ts). nginx `lingering_timeout`: 5 s; ours shorter. */
export const LINGER_TIMEOUT = 2;

/**
 * Connections past `max_connections` answered 503 at the same time; more are
 * closed unanswered. Bounds the descriptors a connection flood can hold
 * beyond the limit (ours).
 */
export const MAX_REFUSING = 64;

/** Default of `handshake_timeout` (HTTPS servers): a client silent in the TLS handshake is cut off after this. Node's own default is 120 s. */
export const HANDSHAKE_TIMEOUT = 10;

/** How long `getfqdn()` waits for a reverse DNS lookup (`server_name`) before using the address as given. */
export const FQDN_TIMEOUT = 2;

/** Default of the CLI's drain on SIGTERM: requests in flight get this long to finish, then their connections are closed. Ours. */
export const DRAIN_TIMEOUT = 10;

/** Past `drain_timeout`, how long the `--workers` primary waits before it SIGKILLs a worker that has not exited. Ours. */
export const WORKER_KILL_GRACE = 5;

/** Most `--workers`: a typo (`--workers 10000`) must not fork thousands of processes. Ours. */
export const MAX_WORKERS = 256;

/*
 * Limits that live next to their only user (file: name = value):
 *
 * - server/base-server.ts: `request_queue_size` = 5 (CPython's listen backlog
 *   for TCPServer); server/http-server.ts and https-server.ts: 1024 for the
 *   threading servers.
 * - server/connection-cap.ts: `defaultMaxConnections()`, the default of
 *   `max_connections`: (soft RLIMIT_NOFILE − 64) / 2, at least 16; 1024 where
 *   the limit cannot be read.
 * - protocol/chunked.ts: `MAX_SIZE_DIGITS` = 13 hex digits of a chunk size
 *   (2^52, below Number.MAX_SAFE_INTEGER).
 * - protocol/receive-buffer.ts: `MIN_CAPACITY` = 16 KiB, the smallest buffer
 *   allocation (a growth step, not a limit on input).
 * - handler/wfile.ts: `COALESCE_LIMIT` = 64 KiB, small writes merged into one
 *   socket write up to this.
 * - python/log-line.ts: `SINK_LIMIT` = 64 KiB of log text buffered for a
 *   slow stderr before writing synchronously.
 * - handler/base-handler.ts: `iter_body()` reads decoded body in pieces of
 *   64 KiB.
 * - static/file-source.ts: `SMALL_FILE` = 64 KiB (read whole before the
 *   head is sent), `COPY_CHUNK` = 512 KiB (read size when copying a file).
 * - static/file-cache.ts: the small-file cache's `CACHE_ENTRIES` = 1024 and
 *   `CACHE_BYTES` = 16 MiB, and `_fileCacheConfig.racyMs` = 2000 ms (how old
 *   a file must be to be trusted from memory).
 * - static/ranges.ts: `MAX_RANGE_PARTS` = 100 ranges in one Range header
 *   (more → the header is ignored); static/conditional.ts:
 *   `STRONG_DATE_AGE_MS` = 1 s (If-Range).
 * - cgi/cgi-handler.ts: `CGI_TIMEOUT` = 300 s (default `cgi_timeout`),
 *   `MAX_STDERR_LINE` = 64 KiB; cgi/script-process.ts: `CGI_KILL_GRACE` = 2 s
 *   (SIGTERM → SIGKILL); cgi/script-output.ts: `MAX_CGI_HEADER_BYTES` =
 *   64 KiB (a script's header block).
 * - cli/args.ts: `MAX_PORT` = 65535.
 * - python/format.ts and static/url.ts: sizes of memo caches
 *   (`CACHE_MAX`, `CACHE_MAX_FORMAT_LENGTH`, `QUOTE_RE_CACHE_MAX`), which
 *   bound memory, not input.
 */
