/**
 * Helpers for running CPython's `http.server` and ours side by side: the same
 * echo handler in both languages, a raw-socket conversation driver, and the
 * normalisations that make the two transcripts comparable.
 *
 * Strategy: each server answers with a small `text/plain` body that echoes
 * what its handler saw (`command path request_version`, then every header as
 * `Name: value`), so one byte comparison covers both the wire and the parsed
 * request. A transcript is split into responses with its own framing
 * (`Content-Length`), each side's framing is checked against the bytes it
 * sent, and only then are the things that must differ masked: `Date` and
 * `Server` values, and what CPython 3.11 (the Python on this machine) does
 * differently from 3.14 (the Python we follow, docs/api-contract.md "Which Python").
 */

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type { Socket } from "node:net";
import { BaseHTTPRequestHandler } from "../../src/handler/base-handler.js";
import { open } from "../helpers/net.js";

/** How long one conversation may take before the test fails with what it got. */
const TALK_TIMEOUT_MS = 10_000;

// ---- the two echo servers ---------------------------------------------------

/**
 * CPython's side: a `BaseHTTPRequestHandler` subclass on a
 * `ThreadingHTTPServer` at 127.0.0.1:0. argv[1] is `protocol_version`; the
 * port is printed on stdout; the log goes to stderr.
 */
export const PYTHON_ECHO = String.raw`
import sys, http.server

class Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = sys.argv[1]

    def _reply(self, with_body):
        lines = ["%s %s %s" % (self.command, self.path, self.request_version)]
        for name, value in self.headers.items():
            lines.append("%s: %s" % (name, value))
        if self.command == "POST":
            n = int(self.headers.get("Content-Length", 0))
            lines.append("body: " + self.rfile.read(n).decode("latin-1"))
        body = ("\n".join(lines) + "\n").encode("latin-1")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=iso-8859-1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_GET(self):
        self._reply(True)

    def do_HEAD(self):
        self._reply(False)

    def do_POST(self):
        self._reply(True)

httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
print(httpd.server_address[1], flush=True)
httpd.serve_forever()
`;

/** Our side: the same handler, line for line. */
export function oursEcho(protocol: string): typeof BaseHTTPRequestHandler {
  return class Echo extends BaseHTTPRequestHandler {
    override protocol_version = protocol;

    async #reply(withBody: boolean): Promise<void> {
      const lines = [`${this.command} ${this.path} ${this.request_version}`];
      for (const [name, value] of this.headers.items()) lines.push(`${name}: ${value}`);
      if (this.command === "POST") {
        const n = Number(this.headers.get("Content-Length", "0"));
        lines.push("body: " + (await this.rfile.read(n)).toString("latin1"));
      }
      const body = Buffer.from(lines.join("\n") + "\n", "latin1");
      this.send_response(200);
      this.send_header("Content-Type", "text/plain; charset=iso-8859-1");
      this.send_header("Content-Length", String(body.length));
      this.end_headers();
      if (withBody) await this.wfile.write(body);
    }

    async do_GET(): Promise<void> {
      await this.#reply(true);
    }

    async do_HEAD(): Promise<void> {
      await this.#reply(false);
    }

    async do_POST(): Promise<void> {
      await this.#reply(true);
    }
  };
}

/** A running CPython server: its port, its log lines so far, and how to stop it. */
export interface PythonServer {
  port: number;
  /** Complete stderr lines, in order. */
  lines: string[];
  /** Resolves with the first line matching `re` (bounded wait). */
  waitFor(re: RegExp): Promise<string>;
  /** Kills the child and resolves once it has exited. */
  close(): Promise<void>;
}

/** A Python child: its port, its stderr lines so far, and how to stop it. */
export interface PythonChild {
  port: number;
  lines: string[];
  close(): Promise<void>;
}

/**
 * Starts `python3 -u ...args` and resolves once `portOf(stdout so far)`
 * finds its port (bounded wait). Its stderr is collected line by line; the
 * child is killed if the test process exits first.
 */
export function spawnPython(args: string[], portOf: (stdout: string) => number | null, cwd?: string): Promise<PythonChild> {
  const child: ChildProcessWithoutNullStreams = spawn("python3", ["-u", ...args], { cwd, stdio: ["pipe", "pipe", "pipe"] });
  // Belt and braces: a test process that dies must not leave Python running.
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      process.off("exit", killOnExit);
      resolve();
    }),
  );
  const lines: string[] = [];
  let partial = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
  });
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      void close();
      reject(new Error(`python did not start within ${PYTHON_START_MS} ms: ${out}${lines.join("\n")}`));
    }, PYTHON_START_MS);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`python exited (${code}) before listening: ${lines.join("\n")}${partial}`));
    });
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const port = portOf(out);
      if (port !== null) {
        clearTimeout(timer);
        resolve({ port, lines, close });
      }
    });
  });
}

const PYTHON_START_MS = 15_000;

/** Starts {@link PYTHON_ECHO} with `protocol_version`; resolves once it prints its port. */
export async function startPython(protocol: string): Promise<PythonServer> {
  const { port, lines, close } = await spawnPython(["-c", PYTHON_ECHO, protocol], (out) => {
    const nl = out.indexOf("\n");
    return nl === -1 ? null : Number(out.slice(0, nl));
  });
  const waitFor = async (re: RegExp): Promise<string> => {
    for (let i = 0; i < 500; i++) {
      const hit = lines.find((l) => re.test(l));
      if (hit !== undefined) return hit;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`python: no log line matched ${re}; got ${JSON.stringify(lines)}`);
  };
  return { port, lines, waitFor, close };
}

// ---- conversations ----------------------------------------------------------

/** One write, then optionally a wait until what was received satisfies `until`. */
export interface Step {
  send: string | Buffer;
  /** Wait for this before the next step (e.g. a complete response). */
  until?: (received: Buffer) => boolean;
}

/**
 * Opens a connection, performs `steps`, and collects everything the server
 * sends until it closes the connection. A reset after the response (CPython
 * closing with unread input) counts as the close.
 */
export async function talk(port: number, steps: Step[]): Promise<Buffer> {
  const socket: Socket = await open(port);
  let received = Buffer.alloc(0);
  let isClosed = false;
  let check: () => void = () => {};
  socket.on("data", (d: Buffer) => {
    received = Buffer.concat([received, d]);
    check();
  });
  socket.on("error", () => {});
  const closedP = new Promise<void>((resolve) =>
    socket.once("close", () => {
      isClosed = true;
      check();
      resolve();
    }),
  );
  const waitUntil = (pred: () => boolean, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        check = () => {};
        socket.destroy();
        reject(new Error(`${what} within ${TALK_TIMEOUT_MS} ms; got ${JSON.stringify(received.toString("latin1"))}`));
      }, TALK_TIMEOUT_MS);
      check = () => {
        if (pred()) {
          clearTimeout(timer);
          check = () => {};
          resolve();
        }
      };
      check();
    });
  for (const step of steps) {
    if (!isClosed) socket.write(step.send);
    const until = step.until;
    if (until !== undefined) await waitUntil(() => isClosed || until(received), "the awaited response did not come");
  }
  await waitUntil(() => isClosed, "the server did not close the connection");
  await closedP;
  return received;
}

/** `until` for a step: `n` complete responses (interim 1xx included) have arrived. */
export function responses(n: number): (received: Buffer) => boolean {
  return (received) => parseTranscript(received).filter((r) => r.complete).length >= n;
}

// ---- transcripts ------------------------------------------------------------

/** One response of a transcript. `status` is `null` for a bare HTTP/0.9 body. */
export interface Response {
  statusLine: string | null;
  status: number | null;
  headers: [name: string, value: string][];
  body: Buffer;
  /** The body's bytes all arrived (or there is no framing to say otherwise). */
  complete: boolean;
}

/**
 * Splits raw bytes into responses by their own framing. Without a status line
 * what remains is one bare body; a response to HEAD, 1xx, 204 and 304 have
 * no body; a response without `Content-Length` runs to the end.
 */
export function parseTranscript(raw: Buffer, opts: { head?: boolean } = {}): Response[] {
  const text = raw.toString("latin1");
  const out: Response[] = [];
  let pos = 0;
  while (pos < text.length) {
    if (!text.startsWith("HTTP/", pos)) {
      out.push({ statusLine: null, status: null, headers: [], body: raw.subarray(pos), complete: true });
      break;
    }
    const end = text.indexOf("\r\n\r\n", pos);
    if (end === -1) {
      out.push({ statusLine: text.slice(pos), status: null, headers: [], body: Buffer.alloc(0), complete: false });
      break;
    }
    const [statusLine = "", ...lines] = text.slice(pos, end).split("\r\n");
    const status = Number(statusLine.split(" ")[1]);
    const headers = lines.map((l): [string, string] => {
      const i = l.indexOf(":");
      return i === -1 ? [l, ""] : [l.slice(0, i), l.slice(i + 1).replace(/^[ \t]+/, "")];
    });
    pos = end + 4;
    const lengthHeader = headers.find(([n]) => n.toLowerCase() === "content-length");
    let body: Buffer;
    let complete = true;
    if (opts.head === true || (status >= 100 && status < 200) || status === 204 || status === 304) body = Buffer.alloc(0);
    else if (lengthHeader !== undefined) {
      const n = Number(lengthHeader[1]);
      body = raw.subarray(pos, pos + n);
      complete = body.length === n;
    } else body = raw.subarray(pos);
    pos += body.length;
    out.push({ statusLine, status, headers, body, complete });
  }
  return out;
}

// ---- 3.11 → 3.14, and masks -------------------------------------------------

/** The block CPython 3.14's error page has and 3.11's lacks (docs/api-contract.md "Which Python"). */
export const STYLE_BLOCK = `        <style type="text/css">
            :root {
                color-scheme: light dark;
            }
        </style>
`;

/** Reason phrases RFC 9110 renamed, adopted by CPython 3.13: 3.11's → 3.14's. */
export const RENAMED_PHRASES: readonly [old: string, now: string][] = [
  ["Request Entity Too Large", "Content Too Large"],
  ["Entity is too large", "Content is too large"],
  ["Request-URI Too Long", "URI Too Long"],
  ["Requested Range Not Satisfiable", "Range Not Satisfiable"],
  ["Unprocessable Entity", "Unprocessable Content"],
];

/** Python 3.11 text as 3.14 would have written it (phrases only). */
export function phrasesTo314(text: string): string {
  let out = text;
  for (const [old, now] of RENAMED_PHRASES) out = out.split(old).join(now);
  return out;
}

const ERROR_TITLE = "<title>Error response</title>";

/**
 * Renders responses as comparable text: the status line, headers in order
 * with `Date` and `Server` masked, and the body; `Content-Length` is checked
 * against the body that arrived and then recomputed after `fixBody`, so that
 * a normalised body keeps a consistent length. A body that did not all
 * arrive is marked.
 */
export function render(
  rs: Response[],
  fixBody: (body: string) => string,
  fixText: (text: string) => string = (t) => t,
  head = false,
): string {
  let s = "";
  for (const r of rs) {
    const body = fixBody(r.body.toString("latin1"));
    if (r.statusLine !== null) {
      s += fixText(r.statusLine) + "\r\n";
      for (const [name, value] of r.headers) {
        let v = value;
        const lower = name.toLowerCase();
        if (lower === "date") v = "<date>";
        else if (lower === "server") v = "<server>";
        else if (lower === "content-length" && r.complete && !head) v = String(Buffer.byteLength(body, "latin1"));
        else v = fixText(v);
        s += `${name}: ${v}\r\n`;
      }
      s += "\r\n";
    }
    s += body;
    if (!r.complete) s += `<<incomplete: ${r.body.length} bytes arrived>>`;
  }
  return s;
}

/** Python 3.11's transcript, made into what 3.14 would send (modulo the style block). */
export function renderPython(raw: Buffer, head = false): string {
  return render(parseTranscript(raw, { head }), phrasesTo314, phrasesTo314, head);
}

/**
 * Our transcript with the 3.14 style block taken out of error pages. Throws
 * when an error page lacks it: the block is part of what we promise.
 * For a body-less reply to HEAD, `Content-Length` still counts the block.
 */
export function renderOurs(raw: Buffer, head = false): string {
  const rs = parseTranscript(raw, { head });
  const fixBody = (body: string): string => {
    if (!body.includes(ERROR_TITLE)) return body;
    if (!body.includes(STYLE_BLOCK)) throw new Error(`our error page lacks the 3.14 style block:\n${body}`);
    return body.replace(STYLE_BLOCK, "");
  };
  if (head) {
    for (const r of rs) {
      if (r.status === null || r.status < 400) continue;
      const h = r.headers.find(([n]) => n.toLowerCase() === "content-length");
      if (h !== undefined) h[1] = String(Number(h[1]) - STYLE_BLOCK.length);
    }
  }
  return render(rs, fixBody, (t) => t, head);
}

/** A log line with the date masked: `127.0.0.1 - - [<date>] message`. */
export function maskLogLine(line: string): string {
  const masked = line.replace(/^(\S+) - - \[\d\d\/[A-Z][a-z]{2}\/\d{4} \d\d:\d\d:\d\d\] /, "$1 - - [<date>] ");
  if (masked === line) return `<<not a log line>> ${line}`;
  return masked;
}
