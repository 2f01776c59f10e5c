/**
 * Test helpers: start a server on a loopback ephemeral port, speak raw bytes
 * to it, capture its log lines, and mask what changes between runs.
 */

import { connect, type Socket } from "node:net";
import { spawn } from "node:child_process";
import type { TestContext } from "node:test";
import type { BaseServer, RequestHandlerClass } from "../../src/server/base-server.js";
import { ThreadingHTTPServer } from "../../src/server/http-server.js";

/** How long a raw exchange may wait for the server before the test fails. */
const EXCHANGE_TIMEOUT_MS = 10_000;

export interface Running<S extends BaseServer> {
  server: S;
  port: number;
  host: string;
  /** Resolves when serve_forever() returns. */
  served: Promise<void>;
  /** shutdown() + server_close(). */
  close(): Promise<void>;
}

type ServerClass<S> = new (address: [string, number], handler: RequestHandlerClass) => S;

/** Starts `serve_forever()` on 127.0.0.1:0 (or `host`) with `Handler`. */
export async function serve<S extends BaseServer & { server_address: [string, number] } = ThreadingHTTPServer>(
  Handler: unknown,
  options: { ServerClass?: ServerClass<S>; host?: string; poll_interval?: number } = {},
): Promise<Running<S>> {
  const Cls = (options.ServerClass ?? ThreadingHTTPServer) as unknown as ServerClass<S>;
  const host = options.host ?? "127.0.0.1";
  const server = new Cls([host, 0], Handler as RequestHandlerClass);
  await (server as unknown as { ready: Promise<void> }).ready;
  const served = server.serve_forever(options.poll_interval ?? 0.5);
  return {
    server,
    port: server.server_address[1],
    host,
    served,
    async close() {
      await server.shutdown();
      await served;
      await server.server_close();
    },
  };
}

/**
 * `serve()` for one test: the server is shut down and closed when the test
 * ends (`t.after`), pass or fail, instead of a try/finally in every test.
 * Hooks run in the order they are added, so cleanup added after this call
 * (stopping a LogCapture, say) runs after the server is closed.
 */
export async function serveFor<S extends BaseServer & { server_address: [string, number] } = ThreadingHTTPServer>(
  t: TestContext,
  Handler: unknown,
  options: { ServerClass?: ServerClass<S>; host?: string; poll_interval?: number } = {},
): Promise<Running<S>> {
  const running = await serve<S>(Handler, options);
  t.after(() => running.close());
  return running;
}

/** Opens a connection and resolves once connected. */
export function open(port: number, host = "127.0.0.1"): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host }, () => resolve(s));
    s.once("error", reject);
  });
}

/**
 * Sends `data` (optionally half-closing after it) and collects everything the
 * server sends until it closes the connection.
 */
export async function exchange(
  port: number,
  data: string | Buffer | (string | Buffer)[],
  options: { end?: boolean; host?: string } = {},
): Promise<Buffer> {
  const socket = await open(port, options.host);
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`server did not close within ${EXCHANGE_TIMEOUT_MS} ms; got ${JSON.stringify(Buffer.concat(parts).toString("latin1"))}`));
    }, EXCHANGE_TIMEOUT_MS);
    socket.on("data", (d) => parts.push(d));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(parts));
    });
    for (const piece of Array.isArray(data) ? data : [data]) socket.write(piece);
    if (options.end) socket.end();
  });
}

/** Reads from `socket` until `predicate(received)` holds; resolves with what was received. */
export function readUntil(socket: Socket, predicate: (received: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out; got ${JSON.stringify(received.toString("latin1"))}`));
    }, EXCHANGE_TIMEOUT_MS);
    const onData = (d: Buffer): void => {
      received = Buffer.concat([received, d]);
      if (predicate(received)) {
        cleanup();
        resolve(received);
      }
    };
    const onClose = (): void => {
      cleanup();
      if (predicate(received)) resolve(received);
      else reject(new Error(`closed early; got ${JSON.stringify(received.toString("latin1"))}`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
    };
    socket.on("data", onData);
    socket.on("close", onClose);
  });
}

/** Resolves when the peer closes `socket`. */
export function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.once("close", () => resolve());
  });
}

/** Counts complete HTTP responses with Content-Length framing in `text`. */
export function countResponses(text: string): number {
  return text.split(/HTTP\/1\.[01] \d{3} /).length - 1;
}

/** Replaces the Date header value and the runtime version so outputs compare. */
export function mask(text: string): string {
  return text
    .replace(/^Date: .*$/gm, "Date: <date>")
    .replace(/^Server: .*$/gm, "Server: <server>");
}

/** Splits a raw response into head lines and body. */
export function splitResponse(raw: Buffer | string): { status: string; headers: Record<string, string>; body: string } {
  const text = typeof raw === "string" ? raw : raw.toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  const head = end === -1 ? text : text.slice(0, end);
  const [status = "", ...lines] = head.split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(":");
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status, headers, body: end === -1 ? "" : text.slice(end + 4) };
}

/**
 * Captures what the server writes to stderr (its log) while `fn` runs, until
 * `settle` says the log has what the test waits for.
 */
export class LogCapture {
  lines: string[] = [];
  #original = process.stderr.write.bind(process.stderr);

  start(): this {
    const self = this;
    process.stderr.write = function (chunk: unknown, ...rest: unknown[]): boolean {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
      self.lines.push(...text.split("\n").filter((l) => l !== ""));
      return true;
      void rest;
    } as typeof process.stderr.write;
    return this;
  }

  stop(): void {
    process.stderr.write = this.#original;
  }

  /** Waits (bounded) until a captured line matches `re`. */
  async waitFor(re: RegExp): Promise<string> {
    for (let i = 0; i < 500; i++) {
      const hit = this.lines.find((l) => re.test(l));
      if (hit !== undefined) return hit;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no log line matched ${re}; got ${JSON.stringify(this.lines)}`);
  }
}

/** Runs a Python script (stdin) and resolves with its stdout; rejects on non-zero exit. */
export function python(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", script, ...args], { env: { ...process.env, ...env } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`python exited ${code}: ${err}`))));
  });
}

/** Runs a command without blocking the event loop; resolves with its stdout (latin-1). */
export function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args);
    let out = "";
    let err = "";
    child.stdout.setEncoding("latin1").on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err}`))));
  });
}
