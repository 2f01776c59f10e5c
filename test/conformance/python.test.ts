/**
 * Side by side with CPython's own `http.server`: the same raw requests go to a
 * Python `BaseHTTPRequestHandler` (in a child process) and to ours (in
 * process), and what a client sees must match byte for byte: status line,
 * header names and order (values too, but `Date` and `Server`), body, and the
 * server's log lines (date masked).
 *
 * Strategy: one table. Each row names a behaviour, gives the raw bytes (sent
 * in steps when the client must wait for an answer first) and the
 * `protocol_version`; a row may carry an allowance — a deliberate difference
 * (docs/api-contract.md §4) or a 3.11-vs-3.14 one (docs/api-contract.md "Which Python") — which then
 * says exactly what must hold instead of equality. After each row a sentinel
 * request goes to both servers, so the log lines in between belong to the row
 * without any sleep.
 *
 * Masked everywhere: `Date` and `Server` values; the 3.14 `color-scheme`
 * style block in error pages (3.11 lacks it; ours must have it); the reason
 * phrases 3.13 renamed (413, 414, 416, 422), taken from Python 3.11's output
 * into 3.14's wording. `Content-Length` is checked against the body on each
 * side before it is recomputed for the normalised body. Where 3.11 needs other
 * bytes than 3.14 would (it reads headers after an HTTP/0.9 line), the row
 * gives Python its own steps.
 *
 * Debugging: `CONFORMANCE_DUMP=/tmp/dump.json` appends each row's raw
 * transcripts and log lines, both sides, as JSON.
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync } from "node:fs";
import { exchange, LogCapture, serve, type Running } from "../helpers/net.js";
import {
  maskLogLine,
  oursEcho,
  parseTranscript,
  phrasesTo314,
  renderOurs,
  renderPython,
  responses,
  startPython,
  STYLE_BLOCK,
  talk,
  type PythonServer,
  type Step,
} from "./side-by-side.js";

type Protocol = "HTTP/1.0" | "HTTP/1.1";

/** What one side produced for a row, ready to compare. */
interface Seen {
  raw: Buffer;
  /** Normalised transcript (see side-by-side.ts `render`). */
  text: string;
  /** Log lines, date masked (phrases normalised on Python's side). */
  log: string[];
}

/** A difference we mean to have, and what must hold instead of equality. */
interface Allowance {
  /** Why, with the rule it comes from. */
  note: string;
  response?: (py: Seen, ours: Seen) => void;
  log?: (py: Seen, ours: Seen) => void;
}

interface Row {
  name: string;
  protocol: Protocol;
  steps: Step[];
  /** Bytes for Python 3.11 where it needs other ones than 3.14 would. */
  python?: Step[];
  /** Every final response answers a HEAD: no body follows its head. */
  head?: boolean;
  allowed?: Allowance;
}

const once = (send: string | Buffer): Step[] => [{ send }];
const ERROR_HEADERS = ["Server", "Date", "Connection", "Content-Type", "Content-Length"];

/**
 * docs/api-contract.md §4: a request line CPython cannot parse gets its error page as a bare
 * body (its `request_version` is still HTTP/0.9 when it answers); ours puts
 * a real status line and the usual error headers before the same body.
 */
function realStatusLine(statusLine: string, note: string): Allowance {
  return {
    note,
    response(py, ours) {
      const [p, ...pmore] = parseTranscript(py.raw);
      const [o, ...omore] = parseTranscript(ours.raw);
      assert.equal(pmore.length + omore.length, 0, "one response each");
      assert.equal(p!.statusLine, null, "CPython 3.11 sends a bare body");
      assert.equal(o!.statusLine, statusLine);
      assert.deepEqual(o!.headers.map(([n]) => n), ERROR_HEADERS);
      const parsed = new Map(o!.headers.map(([n, v]) => [n, v]));
      assert.equal(parsed.get("Connection"), "close");
      assert.equal(parsed.get("Content-Type"), "text/html;charset=utf-8");
      assert.equal(Number(parsed.get("Content-Length")), o!.body.length);
      // The bodies: the same page, modulo the 3.14 style block.
      const oursBody = ours.text.slice(ours.text.indexOf("\r\n\r\n") + 4);
      assert.equal(oursBody, py.text);
    },
  };
}

/**
 * README "Differences from CPython": input CPython serves (200) and we refuse
 * with a real error response; the request's own log line is the same but for
 * the status, after our `code …, message …` line.
 */
function refusedByUs(statusLine: string, note: string): Allowance {
  const [, code, message] = /^HTTP\/1\.\d (\d{3}) (.*)$/.exec(statusLine)!;
  return {
    note,
    response(py, ours) {
      assert.match(py.text, /^HTTP\/1\.\d 200 OK\r\n/, "CPython serves it");
      const rs = parseTranscript(ours.raw);
      assert.equal(rs.length, 1, "one response");
      assert.equal(rs[0]!.statusLine, statusLine);
      assert.deepEqual(rs[0]!.headers.map(([n]) => n), ERROR_HEADERS);
      assert.match(ours.text, /<p>Error code: \d{3}<\/p>/);
    },
    log(py, ours) {
      assert.equal(py.log.length, 1);
      assert.match(py.log[0]!, /" 200 -$/);
      // The log escapes the backslashes that %r put in the message.
      const logged = message!.replace(/\\/g, "\\\\");
      assert.deepEqual(ours.log, [
        `127.0.0.1 - - [<date>] code ${code}, message ${logged}`,
        py.log[0]!.replace(/" 200 -$/, `" ${code} -`),
      ]);
    },
  };
}

// Long inputs, built once.
const LONG_TARGET = "/" + "a".repeat(65536);
const manyHeaders = (n: number): string => Array.from({ length: n }, (_, i) => `X-H${i}: v${i}\r\n`).join("");
const headerLine = (total: number): string => "X-Long: " + "b".repeat(total - "X-Long: ".length - 2) + "\r\n";

const ROWS: Row[] = [
  // ---- well-formed requests ------------------------------------------------
  {
    name: "GET with HTTP/1.0 on an HTTP/1.0 server",
    protocol: "HTTP/1.0",
    steps: once("GET /index.html?q=1&r=%20 HTTP/1.0\r\nHost: example.org\r\nUser-Agent: conformance/1\r\nAccept: */*\r\n\r\n"),
  },
  {
    name: "GET with HTTP/1.1 on an HTTP/1.1 server (Connection: close)",
    protocol: "HTTP/1.1",
    steps: once("GET /a/b HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n\r\n"),
  },
  {
    name: "GET with HTTP/1.1 on an HTTP/1.0 server answers HTTP/1.0 and closes",
    protocol: "HTTP/1.0",
    steps: once("GET / HTTP/1.1\r\nHost: example.org\r\n\r\n"),
  },
  {
    name: "HTTP/1.1 without Host is served",
    protocol: "HTTP/1.1",
    steps: once("GET /nohost HTTP/1.1\r\nConnection: close\r\n\r\n"),
  },
  {
    name: "HEAD sends the head only",
    protocol: "HTTP/1.0",
    head: true,
    steps: once("HEAD /h HTTP/1.0\r\nHost: example.org\r\n\r\n"),
  },
  {
    name: "POST with Content-Length: the handler reads the body from rfile",
    protocol: "HTTP/1.1",
    steps: once("POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\nConnection: close\r\n\r\na=1&b=2"),
  },
  {
    name: "bare LF line endings are accepted",
    protocol: "HTTP/1.0",
    steps: once("GET /lf HTTP/1.0\nHost: x\n\n"),
  },

  // ---- request line errors -------------------------------------------------
  {
    name: "unknown method → 501 Unsupported method",
    protocol: "HTTP/1.0",
    steps: once("FOO / HTTP/1.0\r\n\r\n"),
  },
  {
    name: "unknown method on an HTTP/1.1 server → 501, connection closed",
    protocol: "HTTP/1.1",
    steps: once("FOO /x HTTP/1.1\r\nHost: x\r\n\r\n"),
  },
  {
    name: "methods are case-sensitive: get → 501",
    protocol: "HTTP/1.0",
    steps: once("get / HTTP/1.0\r\n\r\n"),
  },
  {
    name: "4-word request line → 400 Bad request syntax",
    protocol: "HTTP/1.0",
    steps: once("GET / extra HTTP/1.0\r\n\r\n"),
  },
  {
    name: "bad version HTTP/1.x → 400 Bad request version",
    protocol: "HTTP/1.0",
    steps: once("GET / HTTP/1.x\r\n\r\n"),
    allowed: realStatusLine(
      "HTTP/1.0 400 Bad request version ('HTTP/1.x')",
      "docs/api-contract.md §4: an unparsable request line gets a real status line; CPython 3.11 and 3.14 send the bare page",
    ),
  },
  {
    name: "HTTP/2.0 → 505 Invalid HTTP version",
    protocol: "HTTP/1.0",
    steps: once("GET / HTTP/2.0\r\n\r\n"),
    allowed: realStatusLine(
      "HTTP/1.0 505 Invalid HTTP version (2.0)",
      "docs/api-contract.md §4: CPython answers 505 before it sets request_version, so its page is bare; ours has a status line",
    ),
  },
  {
    name: "2-word POST (HTTP/0.9 knows only GET) → 400 Bad HTTP/0.9 request type",
    protocol: "HTTP/1.0",
    steps: once("POST /\r\n"),
    allowed: realStatusLine(
      "HTTP/1.0 400 Bad HTTP/0.9 request type ('POST')",
      "docs/api-contract.md §4: only a genuine HTTP/0.9 GET gets a bare body; CPython sends this error page bare",
    ),
  },
  {
    name: "genuine HTTP/0.9 GET gets a bare body, without waiting for headers",
    protocol: "HTTP/1.0",
    steps: once("GET /path\r\n"),
    // 3.11 reads a header section after a 0.9 line (3.14 does not): end it.
    python: once("GET /path\r\n\r\n"),
  },
  {
    name: "one word → 400 Bad request syntax",
    protocol: "HTTP/1.0",
    steps: once("GET\r\n"),
    allowed: realStatusLine(
      "HTTP/1.0 400 Bad request syntax ('GET')",
      "docs/api-contract.md §4: an unparsable request line gets a real status line; CPython sends the bare page",
    ),
  },
  {
    name: "a blank line before the request line is skipped (RFC 9112 §2.2); CPython closes without an answer",
    protocol: "HTTP/1.0",
    steps: once("\r\nGET / HTTP/1.0\r\n\r\n"),
    allowed: {
      note: "README: at least one empty line before a request line is ignored (RFC 9112 §2.2); CPython closes on it",
      response(py, ours) {
        assert.equal(py.raw.length, 0, "CPython closes without an answer");
        const o = parseTranscript(ours.raw);
        assert.deepEqual(o.map((r) => r.statusLine), ["HTTP/1.0 200 OK"]);
      },
      log(py, ours) {
        assert.deepEqual(py.log, []);
        assert.deepEqual(ours.log, ['127.0.0.1 - - [<date>] "GET / HTTP/1.0" 200 -']);
      },
    },
  },
  {
    name: "an empty line between pipelined requests is skipped; CPython answers the first and closes",
    protocol: "HTTP/1.1",
    steps: once("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    allowed: {
      note: "README: empty lines between pipelined requests are skipped (RFC 9112 §2.2); CPython closes on the empty line",
      response(py, ours) {
        const p = parseTranscript(py.raw);
        const o = parseTranscript(ours.raw);
        assert.deepEqual(p.map((r) => r.statusLine), ["HTTP/1.1 200 OK"]);
        assert.deepEqual(o.map((r) => r.statusLine), ["HTTP/1.1 200 OK", "HTTP/1.1 200 OK"]);
        assert.deepEqual(o[0]!.body, p[0]!.body);
      },
      log(py, ours) {
        assert.deepEqual(py.log, ['127.0.0.1 - - [<date>] "GET /1 HTTP/1.1" 200 -']);
        assert.deepEqual(ours.log, [py.log[0]!, '127.0.0.1 - - [<date>] "GET /2 HTTP/1.1" 200 -']);
      },
    },
  },
  {
    name: "tabs and vertical tabs separate words as Python's str.split() does",
    protocol: "HTTP/1.0",
    steps: once("GET\t/tab\tHTTP/1.0\x0b\r\n\r\n"),
  },
  {
    name: "an explicit HTTP/0.9 version gets a bare body (request_version is HTTP/0.9)",
    protocol: "HTTP/1.0",
    steps: once("GET /v09 HTTP/0.9\r\nHost: x\r\n\r\n"),
  },
  {
    name: "HTTP/01.01 is version 1.1: the connection persists",
    protocol: "HTTP/1.1",
    steps: [
      { send: "GET /one HTTP/01.01\r\n\r\n", until: responses(1) },
      { send: "GET /two HTTP/1.1\r\nConnection: close\r\n\r\n" },
    ],
  },
  {
    name: "the error page escapes &, < and > of the method (html.escape, quote=False) and %r quotes it",
    protocol: "HTTP/1.0",
    steps: once("<a&\"'> / HTTP/1.0\r\n\r\n"),
  },
  {
    name: "a non-ASCII method: latin-1 in the status line, UTF-8 in the page",
    protocol: "HTTP/1.0",
    steps: once(Buffer.from("G\xc9T / HTTP/1.0\r\n\r\n", "latin1")),
  },
  {
    name: "%r escapes non-printable latin-1 (\\xad) and keeps printable (§)",
    protocol: "HTTP/1.0",
    steps: once(Buffer.from("G\xadT\xa7 /\xff HTTP/1.0\r\n\r\n", "latin1")),
  },
  {
    name: "request line over 65536 bytes → 414",
    protocol: "HTTP/1.0",
    steps: once(`GET ${LONG_TARGET} HTTP/1.0\r\n\r\n`),
  },
  {
    name: "request line of exactly 65536 bytes (CRLF included) is served",
    protocol: "HTTP/1.0",
    steps: once(`GET /${"c".repeat(65536 - "GET / HTTP/1.0\r\n".length)} HTTP/1.0\r\n\r\n`),
  },

  // ---- header limits ---------------------------------------------------------
  {
    name: "99 header fields (100 lines with the blank one) are served",
    protocol: "HTTP/1.0",
    steps: once(`GET /99 HTTP/1.0\r\n${manyHeaders(99)}\r\n`),
  },
  {
    name: "100 header fields → 431 Too many headers",
    protocol: "HTTP/1.0",
    steps: once(`GET /100 HTTP/1.0\r\n${manyHeaders(100)}\r\n`),
  },
  {
    name: "HEAD with 100 header fields → 431 without a body",
    protocol: "HTTP/1.0",
    head: true,
    steps: once(`HEAD /100 HTTP/1.0\r\n${manyHeaders(100)}\r\n`),
  },
  {
    name: "a 65536-byte header line (CRLF included) is served",
    protocol: "HTTP/1.0",
    steps: once(`GET /long HTTP/1.0\r\n${headerLine(65536)}\r\n`),
  },
  {
    name: "a 65537-byte header line → 431 Line too long",
    protocol: "HTTP/1.0",
    steps: once(`GET /long HTTP/1.0\r\n${headerLine(65537)}\r\n`),
  },

  // ---- Expect, keep-alive, pipelining ---------------------------------------
  {
    name: "Expect: 100-continue on HTTP/1.1 gets 100 Continue before the body is sent",
    protocol: "HTTP/1.1",
    steps: [
      {
        send: "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
        until: responses(1),
      },
      { send: "hello" },
    ],
  },
  {
    name: "Expect: 100-continue on an HTTP/1.0 server gets no 100",
    protocol: "HTTP/1.0",
    steps: once("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello"),
  },
  {
    name: "Expect: 100-continue in an HTTP/1.0 request gets no 100",
    protocol: "HTTP/1.1",
    steps: once("POST /up HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello"),
  },
  {
    name: "Connection: keep-alive on an HTTP/1.0 request keeps an HTTP/1.1 server's connection",
    protocol: "HTTP/1.1",
    steps: [
      { send: "GET /one HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", until: responses(1) },
      { send: "GET /two HTTP/1.0\r\n\r\n" },
    ],
  },
  {
    name: "Connection: keep-alive on an HTTP/1.0 server is ignored",
    protocol: "HTTP/1.0",
    steps: [{ send: "GET /one HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" }],
  },
  {
    name: "HTTP/1.1 is persistent by default until Connection: close",
    protocol: "HTTP/1.1",
    steps: [
      { send: "GET /one HTTP/1.1\r\nHost: x\r\n\r\n", until: responses(1) },
      { send: "GET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" },
    ],
  },
  {
    name: "two pipelined requests in one packet get two responses in order",
    protocol: "HTTP/1.1",
    steps: once("GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
  },
  {
    name: "a pipelined request after a 501 is not answered",
    protocol: "HTTP/1.1",
    steps: once("FOO / HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n"),
  },

  {
    name: "a body the handler does not read is drained, not parsed as the next request",
    protocol: "HTTP/1.1",
    steps: once("GET /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /two HTTP/1.1\r\nConnection: close\r\n\r\n"),
    allowed: {
      note: "docs/api-contract.md §4 / README: request framing is enforced; CPython reads the unread body as the next request line",
      response(py, ours) {
        const p = parseTranscript(py.raw);
        const o = parseTranscript(ours.raw);
        assert.equal(p[1]?.statusLine, "HTTP/1.1 501 Unsupported method ('helloGET')");
        assert.deepEqual(o.map((r) => r.statusLine), ["HTTP/1.1 200 OK", "HTTP/1.1 200 OK"]);
        // The first response is the same on both sides.
        assert.equal(o[0]!.statusLine, p[0]!.statusLine);
        assert.deepEqual(o[0]!.headers.map(([n]) => n), p[0]!.headers.map(([n]) => n));
        assert.deepEqual(o[0]!.body, p[0]!.body);
        assert.equal(o[1]!.body.toString("latin1"), "GET /two HTTP/1.1\nConnection: close\n");
      },
      log(py, ours) {
        assert.deepEqual(py.log.slice(0, 1), ours.log.slice(0, 1));
        assert.equal(py.log[2], '127.0.0.1 - - [<date>] "helloGET /two HTTP/1.1" 501 -');
        assert.deepEqual(ours.log, [
          '127.0.0.1 - - [<date>] "GET /b HTTP/1.1" 200 -',
          '127.0.0.1 - - [<date>] "GET /two HTTP/1.1" 200 -',
        ]);
      },
    },
  },

  // ---- what the handler sees -------------------------------------------------
  {
    name: "a path starting with // is reduced to one / (gh-87389)",
    protocol: "HTTP/1.0",
    steps: once("GET //x HTTP/1.0\r\n\r\n"),
  },
  {
    name: "a path starting with /// keeps later double slashes (gh-87389)",
    protocol: "HTTP/1.0",
    steps: once("GET ///evil.example//y?z=//w HTTP/1.0\r\n\r\n"),
  },
  {
    name: "header values with latin-1 bytes are decoded as ISO-8859-1",
    protocol: "HTTP/1.0",
    steps: once(Buffer.from("GET /l1 HTTP/1.0\r\nX-Latin: caf\xe9 \xff\xa0end\r\nX-Other: \xc3\xa9\r\n\r\n", "latin1")),
  },
  {
    name: "repeated header fields and their case are kept, in order",
    protocol: "HTTP/1.0",
    steps: once("GET /rep HTTP/1.0\r\nx-a: 1\r\nX-B: 2\r\nX-A: 3\r\n\r\n"),
  },
  {
    name: "obs-fold: CPython keeps the CRLF inside the value, we refuse with 400",
    protocol: "HTTP/1.0",
    steps: once("GET /fold HTTP/1.0\r\nX-A: 1\r\n  folded\r\n\r\n"),
    allowed: refusedByUs(
      "HTTP/1.0 400 Bad header line (obsolete line folding)",
      "README: header lines CPython's email parser mangles are refused with 400 (obs-fold)",
    ),
  },
  {
    name: "a header line without a colon: CPython drops the rest of the head, we refuse with 400",
    protocol: "HTTP/1.0",
    steps: once("GET /nocolon HTTP/1.0\r\nnocolon\r\nX-B: 2\r\n\r\n"),
    allowed: refusedByUs(
      "HTTP/1.0 400 Bad header line",
      "README: header lines CPython's email parser mangles are refused with 400 (no colon)",
    ),
  },
  {
    name: "a control byte in a header value: CPython passes it on, we refuse with 400",
    protocol: "HTTP/1.0",
    steps: once("GET /ctl HTTP/1.0\r\nX-C: a\x01b\r\n\r\n"),
    allowed: refusedByUs(
      "HTTP/1.0 400 Bad header value",
      "README: control bytes in a header value are refused with 400",
    ),
  },
  {
    name: "header value whitespace: CPython keeps trailing whitespace, we strip it (RFC 9110 §5.5)",
    protocol: "HTTP/1.0",
    steps: once("GET /ws HTTP/1.0\r\nX-Pad:   padded \t \r\nX-Empty:\r\nX-Inner: a  b\r\n\r\n"),
    allowed: {
      note: "README: field values are stripped of surrounding whitespace; CPython keeps the trailing part",
      response(py, ours) {
        const p = parseTranscript(py.raw)[0]!;
        const o = parseTranscript(ours.raw)[0]!;
        assert.equal(o.statusLine, p.statusLine);
        assert.deepEqual(o.headers.map(([n]) => n), p.headers.map(([n]) => n));
        assert.equal(p.body.toString("latin1"), "GET /ws HTTP/1.0\nX-Pad: padded \t \nX-Empty: \nX-Inner: a  b\n");
        assert.equal(o.body.toString("latin1"), "GET /ws HTTP/1.0\nX-Pad: padded\nX-Empty: \nX-Inner: a  b\n");
      },
      log(py, ours) {
        assert.deepEqual(ours.log, py.log);
      },
    },
  },

  // ---- log escaping ------------------------------------------------------------
  {
    name: "control characters in the request line: escaped in the log",
    protocol: "HTTP/1.0",
    steps: once("GET /\x1b[31m HTTP/1.0\r\n\r\n"),
    allowed: {
      note: "README: control bytes (NUL, DEL, ESC …) in the request line's words are refused with 400; CPython serves them",
      response(py, ours) {
        assert.match(py.text, /^HTTP\/1\.0 200 OK\r\n/);
        const [o] = parseTranscript(ours.raw);
        assert.equal(o!.statusLine, "HTTP/1.0 400 Bad request syntax ('GET /\\x1b[31m HTTP/1.0')");
        assert.deepEqual(o!.headers.map(([n]) => n), ERROR_HEADERS);
      },
      log(py, ours) {
        // The request's own log line is the same but for the status.
        assert.deepEqual(py.log, ['127.0.0.1 - - [<date>] "GET /\\x1b[31m HTTP/1.0" 200 -']);
        assert.deepEqual(ours.log, [
          "127.0.0.1 - - [<date>] code 400, message Bad request syntax ('GET /\\\\x1b[31m HTTP/1.0')",
          py.log[0]!.replace('" 200 -', '" 400 -'),
        ]);
      },
    },
  },
  {
    name: "control characters in a 4-word request line: 400 in both, escaped in the log",
    protocol: "HTTP/1.0",
    steps: once("GET /\x1b[0m \x7f HTTP/1.0\r\n\r\n"),
  },
  {
    name: "NEL (\\x85) splits the request line; C1 bytes are escaped by %r and in the log",
    protocol: "HTTP/1.0",
    steps: once(Buffer.from("GET /\x9b31m\x85x HTTP/1.0\r\n\r\n", "latin1")),
  },
  {
    name: "C1 control characters that are not whitespace are served and escaped in the log",
    protocol: "HTTP/1.0",
    steps: once(Buffer.from("GET /\x9b31m\x80 HTTP/1.0\r\n\r\n", "latin1")),
  },
  {
    name: "a backslash in the request line is doubled in the log",
    protocol: "HTTP/1.0",
    steps: once("GET /a\\b HTTP/1.0\r\n\r\n"),
  },
  {
    name: "NBSP (\\xa0) splits the request line as Python's str.split() does",
    protocol: "HTTP/1.0",
    steps: once(Buffer.from("GET /a\xa0b HTTP/1.0\r\n\r\n", "latin1")),
  },
  {
    name: "non-ASCII latin-1 in the target is logged as is",
    protocol: "HTTP/1.0",
    steps: once(Buffer.from("GET /caf\xe9 HTTP/1.0\r\n\r\n", "latin1")),
  },
];

/** Rows whose difference from CPython is intended (see each row's note). */
const ALLOW_LIST = [
  "bad version HTTP/1.x → 400 Bad request version",
  "HTTP/2.0 → 505 Invalid HTTP version",
  "2-word POST (HTTP/0.9 knows only GET) → 400 Bad HTTP/0.9 request type",
  "one word → 400 Bad request syntax",
  "a blank line before the request line is skipped (RFC 9112 §2.2); CPython closes without an answer",
  "an empty line between pipelined requests is skipped; CPython answers the first and closes",
  "a body the handler does not read is drained, not parsed as the next request",
  "obs-fold: CPython keeps the CRLF inside the value, we refuse with 400",
  "a header line without a colon: CPython drops the rest of the head, we refuse with 400",
  "a control byte in a header value: CPython passes it on, we refuse with 400",
  "header value whitespace: CPython keeps trailing whitespace, we strip it (RFC 9110 §5.5)",
  "control characters in the request line: escaped in the log",
];

// ---- the servers --------------------------------------------------------------

interface Pair {
  python: PythonServer;
  ours: Running<any>;
}

const log = new LogCapture();
const pairs = new Map<Protocol, Pair>();
const started: { close(): Promise<void> }[] = [];
let sync = 0;

before(async () => {
  log.start();
  for (const protocol of ["HTTP/1.0", "HTTP/1.1"] as const) {
    const python = await startPython(protocol);
    started.push(python);
    const ours = await serve(oursEcho(protocol));
    started.push(ours);
    pairs.set(protocol, { python, ours });
  }
});

after(async () => {
  try {
    await Promise.allSettled(started.map((s) => s.close()));
  } finally {
    log.stop();
  }
});

/**
 * Sends a sentinel request to both servers and resolves with each side's log
 * lines since the previous sentinel (the sentinel's own line excluded).
 */
async function logsSince(pair: Pair, pyFrom: number, oursFrom: number): Promise<{ py: string[]; ours: string[] }> {
  const tag = `/__sync__/${++sync}`;
  const request = `GET ${tag} HTTP/1.0\r\n\r\n`;
  await Promise.all([exchange(pair.python.port, request), exchange(pair.ours.port, request)]);
  const re = new RegExp(`"GET ${tag} HTTP/1\\.0" 200 -$`);
  const pyLine = await pair.python.waitFor(re);
  const oursLine = await log.waitFor(re);
  const py = pair.python.lines.slice(pyFrom, pair.python.lines.indexOf(pyLine));
  const ours = log.lines.slice(oursFrom, log.lines.indexOf(oursLine));
  return { py, ours };
}

describe("side by side with CPython's http.server", () => {
  for (const row of ROWS) {
    test(row.name, async () => {
      const pair = pairs.get(row.protocol)!;
      const pyFrom = pair.python.lines.length;
      const oursFrom = log.lines.length;
      const [pyRaw, oursRaw] = await Promise.all([
        talk(pair.python.port, row.python ?? row.steps),
        talk(pair.ours.port, row.steps),
      ]);
      const logs = await logsSince(pair, pyFrom, oursFrom);
      const py: Seen = {
        raw: pyRaw,
        text: renderPython(pyRaw, row.head),
        log: logs.py.map((l) => phrasesTo314(maskLogLine(l))),
      };
      const ours: Seen = { raw: oursRaw, text: renderOurs(oursRaw, row.head), log: logs.ours.map(maskLogLine) };
      if (process.env["CONFORMANCE_DUMP"] !== undefined) {
        const dump = (s: Seen): unknown => ({ raw: s.raw.toString("latin1").slice(0, 2000), log: s.log });
        appendFileSync(process.env["CONFORMANCE_DUMP"], JSON.stringify({ row: row.name, py: dump(py), ours: dump(ours) }, null, 1) + "\n");
      }

      // Both checks run, so one failure report shows every difference of the row.
      const failures: Error[] = [];
      const check = (fn: () => void): void => {
        try {
          fn();
        } catch (e) {
          failures.push(e as Error);
        }
      };
      check(() => {
        if (row.allowed?.response !== undefined) row.allowed.response(py, ours);
        else assert.equal(ours.text, py.text, `${row.name}: response differs (got ours, want CPython's)`);
      });
      check(() => {
        if (row.allowed?.log !== undefined) row.allowed.log(py, ours);
        else assert.deepEqual(ours.log, py.log, `${row.name}: log lines differ (got ours, want CPython's)`);
      });
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) {
        throw new assert.AssertionError({ message: failures.map((f) => f.message).join("\n\n") });
      }
    });
  }

  test("allow-list: the intended differences, each with its reason", () => {
    const allowed = ROWS.filter((r) => r.allowed !== undefined);
    for (const row of allowed) assert.ok(row.allowed!.note.length > 0, row.name);
    // Adding an allowance is a decision: list it here (and in the README).
    assert.deepEqual(
      allowed.map((r) => r.name),
      ALLOW_LIST,
    );
    // The style block that the normalisation takes out is the one 3.14 adds.
    assert.match(STYLE_BLOCK, /color-scheme: light dark;/);
  });
});
