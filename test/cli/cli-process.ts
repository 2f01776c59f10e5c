/**
 * Test helpers for the `http.server` command: run the real compiled bin in a
 * child process, wait for lines it prints (never for time), speak HTTP to it;
 * or run `main()` in this process with in-memory output (`runMain`), for rows
 * that only check what the command prints and its exit status.
 *
 * Every wait is bounded; every child is killed when its test ends.
 */

import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import type { TestContext } from "node:test";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main, type Output } from "../../src/cli/main.js";

/** The compiled command, next to this file's compiled form (`build/src/cli/bin.js`). */
export const BIN = fileURLToPath(new URL("../../src/cli/bin.js", import.meta.url));

/** Longest wait for any one event of a child. */
export const WAIT_MS = 15_000;

/** Text that arrives in pieces, with waits for a pattern to appear in it. */
export class Transcript {
  text = "";
  #waiters = new Set<() => void>();
  #ended = false;

  push(chunk: string): void {
    this.text += chunk;
    for (const w of this.#waiters) w();
  }

  end(): void {
    this.#ended = true;
    for (const w of this.#waiters) w();
  }

  /** Resolves with the first match of `pattern`; rejects when the stream ends or `ms` pass without one. */
  waitFor(pattern: RegExp, what: string, ms = WAIT_MS): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const m = pattern.exec(this.text);
        if (m !== null) {
          done();
          resolve(m);
        } else if (this.#ended) {
          done();
          reject(new Error(`${what}: output ended without ${pattern}; got ${JSON.stringify(this.text)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${what}: no ${pattern} within ${ms} ms; got ${JSON.stringify(this.text)}`));
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Cli {
  child: ChildProcess;
  stdout: Transcript;
  stderr: Transcript;
  /** Settles when the child has exited and its output is complete. */
  exited: Promise<Exit>;
  /** `exited`, bounded: rejects if the child runs longer than `ms`. */
  exit(ms?: number): Promise<Exit>;
}

/** Starts `node bin.js ...args`; the child is killed when the test ends. */
export function startCli(t: TestContext, args: string[], options: { cwd?: string } = {}): Cli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
  const stdout = new Transcript();
  const stderr = new Transcript();
  child.stdout!.setEncoding("utf8").on("data", (d: string) => stdout.push(d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => stderr.push(d));
  const exited = new Promise<Exit>((resolve) => {
    child.once("close", (code, signal) => {
      stdout.end();
      stderr.end();
      resolve({ code, signal });
    });
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const exit = (ms = WAIT_MS): Promise<Exit> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`still running after ${ms} ms; stdout ${JSON.stringify(stdout.text)}, stderr ${JSON.stringify(stderr.text)}`)), ms);
      void exited.then((e) => {
        clearTimeout(timer);
        resolve(e);
      });
    });
  return { child, stdout, stderr, exited, exit };
}

/** The banner `Serving HTTP on HOST port PORT (URL) ...` as a pattern. */
export const BANNER = /^Serving HTTP on (\S+) port (\d+) \((http:\/\/\S+\/)\) \.\.\.\n/;

/** Starts the command and waits for its banner; resolves with the host and port it reports. */
export async function startServing(t: TestContext, args: string[], options: { cwd?: string } = {}): Promise<Cli & { host: string; port: number; url: string }> {
  const cli = startCli(t, args, options);
  const m = await cli.stdout.waitFor(BANNER, "banner");
  return { ...cli, host: m[1]!, port: Number(m[2]), url: m[3]! };
}

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One GET on a fresh connection (no pooling), bounded in time. */
export function get(port: number, path: string, host = "127.0.0.1"): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, agent: false, timeout: WAIT_MS }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (d: Buffer) => parts.push(d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path}: no answer within ${WAIT_MS} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** Opens a raw connection. */
export function open(port: number, host = "127.0.0.1"): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host }, () => resolve(s));
    s.once("error", reject);
  });
}

/** Reads raw bytes from a socket: whole responses framed by Content-Length, or everything until close. */
export class RawReader {
  /** Received and not yet consumed, in pieces (joined only when read: a large body stays linear). */
  #parts: Buffer[] = [];
  #length = 0;
  #closed = false;
  #wake: (() => void) | null = null;

  constructor(readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.#parts.push(d);
      this.#length += d.length;
      this.#wake?.();
    });
    socket.on("close", () => {
      this.#closed = true;
      this.#wake?.();
    });
    socket.on("error", () => {});
  }

  get closed(): boolean {
    return this.#closed;
  }

  get #buffer(): Buffer {
    if (this.#parts.length !== 1) this.#parts = [Buffer.concat(this.#parts, this.#length)];
    return this.#parts[0]!;
  }

  set #buffer(b: Buffer) {
    this.#parts = [b];
    this.#length = b.length;
  }

  async #until(ready: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!ready()) {
      if (this.#closed) throw new Error(`${what}: connection closed; have ${JSON.stringify(this.#buffer.toString("latin1"))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what}: nothing within ${WAIT_MS} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          this.#wake = null;
          resolve();
        };
      });
    }
  }

  /** The next response: head text and body (Content-Length framing). */
  async response(): Promise<{ head: string; body: Buffer }> {
    await this.#until(() => this.#buffer.includes("\r\n\r\n"), "response head");
    const end = this.#buffer.indexOf("\r\n\r\n") + 4;
    const head = this.#buffer.subarray(0, end).toString("latin1");
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? "0");
    await this.#until(() => this.#length >= end + length, "response body");
    const body = this.#buffer.subarray(end, end + length);
    this.#buffer = this.#buffer.subarray(end + length);
    return { head, body };
  }

  /** Resolves once the server has closed the connection. */
  async close(): Promise<void> {
    await this.#until(() => this.#closed, "close");
  }

  /** Everything until the server closes the connection. */
  async all(): Promise<Buffer> {
    await this.close();
    return this.#buffer;
  }
}

/** An in-memory `Output` whose text can be waited on. */
export class Sink implements Output {
  text = "";
  #waiters: (() => void)[] = [];
  write(chunk: string, callback?: (error?: Error | null) => void): boolean {
    this.text += chunk;
    for (const w of this.#waiters.splice(0)) w();
    callback?.();
    return true;
  }
  /** Resolves once `text` matches `pattern` (bounded). */
  async waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const m = pattern.exec(this.text);
      if (m !== null) return m;
      if (Date.now() >= deadline) throw new Error(`no ${pattern} in ${JSON.stringify(this.text)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/**
 * Runs `main(args)` in this process with in-memory stdout/stderr and no
 * process signals, and resolves like a finished child: its exit status and
 * everything it wrote. For rows that start no server (usage errors, --help):
 * the same checks as `startCli`, without a process start each.
 */
export async function runMain(args: string[]): Promise<{ exit: Exit; stdout: string; stderr: string }> {
  const io = { stdout: new Sink(), stderr: new Sink(), signals: new EventEmitter() };
  const code = await main(args, io);
  return { exit: { code, signal: null }, stdout: io.stdout.text, stderr: io.stderr.text };
}

/** A fresh directory to serve: `hello.txt`, `sub/`, and `link.txt` → a file outside it. */
export async function site(t: TestContext): Promise<{ base: string; root: string }> {
  const base = await mkdtemp(join(tmpdir(), "http-server-cli-"));
  t.after(() => rm(base, { recursive: true, force: true }));
  const root = join(base, "root");
  await mkdir(join(root, "sub"), { recursive: true });
  await mkdir(join(base, "outside"));
  await writeFile(join(root, "hello.txt"), "hello, world\n");
  await writeFile(join(root, "sub", "inner.txt"), "inner\n");
  await writeFile(join(base, "outside", "secret.txt"), "secret\n");
  await symlink(join(base, "outside", "secret.txt"), join(root, "link.txt"));
  return { base, root };
}
