/**
 * Test helpers for byte-level protocol tests: Latin-1 buffers, printable
 * renderings for failure messages, the escape convention of the Markdown wire
 * fixtures in `test/protocol/cases/`, and a reader for those fixtures.
 *
 * Wire convention (used inside a fixture's ```http block):
 *   - line breaks of the Markdown block are NOT part of the input, so a request
 *     can be laid out one protocol line per Markdown line;
 *   - `\r`, `\n`, `\t`, `\\`, `\xHH` (two hex digits) are the bytes they name;
 *   - `\{TEXT*N}` is TEXT repeated N times (TEXT may itself use the escapes
 *     above, but not `*` or `}`), for cases that need kilobytes of input;
 *   - every other character is one Latin-1 byte.
 *
 * Also here: the request-line decision in terms both our parser and CPython's
 * `parse_request` can report, and a batched probe that runs the installed
 * `python3`'s real `parse_request` on many lines in one process.
 */

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { parseRequestLine, reduceLeadingSlashes, stripLineEnd } from "../../src/protocol/request-line.js";

/** The Latin-1 bytes of `s` (each UTF-16 unit below 256 is one byte). */
export function latin1(s: string): Buffer {
  return Buffer.from(s, "latin1");
}

/** A one-line rendering of bytes or a string for failure messages: JSON with `\xHH` for non-ASCII. */
export function show(value: Buffer | string): string {
  const s = typeof value === "string" ? value : value.toString("latin1");
  const shown = JSON.stringify(s.length > 200 ? `${s.slice(0, 120)}…(${s.length} chars)…${s.slice(-40)}` : s);
  return shown.replace(/[\u007f-\u00ff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** Decodes the fixture escape convention (see the file header) into bytes. */
export function unescapeWire(text: string): Buffer {
  const out: number[] = [];
  const noBreaks = text.replace(/\r?\n/g, "");
  const expand = (s: string): void => {
    for (let i = 0; i < s.length; i++) {
      const c = s[i]!;
      if (c !== "\\") {
        const code = s.charCodeAt(i);
        if (code > 0xff) throw new Error(`fixture character U+${code.toString(16)} is not Latin-1`);
        out.push(code);
        continue;
      }
      const e = s[++i];
      switch (e) {
        case "r":
          out.push(0x0d);
          break;
        case "n":
          out.push(0x0a);
          break;
        case "t":
          out.push(0x09);
          break;
        case "\\":
          out.push(0x5c);
          break;
        case "x": {
          const hex = s.slice(i + 1, i + 3);
          if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Error(`bad \\x escape in fixture: ${show(s.slice(i - 1, i + 3))}`);
          out.push(parseInt(hex, 16));
          i += 2;
          break;
        }
        case "{": {
          const close = s.indexOf("}", i);
          const star = s.lastIndexOf("*", close);
          if (close === -1 || star < i) throw new Error(`bad \\{TEXT*N} in fixture: ${show(s.slice(i - 1, i + 20))}`);
          const count = Number(s.slice(star + 1, close));
          if (!Number.isInteger(count) || count < 0) throw new Error(`bad repeat count in fixture: ${show(s.slice(star + 1, close))}`);
          const unit = s.slice(i + 1, star);
          for (let k = 0; k < count; k++) expand(unit);
          i = close;
          break;
        }
        default:
          throw new Error(`unknown escape \\${e ?? ""} in fixture`);
      }
    }
  };
  expand(noBreaks);
  return Buffer.from(out);
}

/** A fenced block of a Markdown case. */
export interface FencedBlock {
  /** The info string after the opening fence (`http`, `expect`, …). */
  readonly lang: string;
  /** The block's text, without the fences. */
  readonly text: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

/** One `##` section of a Markdown fixture file. */
export interface MarkdownCase {
  /** The heading text. */
  readonly name: string;
  /** `file.md:LINE` of the heading, for test names. */
  readonly where: string;
  /** The prose of the section (the "why"), trimmed. */
  readonly why: string;
  readonly blocks: readonly FencedBlock[];
}

/**
 * Reads a Markdown fixture file: one case per `##` heading, with its prose and
 * its fenced blocks. Text before the first `##` (the file's conventions) is ignored.
 */
export function readMarkdownCases(path: string, displayName: string): MarkdownCase[] {
  const lines = readFileSync(path, "utf8").split(/\r?\n/);
  const cases: { name: string; where: string; prose: string[]; blocks: FencedBlock[] }[] = [];
  let fence: { lang: string; line: number; body: string[] } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    const current = cases[cases.length - 1];
    if (fence !== null) {
      if (text.startsWith("```")) {
        current?.blocks.push({ lang: fence.lang, text: fence.body.join("\n"), line: fence.line });
        fence = null;
      } else {
        fence.body.push(text);
      }
      continue;
    }
    if (text.startsWith("```")) {
      fence = { lang: text.slice(3).trim(), line: i + 1, body: [] };
    } else if (text.startsWith("## ")) {
      cases.push({ name: text.slice(3).trim(), where: `${displayName}:${i + 1}`, prose: [], blocks: [] });
    } else if (current !== undefined) {
      current.prose.push(text);
    }
  }
  if (fence !== null) throw new Error(`${displayName}:${fence.line}: unclosed code fence`);
  return cases.map((c) => ({ name: c.name, where: c.where, why: c.prose.join(" ").trim(), blocks: c.blocks }));
}

/**
 * Finds a file of the test tree whether the test runs from `build/test/…`
 * (compiled; `.md` files are not copied) or from the sources.
 * @param relative path from the repository root, e.g. `test/protocol/cases/chunked.md`.
 */
export function repoFile(relative: string): string {
  const candidates = [new URL(`../../${relative}`, import.meta.url), new URL(`../../../${relative}`, import.meta.url)];
  for (const url of candidates) if (existsSync(url)) return fileURLToPath(url);
  throw new Error(`cannot find ${relative} from ${import.meta.url}`);
}

/** `input` as one-byte Buffers. */
export function bytewise(input: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < input.length; i++) parts.push(input.subarray(i, i + 1));
  return parts;
}

// ---- request lines, ours and CPython's ---------------------------------------

/** CPython's `default_request_version`. */
export const V09 = "HTTP/0.9";

/** What a request line decides, in the terms both implementations can report. */
export type RequestLineDecision =
  | { readonly accept: true; readonly command: string; readonly path: string; readonly version: string; readonly close: boolean }
  | {
      readonly accept: false;
      /** 0 when there is nothing to answer (no words). */
      readonly status: number;
      /** Which message: `version`, `unsupported-version`, `syntax`, `http09-method`, `empty`. */
      readonly kind: string;
      /** The value CPython formats into the message. */
      readonly detail: string;
      /** `request_version` as set by then. */
      readonly version: string;
    };

/** Our decision for a raw line (line ending included), as the handler would make it. */
export function decideRequestLine(raw: string, protocol: string): RequestLineDecision {
  const r = parseRequestLine(stripLineEnd(raw), protocol);
  if (r.error !== undefined) {
    return { accept: false, status: r.error.status, kind: r.error.kind, detail: r.error.detail, version: r.version ?? V09 };
  }
  return { accept: true, command: r.words[0]!, path: reduceLeadingSlashes(r.words[1]!), version: r.version ?? V09, close: r.closeConnection };
}

/** A one-line rendering of a decision for failure messages. */
export function describeDecision(d: RequestLineDecision): string {
  return d.accept
    ? `accept ${show(d.command)} ${show(d.path)} ${show(d.version)} close=${d.close}`
    : `${d.status} ${d.kind} ${show(d.detail)} (request_version ${show(d.version)})`;
}

/**
 * Runs CPython's real `parse_request` on each line. A handler is made without
 * a socket; `send_error` is wrapped to record its arguments, and the message is
 * split back into its kind and the value CPython put in it (`%r` values are
 * read back with `ast.literal_eval`).
 */
const PYTHON_PROBE = String.raw`
import ast, io, json, re, sys
from http.server import BaseHTTPRequestHandler

class Probe(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass
    def send_error(self, code, message=None, explain=None):
        self.sent = (int(code), message)
        super().send_error(code, message, explain)

KINDS = [
    ("version", r"Bad request version \((.*)\)", True),
    ("syntax", r"Bad request syntax \((.*)\)", True),
    ("http09-method", r"Bad HTTP/0\.9 request type \((.*)\)", True),
    ("unsupported-version", r"Invalid HTTP version \((.*)\)", False),
]

out = []
for row in json.load(sys.stdin):
    h = Probe.__new__(Probe)
    h.raw_requestline = bytes.fromhex(row["line"])
    h.rfile = io.BytesIO(b"\r\n")
    h.wfile = io.BytesIO()
    h.protocol_version = row["protocol"]
    h.sent = None
    accepted = h.parse_request()
    res = {"accepted": bool(accepted), "command": h.command, "path": getattr(h, "path", None),
           "version": h.request_version, "close": h.close_connection, "status": 0, "kind": "empty",
           "detail": "", "message": ""}
    if h.sent is not None:
        code, message = h.sent
        res["status"] = code
        res["message"] = message
        res["kind"] = "unknown"
        for kind, pattern, is_repr in KINDS:
            m = re.fullmatch(pattern, message, re.S)
            if m:
                res["kind"] = kind
                res["detail"] = ast.literal_eval(m.group(1)) if is_repr else m.group(1)
                break
    out.append(res)
json.dump(out, sys.stdout)
`;

interface PythonResult {
  accepted: boolean;
  command: string | null;
  path: string | null;
  version: string;
  close: boolean;
  status: number;
  kind: string;
  detail: string;
  message: string;
}

/** CPython's decision for one line, and the message it sent (empty when none). */
export interface CPythonRequestLine {
  readonly decision: RequestLineDecision;
  readonly message: string;
}

/**
 * CPython's decisions for many lines, from one `python3` process; a string
 * (the reason to skip) when python3 cannot be run.
 */
export function cpythonRequestLines(rows: readonly { line: string; protocol: string }[]): CPythonRequestLine[] | string {
  const input = JSON.stringify(rows.map((r) => ({ line: latin1(r.line).toString("hex"), protocol: r.protocol })));
  const py = spawnSync("python3", ["-c", PYTHON_PROBE], { input, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (py.error !== undefined) return `python3 is not available: ${py.error.message}`;
  if (py.status !== 0) throw new Error(`python3 failed: ${py.stderr}`);
  const results = JSON.parse(py.stdout) as PythonResult[];
  if (results.length !== rows.length) throw new Error(`python3 answered ${results.length} of ${rows.length} lines`);
  return results.map((r) => ({
    message: r.message,
    decision: r.accepted
      ? { accept: true, command: r.command!, path: r.path!, version: r.version, close: r.close }
      : { accept: false, status: r.status, kind: r.kind, detail: r.detail, version: r.version },
  }));
}

/** Encodes bytes in the fixture escape convention (no line breaks, no repeats): the inverse of {@link unescapeWire}. */
export function escapeWire(value: Buffer | string): string {
  const s = typeof value === "string" ? value : value.toString("latin1");
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\\\x00-\x1f\x7f-\xff]/g, (c) => {
    if (c === "\\") return "\\\\";
    if (c === "\r") return "\\r";
    if (c === "\n") return "\\n";
    if (c === "\t") return "\\t";
    return "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0");
  });
}
