/**
 * Fuzzing the request parser: the properties `npm run fuzz` runs for minutes
 * and `test/fuzz/fuzz.test.ts` runs for a few hundred cases (issue #6).
 *
 * Strategy: `decideOurs` drives the sans-IO pieces of src/protocol/ over one
 * request exactly as the connection loop does (empty lines skipped and the
 * first byte checked by `RequestLineScanner`, request line through
 * `readline(65537)` and `parseRequestLine`, its target through
 * `classifyTarget`, head through `HeaderReader`, `Host` through
 * `isValidHost`, framing through `requestFraming`, body by length or
 * `ChunkedDecoder`) and
 * says accept (with the bytes the first request spans), reject (status), close
 * silently, or need more. `decideLlhttp` asks Node's own llhttp in strict mode
 * (lenient flags 0, the parser behind `node:http` with `insecureHTTPParser:
 * false`) the same question through its `HTTPParser` binding, pausing at the
 * first message's end so its length is known. Properties:
 *   1. only ProtocolError escapes the parser, on structured and random bytes;
 *   2. split invariance: any cut of the input into pieces gives the same outcome;
 *   3. differential: ours and llhttp agree on accept/reject, and where both
 *      accept, on where the first request ends (and then on the request
 *      pipelined after it) — unless an entry of
 *      {@link ALLOWED} (each an intentional, documented disagreement, listed
 *      again in SECURITY.md (Protocol strictness)) explains the difference.
 * Inputs are assembled from protocol-shaped pieces (methods, targets,
 * versions, header names and values that matter for framing, chunk lines,
 * a pipelined second request) and then mutated at random, so both parsers'
 * edges are hit far more often than by uniform bytes.
 */

import { createRequire } from "node:module";
import fc from "fast-check";

import { ChunkedDecoder } from "../../src/protocol/chunked.js";
import { ProtocolError } from "../../src/protocol/errors.js";
import { requestFraming } from "../../src/protocol/framing.js";
import { HeaderReader, HTTPMessage } from "../../src/protocol/headers.js";
import { MAX_REQUEST_LINE } from "../../src/protocol/limits.js";
import { ReceiveBuffer } from "../../src/protocol/receive-buffer.js";
import { parseRequestLine, stripLineEnd } from "../../src/protocol/request-line.js";
import { classifyTarget, isValidHost, RequestLineScanner } from "../../src/protocol/request-target.js";

// ---- our side ------------------------------------------------------------------------

/** What a parser decided about the first request of an input. */
export type Outcome =
  | { readonly kind: "accept"; readonly consumed: number; readonly http09: boolean }
  | { readonly kind: "reject"; readonly status: number; readonly code: string }
  | { readonly kind: "silent" }
  | { readonly kind: "incomplete" };

const INCOMPLETE: Outcome = Object.freeze({ kind: "incomplete" });

/**
 * Decides the first request of `parts` (the input, cut into pieces) as the
 * server does. Only a ProtocolError is caught; anything else is a bug and
 * propagates.
 */
export function decideOurs(parts: readonly Buffer[]): Outcome {
  const rb = new ReceiveBuffer();
  let pushed = 0;
  let phase: "line" | "head" | "body" = "line";
  let version = "";
  let method = "";
  let reader: HeaderReader | null = null;
  let decoder: ChunkedDecoder | null = null;
  let remaining = 0;
  const accept = (http09 = false): Outcome => ({ kind: "accept", consumed: pushed - rb.length, http09 });

  const scanner = new RequestLineScanner();
  let skipped = 0;
  const step = (): Outcome | null => {
    if (phase === "line") {
      // RFC 9112 §2.2: empty lines before the request line are skipped (bounded).
      while (rb.length > 0) {
        const b = rb.peek();
        const n = b[0] === 0x0a ? 1 : b[0] === 0x0d && b.length > 1 && b[1] === 0x0a ? 2 : b[0] === 0x0d && b.length === 1 ? -1 : 0;
        if (n === -1) return null;
        if (n === 0) break;
        rb.take(n);
        skipped += n;
        if (skipped > MAX_REQUEST_LINE) return { kind: "reject", status: 400, code: "too-many-empty-lines" };
      }
      const line = rb.takeLine(MAX_REQUEST_LINE + 1);
      if (line === null) return scanner.check(rb.peek()) ? null : { kind: "reject", status: 400, code: "not-http" };
      if (line.length > MAX_REQUEST_LINE) return { kind: "reject", status: 414, code: "request-line-too-long" };
      if (!scanner.check(line)) return { kind: "reject", status: 400, code: "not-http" };
      const r = parseRequestLine(stripLineEnd(line.toString("latin1")), "HTTP/1.1");
      if (r.error !== undefined) {
        return r.error.kind === "empty" ? { kind: "silent" } : { kind: "reject", status: r.error.status, code: r.error.kind };
      }
      const target = r.words[1]!;
      if (r.words.length === 2 ? target.charCodeAt(0) !== 0x2f : classifyTarget(r.words[0]!, target) === null) {
        return { kind: "reject", status: 400, code: "bad-target" };
      }
      if (r.words.length === 2) return accept(true);
      method = r.words[0]!;
      version = r.version!;
      reader = new HeaderReader(new HTTPMessage());
      phase = "head";
    }
    if (phase === "head") {
      const headers = reader!.read(rb);
      if (headers === null) return null;
      const hosts = headers.get_all("Host") ?? [];
      if (hosts.length > 1 || (hosts.length === 1 && !isValidHost(hosts[0]!))) return { kind: "reject", status: 400, code: "bad-host" };
      const framing = requestFraming(headers, version, method);
      if (framing.kind === "none") return accept();
      if (framing.kind === "length") remaining = framing.length;
      else decoder = new ChunkedDecoder();
      phase = "body";
    }
    if (decoder !== null) {
      const r = decoder.decode(rb.peek());
      rb.take(r.consumed);
      return decoder.done ? accept() : null;
    }
    remaining -= rb.take(remaining).length;
    return remaining === 0 ? accept() : null;
  };

  try {
    for (const part of parts) {
      if (part.length === 0) continue;
      rb.push(part);
      pushed += part.length;
      const out = step();
      if (out !== null) return out;
    }
    return INCOMPLETE;
  } catch (e) {
    if (e instanceof ProtocolError) return { kind: "reject", status: e.status, code: e.code };
    throw e;
  }
}

// ---- llhttp, strict ------------------------------------------------------------------

interface LlhttpParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | Error;
  [k: number]: unknown;
}
interface LlhttpBinding {
  HTTPParser: {
    new (): LlhttpParser;
    REQUEST: number;
    kOnHeaders: number;
    kOnHeadersComplete: number;
    kOnBody: number;
    kOnMessageComplete: number;
    kOnExecute: number;
  };
  methods: string[];
}

const require = createRequire(import.meta.url);
// `_http_common` is the module node:http itself parses with; its HTTPParser is llhttp.
const { HTTPParser, methods: LLHTTP_METHODS } = require("_http_common") as LlhttpBinding;
const parser = new HTTPParser();
let llDone = false;
let llHttp09 = false;
parser[HTTPParser.kOnHeaders] = () => {};
parser[HTTPParser.kOnHeadersComplete] = (major: number, minor: number) => {
  llHttp09 = major === 0 && minor === 9;
  return 0;
};
parser[HTTPParser.kOnBody] = () => {};
parser[HTTPParser.kOnExecute] = () => {};
parser[HTTPParser.kOnMessageComplete] = () => {
  llDone = true;
};

/** Runs llhttp strict over `input` from a fresh state; `true` once a first message completed. */
function llhttpRun(input: Buffer): number | Error {
  // 1 MiB header limit: ours are the limits under test, not Node's 16 KiB default.
  parser.initialize(HTTPParser.REQUEST, {}, 1024 * 1024, 0);
  llDone = false;
  llHttp09 = false;
  return parser.execute(input);
}

/**
 * Node's llhttp, strict (no lenient flag), on the first request of `input`.
 * The binding cannot stop at a message's end from a callback, so the first
 * request's length is found by bisection: the shortest prefix after which
 * llhttp has completed a message (completion is monotonic in the prefix).
 */
export function decideLlhttp(input: Buffer): Outcome & { reason?: string } {
  const r = llhttpRun(input);
  if (llDone) {
    const http09 = llHttp09;
    let lo = 1;
    let hi = input.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      llhttpRun(input.subarray(0, mid));
      if (llDone) hi = mid;
      else lo = mid + 1;
    }
    return { kind: "accept", consumed: hi, http09 };
  }
  if (r instanceof Error) {
    const e = r as Error & { code?: string; reason?: string };
    return { kind: "reject", status: 400, code: e.code ?? "HPE", reason: e.reason ?? "" };
  }
  return INCOMPLETE;
}

// ---- intentional disagreements ---------------------------------------------------------

/** What an input says, read loosely, for deciding whether a disagreement is intended. */
interface Shape {
  /** The first line, up to and including its LF (or the whole input). */
  line: string;
  method: string;
  target: string;
  version: string;
  /** Header fields before the first empty line: [lower-case name as sent, value]. */
  fields: [string, string][];
  head: string;
}

function shapeOf(input: Buffer): Shape {
  const text = input.toString("latin1");
  const lf = text.indexOf("\n");
  const line = lf === -1 ? text : text.slice(0, lf + 1);
  const words = line.replace(/\r?\n$/, "").split(" ");
  const end = /\r?\n\r?\n/.exec(text);
  const head = end === null ? text : text.slice(0, end.index + end[0].length);
  const fields: [string, string][] = [];
  for (const l of head.slice(line.length).split(/\r?\n/)) {
    const colon = l.indexOf(":");
    if (colon > 0) fields.push([l.slice(0, colon).toLowerCase(), l.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "")]);
  }
  return { line, method: words[0] ?? "", target: words[1] ?? "", version: words[2] ?? "", fields, head };
}

// RFC 9112 §3.2 request-target forms, with RFC 3986 characters only.
const URI_CHARS = "[A-Za-z0-9\\-._~!$&'()*+,;=:@/?%]";
const ORIGIN_FORM = new RegExp(`^/${URI_CHARS}*$`);
const ABSOLUTE_FORM = new RegExp(`^[A-Za-z]+://${URI_CHARS}+$`);
const AUTHORITY_FORM = /^[A-Za-z0-9.\-]+:[0-9]+$/;

/** The target has a standard form for its method: authority-form for CONNECT, else `*`, origin- or absolute-form. */
function standardTarget(s: Shape): boolean {
  if (s.method === "CONNECT") return AUTHORITY_FORM.test(s.target);
  return s.target === "*" || ORIGIN_FORM.test(s.target) || ABSOLUTE_FORM.test(s.target);
}
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Each intentional disagreement with llhttp strict: an id (quoted in
 * SECURITY.md (Protocol strictness)), why, and when it applies. Everything else is a bug
 * in one parser or the other and fails the fuzz run.
 */
export const ALLOWED: readonly { id: string; why: string; applies: (s: Shape, input: Buffer) => boolean }[] = [
  {
    id: "request-line-shape",
    why: "CPython compatibility: the request line is split on any Python whitespace (RFC 9112 §3 lets a recipient split on whitespace), the method may be any token (501 comes later from dispatch), HTTP/1.x with any minor digits and HTTP/0.9 lines are parsed, trailing CRs are stripped. llhttp knows a fixed method list, single SP, HTTP/1.0 and 1.1 only. The request line carries no framing, so none of this can move a message boundary.",
    applies: (s) =>
      !/^[^ ]+ [^ ]+ HTTP\/1\.[01]\r\n$/.test(s.line) || !LLHTTP_METHODS.includes(s.method) || !TOKEN.test(s.method),
  },
  {
    id: "target-form",
    why: "CPython compatibility: inside an origin-form or absolute-form target any byte but whitespace and controls is accepted (obs-text, `\"`, `<`, `{`, `\\`, `#` …); llhttp parses the target as a URL and refuses bytes outside its table. The handler and translate_path decide what such a path means (a 404 for files). Targets of no form at all are refused by both.",
    applies: (s) => !standardTarget(s),
  },
  {
    id: "target-form-strict",
    why: "Stricter (RFC 9112 §3.2, RFC 9110 §4.2): `*` only with OPTIONS, authority-form only with (and for) CONNECT, no userinfo in an absolute-form target, a non-empty host in an http(s) one, a numeric port; a two-word line only with a path. llhttp accepts some of these (`GET *`, `http://u@h/`). Refusing cannot move a boundary.",
    // Exactly when our rule refuses the target.
    applies: (s) => (s.version === "" ? !s.target.startsWith("/") : classifyTarget(s.method, s.target) === null),
  },
  {
    id: "host-field",
    why: "Stricter (RFC 9112 §3.2: MUST 400): more than one Host field line, or a Host value that is not `uri-host [\":\" port]` (a space, userinfo, a path, a non-numeric port, obs-text). llhttp does not look at Host.",
    applies: (s) => {
      const hosts = s.fields.filter(([n]) => n === "host").map(([, v]) => v);
      return hosts.length > 1 || hosts.some((v) => !isValidHost(v));
    },
  },
  {
    id: "bare-lf",
    why: "CPython compatibility: a bare LF ends a head line (RFC 9112 §2.2: a recipient MAY accept it); llhttp strict wants CRLF. Inside a chunked body we are as strict as llhttp.",
    applies: (s) => /(^|[^\r])\n/.test(s.head),
  },
  {
    id: "leading-empty-line",
    why: "Empty lines before a request line are skipped, as llhttp does (RFC 9112 §2.2), but a bare LF counts as one (llhttp strict wants CRLF), and more than 64 KiB of them are refused (bounded like a request line). Skipping cannot smuggle anything.",
    applies: (_s, input) => input[0] === 0x0a || (input[0] === 0x0d && input[1] === 0x0a),
  },
  {
    id: "te-in-http10",
    why: "Stricter: Transfer-Encoding in an HTTP/1.0 request is refused with 400 (RFC 9112 §6.1: the framing is faulty); llhttp decodes it as chunked.",
    applies: (s) => s.version === "HTTP/1.0" && s.fields.some(([n]) => n === "transfer-encoding"),
  },
  {
    id: "te-unsupported-coding",
    why: "Stricter: a transfer coding other than chunked (gzip, identity …) before the final chunked is answered 501 (RFC 9112 §6.1); llhttp frames the body by the final chunked and leaves decoding to the application.",
    applies: (s) =>
      s.fields.some(([n, v]) => n === "transfer-encoding" && v.split(",").some((c) => !/^[ \t]*(chunked)?[ \t]*$/i.test(c))),
  },
  {
    id: "te-empty-element",
    why: "Stricter: a Transfer-Encoding value that is empty or has an empty list element (`, chunked`, `chunked,`) is refused with 400. RFC 9110 §5.6.1 asks recipients to ignore empty elements, but llhttp itself is split (it ignores an empty value and a leading `,` yet refuses a trailing one), and a coding list no client sends is not worth a second reading.",
    applies: (s) => s.fields.some(([n, v]) => n === "transfer-encoding" && v.split(",").some((c) => /^[ \t]*$/.test(c))),
  },
  {
    id: "connect-content",
    why: "Stricter: CONNECT with Content-Length or Transfer-Encoding is refused with 400 (RFC 9110 §9.3.6: a CONNECT request has no content); llhttp ends the message at the head and treats what follows as tunnel bytes.",
    applies: (s) => s.method === "CONNECT" && s.fields.some(([n]) => n === "content-length" || n === "transfer-encoding"),
  },
  {
    id: "chunk-ext-syntax",
    why: "Stricter: chunk extensions must match their ABNF exactly (RFC 9112 §7.1.1: `;` token [ `=` ( token / quoted-string ) ]); llhttp also accepts an empty name (`5;=b`), an empty value (`5;a=`) and a token run into a quoted string (`5;a=0\"x\"`). We refuse with 400; refusing cannot move a boundary.",
    applies: (_s, input) => hasOffAbnfExtension(input),
  },
  {
    id: "content-length-beyond-2^53",
    why: "Stricter: a Content-Length beyond 2^53 − 1 is refused with 400 (no JavaScript number holds it exactly); llhttp accepts up to 2^64 − 1.",
    applies: (s) => s.fields.some(([n, v]) => n === "content-length" && /^[0-9]{16,}$/.test(v)),
  },
  {
    id: "framing-field-htab",
    why: "RFC 9110 §5.5: OWS (SP or HTAB) around a field value is not part of it, so `Content-Length: 5\\t` is 5 and `Transfer-Encoding:\\tchunked\\t` is chunked, as CPython reads them; llhttp refuses an HTAB after these two values (and after TE's codings). The value read is the same either way: no boundary can move.",
    applies: (s) => /(^|\n)(content-length|transfer-encoding):[^\n]*\t/i.test(s.head),
  },
  {
    id: "http09-boundary",
    why: "An HTTP/0.9 request ends the connection after its reply, so where llhttp thinks it ends does not matter.",
    applies: (s) => !/ HTTP\//.test(s.line),
  },
];

const TOKEN_SRC = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const QUOTED_SRC = '"(?:[\\t \\x21\\x23-\\x5b\\x5d-\\x7e\\x80-\\xff]|\\\\[\\t \\x21-\\x7e\\x80-\\xff])*"';
const STRICT_EXTS = new RegExp(`^(?:;${TOKEN_SRC}(?:=(?:${TOKEN_SRC}|${QUOTED_SRC}))?)*$`);

/** Some line after the head looks like a chunk-size line whose extensions are off the ABNF. */
function hasOffAbnfExtension(input: Buffer): boolean {
  const text = input.toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end === -1) return false;
  for (const m of text.slice(end + 4).matchAll(/(?:^|\n)[0-9a-fA-F]+(;[^\r\n]*)\r/g)) {
    if (!STRICT_EXTS.test(m[1]!)) return true;
  }
  return false;
}

/** Why ours and llhttp's outcomes may differ on `input`, or `null` when they must agree. */
export function allowedDisagreement(input: Buffer): string | null {
  const s = shapeOf(input);
  for (const a of ALLOWED) if (a.applies(s, input)) return a.id;
  return null;
}

/**
 * Whether two outcomes agree. Rejecting, closing silently and waiting are all
 * "not accepted": a parser that refuses before the other has seen the bad byte
 * is not a disagreement. Accepting is compared with its boundary.
 */
export function agree(ours: Outcome, ll: Outcome): boolean {
  if (ours.kind === "accept" || ll.kind === "accept") {
    return ours.kind === "accept" && ll.kind === "accept" && ours.consumed === ll.consumed;
  }
  // Neither accepted: only "we wait for more, llhttp has refused" or the reverse are fine too.
  return true;
}

// ---- generators ----------------------------------------------------------------------

const METHODS = ["GET", "POST", "PUT", "HEAD", "OPTIONS", "CONNECT", "DELETE", "PATCH", "FOO", "get", "G\x00T"];
const TARGETS = [
  "/", "/a?b=c", "*", "http://h.example/x", "h.example:443", "/%41", "/a b", "/\xff", "/\x00", "//x", "/a\x7f", "/\"<{|}",
  "http://u@h/", "http:///a", "http://h:x/", "HTTPS://H:443", "a.txt", "\\a", "http:/a", "ftp://h/x", "[::1]:80",
];
const VERSIONS = ["HTTP/1.1", "HTTP/1.0", "HTTP/1.2", "HTTP/2.0", "HTTP/0.9", "http/1.1", "HTTP/1.01", "HTTP/1", "HTTP/1.1 "];
const SEPS = [" ", " ", " ", "  ", "\t", "\x0b", "\x00", "\x85", "\r"];
const EOLS = ["\r\n", "\r\n", "\r\n", "\r\n", "\n", "\r", "\r\r\n", ""];
const NAMES = [
  "Host", "Content-Length", "Transfer-Encoding", "Content-Length", "Transfer-Encoding", "content-length",
  "TRANSFER-ENCODING", "Connection", "X-A", "Transfer-Encoding ", " Transfer-Encoding", "Transfer_Encoding",
  "Content-Length\x00", "X\rY", "", "Trailer",
];
const CL_VALUES = ["0", "5", "3", "005", "+5", "-1", "5, 5", "5,5", "0x5", "5 5", "", "99999999999999999999", "9007199254740992", "4 ", "1\x00"];
const TE_VALUES = [
  "chunked", "Chunked", "CHUNKED", "chunked, identity", "identity", "gzip, chunked", "chunked, chunked", "chunked,",
  " chunked", "\tchunked ", "\xa0chunked", "chunked\x00", "chunked;q=1", ", chunked", "identity, chunked", "xchunked", "",
];
const VALUES = ["a", "\xe9", "a\x01b", "a\rb", "close", "keep-alive", "a b", "\x7f", "x".repeat(40), "keep-alive, close", "u@h", "h:80", "h:x", "[::1]:8000", "[::1", "h/p", ""];
const COLONS = [": ", ":", " : ", ":\t", " :", "::"];
const CHUNK_PIECES = [
  "0\r\n\r\n", "5\r\nhello\r\n", "3\r\nabc\r\n", "5;a=b\r\nhello\r\n", '5;a="x y"\r\nhello\r\n', "5 \r\nhello\r\n",
  "5\nhello\n", "5\r\nhello\n", "5\r\nhelloX\r\n", "g\r\n", "fffffffffffffff\r\n", "0\r\nX: y\r\n\r\n", "0\r\nGET / HTTP/1.1\r\n\r\n",
  "0;x\r\n\r\n", "0\r\n\n", "0\r\n X: y\r\n\r\n", "\r\n", "5\r\nhel", "0000000000000000005\r\nhello\r\n", "5;a=b c\r\nhello\r\n",
];
const NEXT = ["", "", "GET /next HTTP/1.1\r\nHost: x\r\n\r\n", "POST /n HTTP/1.1\r\nContent-Length: 1\r\n\r\nZ", "0\r\n\r\n", "hello"];

const pick = (xs: readonly string[]): fc.Arbitrary<string> => fc.constantFrom(...xs);
const soupArb = fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b).toString("latin1"));
const maybeSoup = (xs: readonly string[], weight = 6): fc.Arbitrary<string> =>
  fc.oneof({ weight, arbitrary: pick(xs) }, { weight: 1, arbitrary: soupArb });

const fieldArb = fc
  .tuple(maybeSoup(NAMES, 10), pick(COLONS), pick(EOLS))
  .chain(([name, colon, eol]) => {
    const lower = name.toLowerCase();
    const values = lower.startsWith("content-length") ? CL_VALUES : lower.includes("transfer") ? TE_VALUES : VALUES;
    return maybeSoup(values, 10).map((value) => `${name}${colon}${value}${eol === "" ? "\r\n" : eol}`);
  });

const canonicalLineArb = fc
  .tuple(pick(["GET", "POST", "PUT", "POST", "OPTIONS", "DELETE"]), pick(["/", "/a?b=c", "*", "http://h.example/x", "/%41"]), pick(["HTTP/1.1", "HTTP/1.1", "HTTP/1.0"]))
  .map(([m, t, v]) => `${m} ${t} ${v}\r\n`);
const oddLineArb = fc
  .tuple(maybeSoup(METHODS), pick(SEPS), maybeSoup(TARGETS), pick(SEPS), maybeSoup(VERSIONS), pick(EOLS))
  .map(([m, s1, t, s2, v, eol]) => `${m}${s1}${t}${s2}${v}${eol}`);

const bodyArb = fc.oneof(
  fc.array(maybeSoup(CHUNK_PIECES, 8), { maxLength: 4 }).map((p) => p.join("")),
  pick(["", "hello", "abc", "hellohello"]),
);

/** A mutation: overwrite, insert or delete one byte at a position. */
const mutationArb = fc.tuple(fc.constantFrom("set", "insert", "delete"), fc.nat(), fc.integer({ min: 0, max: 255 }));

function mutate(text: string, mutations: readonly (readonly [string, number, number])[]): Buffer {
  const bytes = [...Buffer.from(text, "latin1")];
  for (const [op, at, byte] of mutations) {
    const i = at % (bytes.length + 1);
    if (op === "insert") bytes.splice(i, 0, byte);
    else if (bytes.length > 0 && op === "set") bytes[i % bytes.length] = byte;
    else if (bytes.length > 0) bytes.splice(i % bytes.length, 1);
  }
  return Buffer.from(bytes);
}

/** A well-formed chunked body: data of any bytes, valid extensions, valid trailers. */
const validChunkedArb = fc
  .tuple(
    fc.array(
      fc.tuple(
        fc.string({ unit: fc.constantFrom(..."abcXYZ0\r\n\x00\xff;"), minLength: 1, maxLength: 20 }),
        fc.option(pick([";a", ";a=b", ';a="x y"', ";a;b=c", ';q="\\""']), { nil: undefined }),
        fc.boolean(),
      ),
      { maxLength: 3 },
    ),
    fc.option(pick([";last", ";a=1"]), { nil: undefined }),
    fc.array(pick(["X-T: 1", "X-Sum: a b", "Expires:0", "X-E:\t\xe9 "]), { maxLength: 2 }),
  )
  .map(([chunks, lastExt, trailers]) => {
    let out = "";
    for (const [data, ext, upper] of chunks) {
      const size = data.length.toString(16);
      out += `${upper ? size.toUpperCase() : size}${ext ?? ""}\r\n${data}\r\n`;
    }
    return `${out}0${lastExt ?? ""}\r\n${trailers.map((t) => `${t}\r\n`).join("")}\r\n`;
  });

/** A well-formed request (no body, a Content-Length body or a chunked one), then what follows it; rarely mutated. */
const validRequestArb: fc.Arbitrary<Buffer> = fc
  .tuple(
    canonicalLineArb,
    fc.array(pick(["Host: x", "X-A: b", "Connection: keep-alive", "Accept: */*", "User-Agent: f/1.0", "X-B:\tc d "]), { maxLength: 3 }),
    fc.oneof(
      fc.constant(""),
      fc.string({ unit: fc.constantFrom(..."ab\r\n0GET /"), maxLength: 30 }).map((d) => `Content-Length: ${d.length}\r\n\r\n${d}`),
      validChunkedArb.map((b) => `Transfer-Encoding: chunked\r\n\r\n${b}`),
    ),
    pick(NEXT),
    fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 1 }) }),
  )
  .map(([line, fields, framed, next, mutations]) => {
    const head = line + fields.map((f) => `${f}\r\n`).join("");
    return mutate(head + (framed === "" ? "\r\n" : framed) + next, mutations);
  });

/** Structured request bytes, sometimes mutated. */
const structuredRequestArb: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.oneof({ weight: 20, arbitrary: fc.constant("") }, { weight: 1, arbitrary: pick(["\r\n", "\n"]) }),
    fc.oneof({ weight: 4, arbitrary: canonicalLineArb }, { weight: 1, arbitrary: oddLineArb }),
    fc.array(fieldArb, { maxLength: 5 }),
    fc.oneof({ weight: 8, arbitrary: fc.constant("\r\n") }, { weight: 1, arbitrary: pick(["\n", "\r", ""]) }),
    bodyArb,
    pick(NEXT),
    fc.array(mutationArb, { maxLength: 2 }),
  )
  .map(([lead, line, fields, end, body, next, mutations]) => mutate(lead + line + fields.join("") + end + body + next, mutations));

/** Request bytes: two parts protocol-shaped pieces (mostly refused), one part well-formed requests (mostly accepted). */
export const requestArb: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 2, arbitrary: structuredRequestArb },
  { weight: 1, arbitrary: validRequestArb },
);

/** Cut points turned into pieces of `input` (empty pieces allowed). */
export function cut(input: Buffer, points: readonly number[]): Buffer[] {
  const cuts = [...new Set(points.map((p) => p % (input.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let prev = 0;
  for (const c of cuts) {
    parts.push(input.subarray(prev, c));
    prev = c;
  }
  parts.push(input.subarray(prev));
  return parts;
}

const show = (b: Buffer): string => JSON.stringify(b.toString("latin1"));

// ---- properties ----------------------------------------------------------------------

/** Counts of what the differential property saw, for the report. */
export const stats = { cases: 0, bothAccept: 0, bothRefuse: 0, allowed: new Map<string, number>() };

/** Property 1: only ProtocolError escapes, on structured and on uniform random bytes. */
export const onlyProtocolError = fc.property(
  fc.oneof(requestArb, fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b))),
  (input) => {
    stats.cases++;
    decideOurs([input]);
  },
);

/** Property 2: split invariance. */
export const splitInvariance = fc.property(requestArb, fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), (input, points) => {
  stats.cases++;
  const whole = decideOurs([input]);
  const pieces = decideOurs(cut(input, points));
  const bytes = decideOurs([...input].map((b) => Buffer.of(b)));
  if (JSON.stringify(whole) !== JSON.stringify(pieces) || JSON.stringify(whole) !== JSON.stringify(bytes)) {
    throw new Error(`split changes the outcome of ${show(input)}: whole ${JSON.stringify(whole)}, cut ${JSON.stringify(pieces)}, bytes ${JSON.stringify(bytes)}`);
  }
});

/** Property 3: agreement with llhttp strict, or an intended disagreement. */
export const differential = fc.property(requestArb, (input) => {
  stats.cases++;
  compare(input, true);
});

/** Compares the first request of `input`; when both accept it, the request after it too (pipelining). */
function compare(input: Buffer, first: boolean): void {
  const ours = decideOurs([input]);
  const ll = decideLlhttp(input);
  if (agree(ours, ll)) {
    if (ours.kind === "accept") {
      stats.bothAccept++;
      if (first && !ours.http09 && ours.consumed < input.length) compare(input.subarray(ours.consumed), false);
    } else if (ll.kind === "reject") {
      stats.bothRefuse++;
    }
    return;
  }
  const why = allowedDisagreement(input);
  if (why === null) {
    throw new Error(`ours ${JSON.stringify(ours)} vs llhttp ${JSON.stringify(ll)} on ${show(input)}`);
  }
  stats.allowed.set(why, (stats.allowed.get(why) ?? 0) + 1);
}

/** The properties by name, in the order a run takes them. */
export const PROPERTIES: Readonly<Record<string, fc.IRawProperty<unknown[]>>> = {
  onlyProtocolError: onlyProtocolError as fc.IRawProperty<unknown[]>,
  splitInvariance: splitInvariance as fc.IRawProperty<unknown[]>,
  differential: differential as fc.IRawProperty<unknown[]>,
};

/** llhttp strict over a whole input: how many messages it completes, and its error if any. */
export function llhttpSummary(input: Buffer): { messages: number; error?: string } {
  let messages = 0;
  parser[HTTPParser.kOnMessageComplete] = () => {
    messages++;
    llDone = true;
  };
  try {
    const r = llhttpRun(input);
    if (r instanceof Error) return { messages, error: (r as Error & { code?: string }).code ?? "HPE" };
    return { messages };
  } finally {
    parser[HTTPParser.kOnMessageComplete] = () => {
      llDone = true;
    };
  }
}
