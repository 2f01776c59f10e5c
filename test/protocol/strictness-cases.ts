/**
 * The protocol-strictness cases of issue #6, one row each: the bytes a client
 * sends on one connection, and what our server answers — the status line of
 * every response in order, and whether the server closes the connection by
 * itself. Read by `strictness.test.ts` (which checks our server over a raw
 * socket) and `strictness-table.ts` (which also asks CPython 3.11 and llhttp
 * strict, and prints the table of SECURITY.md (Protocol strictness)).
 *
 * Smuggling rows hide a second request (`GET /smuggled`) in a body or in
 * trailers: exactly one response may come back, never one for `/smuggled`.
 */

import { BaseHTTPRequestHandler } from "../../src/handler/base-handler.js";

/** The handler both test files use: reads the body, answers with what it saw. */
export class BodyEcho extends BaseHTTPRequestHandler {
  override protocol_version = "HTTP/1.1";

  async #reply(): Promise<void> {
    const body = await this.read_body();
    const text = Buffer.from(`${this.command} ${this.path} ${body.length}\n`, "latin1");
    this.send_response(200);
    this.send_header("Content-Length", String(text.length));
    this.end_headers();
    await this.wfile.write(text);
  }

  async do_GET(): Promise<void> {
    await this.#reply();
  }

  async do_POST(): Promise<void> {
    await this.#reply();
  }

  override log_message(): void {}
}

/** Status lines of every response in a transcript. */
export function statusLines(raw: Buffer): string[] {
  return raw.toString("latin1").match(/^HTTP\/\d\.\d \d{3}[^\r\n]*/gm) ?? [];
}

export interface Case {
  /** Short name; also the first column of SECURITY.md (Protocol strictness). */
  readonly name: string;
  /** Group heading. */
  readonly group: string;
  /** Bytes sent at once. */
  readonly send: string;
  /** Status line of each response, in order. */
  readonly want: readonly string[];
  /** `true`: the server must close by itself after the responses (a framing error). */
  readonly closes: boolean;
  /** One sentence: why this answer. */
  readonly why: string;
}

const SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
const POST = "POST / HTTP/1.1\r\nHost: x\r\n";
const OK = "HTTP/1.1 200 OK";
const bad = (reason: string): string => `HTTP/1.1 400 ${reason}`;

/** A POST with `fields` (each ending in CRLF) and `body`, then the smuggled request. */
const smuggle = (fields: string, body: string): string => `${POST}${fields}\r\n${body}${SMUGGLED}`;

export const CASES: readonly Case[] = [
  // ---- Content-Length ----------------------------------------------------------------
  { group: "Content-Length", name: "CL: 5", send: `${POST}Content-Length: 5\r\n\r\nhello`, want: [OK], closes: false, why: "The plain case." },
  { group: "Content-Length", name: "CL: 005 (leading zeros)", send: `${POST}Content-Length: 005\r\n\r\nhello`, want: [OK], closes: false, why: "1*DIGIT allows leading zeros; llhttp and CPython agree." },
  { group: "Content-Length", name: "CL twice, equal", send: smuggle("Content-Length: 5\r\nContent-Length: 5\r\n", "hello"), want: [bad("Repeated Content-Length")], closes: true, why: "RFC 9112 §6.3 rule 5 lets a recipient merge equal values; refusing is simpler and llhttp refuses too." },
  { group: "Content-Length", name: "CL twice, different", send: smuggle("Content-Length: 5\r\nContent-Length: 40\r\n", "hello"), want: [bad("Repeated Content-Length")], closes: true, why: "Two lengths: two parsers may pick different ones (§6.3 rule 5: MUST 400)." },
  { group: "Content-Length", name: "CL: 5, 5 (list)", send: smuggle("Content-Length: 5, 5\r\n", "hello"), want: [bad("Bad Content-Length")], closes: true, why: "A list is not 1*DIGIT." },
  { group: "Content-Length", name: "CL: +5", send: smuggle("Content-Length: +5\r\n", "hello"), want: [bad("Bad Content-Length")], closes: true, why: "Signs are not digits (Python's int() would take them)." },
  { group: "Content-Length", name: "CL: -1", send: smuggle("Content-Length: -1\r\n", ""), want: [bad("Bad Content-Length")], closes: true, why: "Negative lengths do not exist." },
  { group: "Content-Length", name: "CL: 0x5", send: smuggle("Content-Length: 0x5\r\n", "hello"), want: [bad("Bad Content-Length")], closes: true, why: "Hex is not decimal." },
  { group: "Content-Length", name: "CL: 5 5", send: smuggle("Content-Length: 5 5\r\n", "hello"), want: [bad("Bad Content-Length")], closes: true, why: "Inner space: one reader sees 5, another 55." },
  { group: "Content-Length", name: "CL: 1_0", send: smuggle("Content-Length: 1_0\r\n", "helloworld"), want: [bad("Bad Content-Length")], closes: true, why: "Python's int() accepts underscores; we do not." },
  { group: "Content-Length", name: "CL: (empty)", send: smuggle("Content-Length: \r\n", ""), want: [bad("Bad Content-Length")], closes: true, why: "No digits." },
  { group: "Content-Length", name: "CL: 2^64 + 5 (overflow)", send: smuggle("Content-Length: 18446744073709551621\r\n", "hello"), want: [bad("Bad Content-Length")], closes: true, why: "A 64-bit parser wraps it to 5; we refuse anything beyond 2^53 − 1." },
  // ---- Transfer-Encoding ---------------------------------------------------------------
  { group: "Transfer-Encoding", name: "TE + CL", send: smuggle("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), want: [bad("Both Transfer-Encoding and Content-Length")], closes: true, why: "The classic CL.TE/TE.CL desync; RFC 9112 §6.1 lets the server reject, and it must close." },
  { group: "Transfer-Encoding", name: "TE: chunked", send: `${POST}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`, want: [OK], closes: false, why: "The plain case." },
  { group: "Transfer-Encoding", name: "TE: Chunked (case)", send: `${POST}Transfer-Encoding: CHUNKED\r\n\r\n5\r\nhello\r\n0\r\n\r\n`, want: [OK], closes: false, why: "Coding names are case-insensitive (RFC 9112 §7)." },
  { group: "Transfer-Encoding", name: "TE:\\tchunked\\t (OWS)", send: `${POST}Transfer-Encoding:\tchunked\t\r\n\r\n0\r\n\r\n`, want: [OK], closes: false, why: "SP and HTAB around a value are OWS." },
  { group: "Transfer-Encoding", name: "TE : chunked (space before colon)", send: smuggle("Transfer-Encoding : chunked\r\n", "0\r\n\r\n"), want: [bad("Bad header name")], closes: true, why: "RFC 9112 §5.1: MUST 400; a lenient parser would see no TE at all." },
  { group: "Transfer-Encoding", name: "TE: \\xa0chunked", send: smuggle("Transfer-Encoding: \xa0chunked\r\n", "0\r\n\r\n"), want: [bad("Bad Transfer-Encoding")], closes: true, why: "No-break space is not OWS (JavaScript's trim() would strip it)." },
  { group: "Transfer-Encoding", name: "TE: xchunked", send: smuggle("Transfer-Encoding: xchunked\r\n", "0\r\n\r\n"), want: [bad("Bad Transfer-Encoding")], closes: true, why: "Not chunked, so chunked is not final: §6.3 rule 4, MUST 400." },
  { group: "Transfer-Encoding", name: "TE: identity", send: smuggle("Transfer-Encoding: identity\r\n", "0\r\n\r\n"), want: [bad("Bad Transfer-Encoding")], closes: true, why: "identity is not a coding (removed in RFC 7230); chunked not final: 400." },
  { group: "Transfer-Encoding", name: "TE: chunked, identity", send: smuggle("Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n"), want: [bad("Bad Transfer-Encoding")], closes: true, why: "chunked not the final coding: the length cannot be determined (§6.3 rule 4)." },
  { group: "Transfer-Encoding", name: "TE: gzip, chunked", send: smuggle("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"), want: ["HTTP/1.1 501 Unsupported transfer coding"], closes: true, why: "Framed by chunked, but gzip is not understood: 501 (§6.1)." },
  { group: "Transfer-Encoding", name: "TE: chunked, chunked", send: smuggle("Transfer-Encoding: chunked, chunked\r\n", "0\r\n\r\n"), want: [bad("Bad Transfer-Encoding")], closes: true, why: "chunked may be applied only once (§7.1)." },
  { group: "Transfer-Encoding", name: "TE: chunked twice (two fields)", send: smuggle("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), want: [bad("Bad Transfer-Encoding")], closes: true, why: "Repeated fields are one list (RFC 9110 §5.3): chunked twice." },
  { group: "Transfer-Encoding", name: "TE: chunked, (empty element)", send: smuggle("Transfer-Encoding: chunked,\r\n", "0\r\n\r\n"), want: [bad("Bad Transfer-Encoding")], closes: true, why: "Empty list elements refused (llhttp refuses this one too)." },
  { group: "Transfer-Encoding", name: "TE: chunked + obs-fold", send: smuggle("Transfer-Encoding: gzip\r\n ,chunked\r\n", "0\r\n\r\n"), want: [bad("Bad header line (obsolete line folding)")], closes: true, why: "obs-fold: RFC 9112 §5.2 lets a server reject it; unfolding would change the codings." },
  { group: "Transfer-Encoding", name: "TE in HTTP/1.0", send: `POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`, want: ["HTTP/1.1 400 Transfer-Encoding in an HTTP/1.0 request"], closes: true, why: "An HTTP/1.0 client cannot send chunked; a 1.0 proxy would frame it by close (§6.1: faulty framing)." },
  // ---- chunked body --------------------------------------------------------------------
  { group: "Chunked body", name: "chunk-ext token and quoted values", send: `${POST}Transfer-Encoding: chunked\r\n\r\n5;a=b;c="d; e"\r\nhello\r\n0;f\r\n\r\n`, want: [OK], closes: false, why: "chunk-ext by its ABNF; skipped." },
  { group: "Chunked body", name: "chunk-ext with BWS (5 ;a)", send: smuggle("Transfer-Encoding: chunked\r\n", "5 ;a\r\nhello\r\n0\r\n\r\n"), want: [bad("Bad chunk size")], closes: true, why: "No whitespace in size lines (llhttp agrees); no client sends it." },
  { group: "Chunked body", name: "chunk-ext value with a space", send: smuggle("Transfer-Encoding: chunked\r\n", "5;a=b c\r\nhello\r\n0\r\n\r\n"), want: [bad("Bad chunk extension")], closes: true, why: "An unquoted value is a token." },
  { group: "Chunked body", name: "bad hex (g)", send: smuggle("Transfer-Encoding: chunked\r\n", "g\r\nhello\r\n0\r\n\r\n"), want: [bad("Bad chunk size")], closes: true, why: "chunk-size = 1*HEXDIG." },
  { group: "Chunked body", name: "size 0x (prefix)", send: smuggle("Transfer-Encoding: chunked\r\n", "0x5\r\nhello\r\n0\r\n\r\n"), want: [bad("Bad chunk size")], closes: true, why: "Some parsers read 0x5 as 0, ending the body early." },
  { group: "Chunked body", name: "size overflow (2^64 + 5)", send: smuggle("Transfer-Encoding: chunked\r\n", "10000000000000005\r\nhello\r\n0\r\n\r\n"), want: [bad("Chunk size too large")], closes: true, why: "A 64-bit parser wraps it to 5; at most 13 significant hex digits." },
  { group: "Chunked body", name: "data longer than its size", send: smuggle("Transfer-Encoding: chunked\r\n", "5\r\nhelloXX\r\n0\r\n\r\n"), want: [bad("Chunk data longer than its size")], closes: true, why: "CRLF must follow the data exactly." },
  { group: "Chunked body", name: "missing CRLF after data", send: smuggle("Transfer-Encoding: chunked\r\n", "5\r\nhello0\r\n\r\n"), want: [bad("Chunk data longer than its size")], closes: true, why: "Same rule: the next byte must be CR." },
  { group: "Chunked body", name: "bare LF after the size", send: smuggle("Transfer-Encoding: chunked\r\n", "5\nhello\r\n0\r\n\r\n"), want: [bad("Bad chunk size")], closes: true, why: "Bare LF in chunk framing: refused (llhttp strict agrees)." },
  { group: "Chunked body", name: "bare LF after the data", send: smuggle("Transfer-Encoding: chunked\r\n", "5\r\nhello\n0\r\n\r\n"), want: [bad("Chunk data longer than its size")], closes: true, why: "Same rule after the data." },
  { group: "Chunked body", name: "bare CR after the size", send: smuggle("Transfer-Encoding: chunked\r\n", "5\rhello\r\n0\r\n\r\n"), want: [bad("Bad chunk size line ending")], closes: true, why: "CR must be followed by LF." },
  { group: "Chunked body", name: "trailer field", send: `${POST}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n`, want: [OK], closes: false, why: "Trailers are checked like header fields and discarded." },
  { group: "Chunked body", name: "request line hidden in trailers", send: smuggle("Transfer-Encoding: chunked\r\n", "0\r\nGET /admin HTTP/1.1\r\n\r\n"), want: [bad("Bad trailer field")], closes: true, why: "Not a field line: refused, never read as a request." },
  { group: "Chunked body", name: "trailer obs-fold", send: smuggle("Transfer-Encoding: chunked\r\n", "0\r\nX: a\r\n b\r\n\r\n"), want: [bad("Bad trailer field")], closes: true, why: "As in the head." },
  { group: "Chunked body", name: "trailer with NUL", send: smuggle("Transfer-Encoding: chunked\r\n", "0\r\nX: a\x00b\r\n\r\n"), want: [bad("Bad trailer field")], closes: true, why: "Field values hold no control bytes." },
  { group: "Chunked body", name: "100 trailer fields", send: smuggle("Transfer-Encoding: chunked\r\n", "0\r\n" + "X: 1\r\n".repeat(100) + "\r\n"), want: ["HTTP/1.1 431 Too many trailer fields"], closes: true, why: "Bounded like header fields (99)." },
  { group: "Chunked body", name: "17 KiB of trailers", send: smuggle("Transfer-Encoding: chunked\r\n", "0\r\n" + `X: ${"a".repeat(1020)}\r\n`.repeat(17) + "\r\n"), want: ["HTTP/1.1 431 Trailer section too large"], closes: true, why: "MAX_TRAILER_BYTES = 16 KiB." },
  { group: "Chunked body", name: "two chunked requests pipelined", send: `${POST}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n${POST}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, want: [OK, OK], closes: false, why: "Two sent, two answered." },
  // ---- request line --------------------------------------------------------------------
  { group: "Request line", name: "two spaces between words", send: "GET  /  HTTP/1.1\r\nHost: x\r\n\r\n", want: [OK], closes: false, why: "CPython splits on whitespace (RFC 9112 §3 allows it); no framing depends on it." },
  { group: "Request line", name: "HTAB separators", send: "GET\t/\tHTTP/1.1\r\nHost: x\r\n\r\n", want: [OK], closes: false, why: "As CPython; RFC 9112 §3 MAY." },
  { group: "Request line", name: "NUL in the target", send: "GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n", want: [bad("Bad request syntax ('GET /a\\x00b HTTP/1.1')")], closes: true, why: "Control bytes inside a word: 400 (CPython accepts NUL)." },
  { group: "Request line", name: "DEL in the method", send: "G\x7fET / HTTP/1.1\r\nHost: x\r\n\r\n", want: [bad("Bad request syntax ('G\\x7fET / HTTP/1.1')")], closes: true, why: "Same rule." },
  { group: "Request line", name: "bare CR inside the line", send: "GET /a\rb HTTP/1.1\r\nHost: x\r\n\r\n", want: [bad("Bad request syntax ('GET /a\\rb HTTP/1.1')")], closes: true, why: "CR separates words as in CPython: four words, 400." },
  { group: "Request line", name: "space inside the target", send: "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", want: [bad("Bad request syntax ('GET /a b HTTP/1.1')")], closes: true, why: "Four words: 400, as CPython." },
  { group: "Request line", name: "version with a control byte", send: "GET / HTTP/1.1\x01\r\nHost: x\r\n\r\n", want: ["HTTP/1.1 400 Bad request version ('HTTP/1.1\\x01')"], closes: true, why: "As CPython: not HTTP/d.d." },
  { group: "Request line", name: "lower-case version", send: "GET / http/1.1\r\nHost: x\r\n\r\n", want: ["HTTP/1.1 400 Bad request version ('http/1.1')"], closes: true, why: "HTTP-name is case-sensitive (RFC 9112 §2.3), as CPython." },
  { group: "Request line", name: "HTTP/2.0", send: "GET / HTTP/2.0\r\nHost: x\r\n\r\n", want: ["HTTP/1.1 505 Invalid HTTP version (2.0)"], closes: true, why: "As CPython." },
  { group: "Request line", name: "absolute-form target", send: "GET http://x.example/a?b HTTP/1.1\r\nHost: x\r\n\r\n", want: [OK], closes: false, why: "RFC 9112 §3.2.2: MUST accept; path is the whole target, as CPython." },
  { group: "Request line", name: "authority-form with CONNECT", send: "CONNECT x.example:443 HTTP/1.1\r\nHost: x\r\n\r\n", want: ["HTTP/1.1 501 Unsupported method ('CONNECT')"], closes: true, why: "No do_CONNECT: 501, as CPython." },
  { group: "Request line", name: "CONNECT with Content-Length", send: `CONNECT x.example:443 HTTP/1.1\r\nHost: x\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`, want: [bad("Content in a CONNECT request")], closes: true, why: "RFC 9110 §9.3.6: CONNECT has no content; llhttp would treat the bytes as tunnel data, a length would read them as a body." },
  { group: "Request line", name: "OPTIONS *", send: "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", want: ["HTTP/1.1 501 Unsupported method ('OPTIONS')"], closes: true, why: "No do_OPTIONS: 501, as CPython." },
  // ---- header fields -------------------------------------------------------------------
  { group: "Header fields", name: "space before the colon", send: "GET / HTTP/1.1\r\nHost : x\r\n\r\n", want: [bad("Bad header name")], closes: true, why: "RFC 9112 §5.1: MUST 400 (CPython keeps `Host ` as a name)." },
  { group: "Header fields", name: "obs-fold", send: "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", want: [bad("Bad header line (obsolete line folding)")], closes: true, why: "RFC 9112 §5.2 lets a server reject; CPython folds." },
  { group: "Header fields", name: "NUL in a name", send: "GET / HTTP/1.1\r\nX\x00A: 1\r\n\r\n", want: [bad("Bad header name")], closes: true, why: "Names are tokens." },
  { group: "Header fields", name: "NUL in a value", send: "GET / HTTP/1.1\r\nX-A: a\x00b\r\n\r\n", want: [bad("Bad header value")], closes: true, why: "RFC 9110 §5.5: MUST reject or replace NUL; we reject." },
  { group: "Header fields", name: "bare CR in a value", send: "GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", want: [bad("Bad header value")], closes: true, why: "RFC 9112 §2.2: a bare CR is invalid." },
  { group: "Header fields", name: "non-token byte in a name", send: "GET / HTTP/1.1\r\nX@A: 1\r\n\r\n", want: [bad("Bad header name")], closes: true, why: "`@` is not a tchar." },
  { group: "Header fields", name: "no colon", send: "GET / HTTP/1.1\r\nX-A\r\n\r\n", want: [bad("Bad header line")], closes: true, why: "Not a field line." },
  { group: "Header fields", name: "empty name", send: "GET / HTTP/1.1\r\n: x\r\n\r\n", want: [bad("Bad header name")], closes: true, why: "A name is 1*tchar." },
  { group: "Header fields", name: "bare LF line endings", send: "GET / HTTP/1.1\nHost: x\n\n", want: [OK], closes: false, why: "As CPython (RFC 9112 §2.2 MAY); llhttp strict refuses." },
  { group: "Header fields", name: "300 KiB header block", send: "GET / HTTP/1.1\r\n" + `X-A: ${"a".repeat(4090)}\r\n`.repeat(75) + "\r\n", want: ["HTTP/1.1 431 Request header fields too large"], closes: true, why: "MAX_HEADER_BYTES = 256 KiB (CPython: 100 lines of 64 KiB)." },
  { group: "Header fields", name: "100 header fields", send: "GET / HTTP/1.1\r\n" + "X-A: 1\r\n".repeat(100) + "\r\n", want: ["HTTP/1.1 431 Too many headers"], closes: true, why: "As CPython (_MAXHEADERS)." },
];
