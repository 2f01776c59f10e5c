/**
 * `CGIHTTPRequestHandler`: CPython 3.14's CGI handler (deprecated there since
 * 3.13), on `child_process.spawn`, plus the limits CPython lacks.
 *
 * Strategy: CPython's steps, method for method —
 *   1. `send_head()` / `do_POST()` ask `is_cgi()`, which collapses the path
 *      (`collapse-path.ts`) and matches it against `cgi_directories`;
 *   2. `run_cgi()` finds the script (deepest existing directory first:
 *      `script-lookup.ts`), refuses what is missing or whose real path lies
 *      outside `directory` (404, `confine.ts`), not a plain file or not
 *      executable (403), builds the environment (`cgi-env.ts`), sends
 *      `200 Script output follows` and runs the script (`script-process.ts`):
 *      a Python script with the `python3` found on PATH, any other directly,
 *      always with an argv array and never through a shell; as `nobody` when
 *      the server is root. With `cgi_parse_headers` its header block is read
 *      by `script-output.ts`.
 * What differs is how the script is connected. CPython hands it the socket as
 * stdin and stdout; we connect pipes, so that:
 *   - the request body (Content-Length or chunked, decoded) is streamed to
 *     stdin with backpressure and a size limit, then stdin is closed;
 *   - stdout is streamed to the client as it comes, the script pausing when
 *     the client is slow (its pipe fills);
 *   - stderr goes to the log line by line;
 *   - the script (its whole process group) is killed, SIGTERM then SIGKILL,
 *     when the client goes away, when the body is refused, or when it runs
 *     longer than `cgi_timeout`.
 * Everything is asynchronous: any number of scripts run at once, and other
 * connections are served meanwhile.
 */

import type { ChildProcess } from "node:child_process";
import { accessSync, constants as fsConstants, statSync, type Stats } from "node:fs";
import type { Socket } from "node:net";
import type { Writable } from "node:stream";
import { type ClientAddress, type HandlerServer } from "../handler/base-handler.js";
import { pyRepr } from "../python/repr.js";
import { TimeoutError } from "../handler/rfile.js";
import { ProtocolError } from "../protocol/errors.js";
import { isBelow, realPathInsideSync } from "../static/confine.js";
import { SimpleHTTPRequestHandler, type SimpleHandlerOptions, type Source } from "../static/simple-handler.js";
import { buildCgiEnv, cgiArgs } from "./cgi-env.js";
import { collapsePath, PathAboveRootError, unquoteReplace } from "./collapse-path.js";
import { findScript, isPythonScript } from "./script-lookup.js";
import { parseScriptHead } from "./script-output.js";
import { drained, exitMessage, spawnScript, type ScriptProcess } from "./script-process.js";

/** Default of `cgi_timeout`: seconds a script may run. Apache's `CGIScriptTimeout` defaults to its `Timeout` (60 s); ours is longer for slow scripts on a development server. */
export const CGI_TIMEOUT = 300;

/** Longest line of a script's stderr kept before it is logged anyway. */
const MAX_STDERR_LINE = 64 * 1024;

/** Whether `path` names an existing directory (`os.path.isdir`). */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // missing, unreadable, or a name with a NUL
  }
}

/** `os.stat(path)`, or `null` where it would raise. */
function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/**
 * Complete HTTP server with GET, HEAD and POST commands: GET and HEAD also
 * run CGI scripts; POST is only implemented for CGI scripts (501 elsewhere).
 * Serves files like {@link SimpleHTTPRequestHandler}, except that a path
 * under one of `cgi_directories` runs the script it names.
 *
 * @deprecated Deprecated in Python 3.13 (gh-109096) and removed in 3.15
 * (gh-133810): CGI runs any executable file in the script directories with
 * the server's privileges. Kept working here, as in Python 3.14.
 *
 * Differs from CPython: scripts get the request body through a pipe (decoded
 * from chunked if need be, at most `max_body_size` bytes, then end of file)
 * rather than the socket; a script is killed when the client goes away or
 * after `cgi_timeout` seconds; a path that names a file inside a script
 * directory without being a script request, or that climbs above the root
 * with `..`, is refused rather than served or dropped. See the README.
 */
export class CGIHTTPRequestHandler extends SimpleHTTPRequestHandler {
  /** URL directories whose files are scripts: `["/cgi-bin", "/htbin"]`. */
  declare cgi_directories: string[];
  /** CPython: whether `os.fork` exists. Always `true` here (every script must be executable). */
  declare have_fork: boolean;
  /**
   * Set by `is_cgi()`: the script directory's URL path and the rest of the
   * collapsed path after it (`["/cgi-bin", "env.py/a?q=1"]`).
   */
  declare cgi_info: [dir: string, rest: string];
  /**
   * Extension (not in CPython): seconds a script may run before it is
   * killed (SIGTERM, then SIGKILL after 2 s) and the connection closed;
   * `null` or 0 for no limit. Default 300.
   */
  declare cgi_timeout: number | null;
  /**
   * Extension (not in CPython): parse the script's header block (RFC 3875
   * §6): `Status:` sets the status line, `Location:` alone means 302, the
   * other headers are sent as the script wrote them, and a response to HEAD
   * loses its body; a malformed block is 502.
   * `false` by default: CPython sends `200 Script output follows` before the
   * script runs and passes its output through untouched.
   */
  declare cgi_parse_headers: boolean;

  constructor(request: Socket, client_address: ClientAddress, server: HandlerServer, options: SimpleHandlerOptions = {}) {
    super(request, client_address, server, options);
  }

  /** Serves a POST request: only for CGI scripts (501 "Can only POST to CGI scripts" elsewhere). */
  override async do_POST(): Promise<void> {
    const cgi = this.#checkCgi();
    if (cgi === null) return;
    if (cgi) await this.run_cgi();
    else if (this.upload) await super.do_POST();
    else this.send_error(501, "Can only POST to CGI scripts");
  }

  /** Runs the script when the path names one, else serves the file as `SimpleHTTPRequestHandler` does. */
  override async send_head(): Promise<Source | null> {
    const cgi = this.#checkCgi();
    if (cgi === null) return null;
    if (cgi) {
      await this.run_cgi();
      return null;
    }
    // Differs from CPython: a request that is not a script request but
    // still names something inside a script directory (CPython 3.11 serves
    // /cgi-bin/x.sh#/../.. as the script's source) is refused.
    if (this.#insideScriptDirectory()) {
      this.send_error(404, "File not found");
      return null;
    }
    return super.send_head();
  }

  /** `is_cgi()`, with CPython's exception turned into a 400: `null` once answered. */
  #checkCgi(): boolean | null {
    try {
      return this.is_cgi();
    } catch (e) {
      if (!(e instanceof PathAboveRootError)) throw e;
      // CPython raises IndexError here and drops the connection unanswered.
      this.send_error(400, "Bad request path", "The path climbs above the root with '..'");
      return null;
    }
  }

  /** Whether the file the path translates to lies strictly inside one of `cgi_directories`. */
  #insideScriptDirectory(): boolean {
    const target = this.translate_path(this.origin_path === "" ? this.path : this.origin_path);
    return this.cgi_directories.some((dir) => isBelow(target, this.translate_path(dir)));
  }

  /**
   * Tests whether `path` names a CGI script: the collapsed path must begin
   * with one of `cgi_directories` followed by `/`. When it does, sets
   * `cgi_info` to `[dir, rest]` and returns `true`.
   * @throws Error when the path is invalid (a `..` above the root); the
   *   caller must then refuse the request.
   */
  is_cgi(): boolean {
    // An absolute-form target names its path (RFC 9112 §3.2.2), as for files.
    const collapsed = collapsePath(this.origin_path === "" ? this.path : this.origin_path);
    let dirSep = collapsed.indexOf("/", 1);
    while (dirSep > 0 && !this.cgi_directories.includes(collapsed.slice(0, dirSep))) {
      dirSep = collapsed.indexOf("/", dirSep + 1);
    }
    if (dirSep > 0) {
      this.cgi_info = [collapsed.slice(0, dirSep), collapsed.slice(dirSep + 1)];
      return true;
    }
    return false;
  }

  /** Whether the file `path` may be executed (`os.access(path, X_OK)`). */
  is_executable(path: string): boolean {
    try {
      accessSync(path, fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  }

  /** Whether `path` is a Python script: it ends in `.py` or `.pyw`, any case. */
  is_python(path: string): boolean {
    return isPythonScript(path);
  }

  /**
   * Runs the CGI script named by `cgi_info` and streams its output: the
   * status line `200 Script output follows` with `Server` and `Date`, then
   * what the script writes (its own headers, a blank line, its body).
   * Resolves once the script has ended and its output has been sent.
   */
  async run_cgi(): Promise<void> {
    const { script, scriptname, rest, query } = findScript(this.cgi_info, (dir) => isDirectory(this.translate_path(dir)));
    const scriptfile = this.translate_path(scriptname);
    const st = statOrNull(scriptfile);
    if (st === null || !this.#scriptInsideDirectory(scriptfile)) {
      this.send_error(404, `No such CGI script (${pyRepr(scriptname)})`);
      return;
    }
    if (!st.isFile()) {
      this.send_error(403, `CGI script is not a plain file (${pyRepr(scriptname)})`);
      return;
    }
    const ispy = this.is_python(scriptname);
    if (this.have_fork || !ispy) {
      if (!this.is_executable(scriptfile)) {
        this.send_error(403, `CGI script is not executable (${pyRepr(scriptname)})`);
        return;
      }
    }

    const server = this.server as HandlerServer & { server_name?: string; server_port?: number };
    const env = buildCgiEnv({
      base: process.env,
      server_software: this.version_string(),
      server_name: server.server_name ?? "",
      protocol_version: this.protocol_version,
      server_port: server.server_port ?? 0,
      command: this.command ?? "",
      rest,
      path_translated: this.translate_path(unquoteReplace(rest)),
      scriptname,
      query,
      remote_addr: this.client_address[0],
      headers: this.headers,
    });
    const args = cgiArgs(query);
    let file = scriptfile;
    let argv = args;
    let argv0 = script;
    if (ispy) {
      // Differs from CPython on POSIX (which execs the file, so its #! line
      // decides): the python3 on PATH runs it, unbuffered, as CPython does
      // where it cannot fork.
      file = "python3";
      argv = ["-u", scriptfile, ...args];
      argv0 = "python3";
    }
    // Names and values must reach execve(): a NUL (from %00) cannot. CPython's
    // child dies with ValueError after the 200; we refuse before it.
    if ([file, argv0, ...argv, ...Object.entries(env).flat()].some((s) => s.includes("\0"))) {
      this.send_error(400, "Bad request path", "A CGI variable would hold a NUL character");
      return;
    }
    // The body must fit before the script starts: past that the status is sent.
    const limit = this.max_body_size;
    const length = this.headers.get("content-length");
    if (length !== undefined && /^\s*\d+\s*$/.test(length) && Number(length) > limit) {
      this.send_error(413, "Content Too Large", `The request body is larger than ${limit} bytes`);
      return;
    }

    this.close_connection = true; // the script's output has no length: closing ends it
    if (this.cgi_parse_headers) {
      await this.#runScript(file, argv0, argv, env, true);
      return;
    }
    this.send_response(200, "Script output follows");
    this.flush_headers();
    await this.#runScript(file, argv0, argv, env, false);
  }

  /** Unless `follow_symlinks`, the script's real path must lie inside `directory`'s. */
  #scriptInsideDirectory(scriptfile: string): boolean {
    return this.follow_symlinks || realPathInsideSync(scriptfile, this.directory);
  }

  /** Spawns the script and connects it to the request and the response. */
  async #runScript(file: string, argv0: string, args: string[], env: Record<string, string>, parseHeaders: boolean): Promise<void> {
    let proc: ScriptProcess;
    try {
      proc = spawnScript(file, argv0, args, env);
    } catch (e) {
      this.log_error("CGI script could not be started: %s", e instanceof Error ? e.message : String(e));
      return;
    }
    const child = proc.child;

    let done = false;
    let killed = false;
    const kill = (why: string): void => {
      if (done || killed) return;
      killed = true;
      this.log_error("%s", why);
      proc.terminate();
    };

    const socket = this.connection;
    const onClose = (): void => kill("CGI script killed: the client went away");
    if (socket.destroyed) onClose();
    else socket.once("close", onClose);

    const seconds = this.cgi_timeout;
    const runTimer =
      seconds !== null && seconds > 0 && Number.isFinite(seconds)
        ? setTimeout(() => kill(`CGI script killed: it ran longer than ${seconds} seconds`), seconds * 1000)
        : null;
    runTimer?.unref();

    const stderrDone = this.#logStderr(child);
    const bodyDone = this.#pumpBody(child.stdin!, () => done, kill);
    try {
      await this.#copyOutput(child, parseHeaders, kill);
    } catch (e) {
      // The client went away, or stopped reading for send_timeout seconds.
      kill(e instanceof TimeoutError ? "CGI script killed: the client stopped reading its output" : "CGI script killed: the client went away");
    }
    const exit = await proc.exited;
    // Its last stderr lines come before the exit line. Something it left
    // running may hold stderr open: the time limit still applies to that.
    await stderrDone;
    done = true;
    proc.release();
    if (runTimer !== null) clearTimeout(runTimer);
    socket.off("close", onClose);
    void bodyDone; // ends by itself once the connection closes
    const message = exitMessage(exit);
    if (message !== null) this.log_error(...message);
  }

  /**
   * Streams the script's stdout to `wfile`. Iterating the pipe reads only as
   * fast as the client takes the bytes, so a slow client pauses the script.
   */
  async #copyOutput(child: ChildProcess, parseHeaders: boolean, kill: (why: string) => void): Promise<void> {
    const stdout = child.stdout!;
    if (!parseHeaders) {
      for await (const chunk of stdout) await this.wfile.write(chunk as Buffer);
      return;
    }
    let head: Buffer = Buffer.alloc(0);
    let sentHead = false;
    const finishHead = (ended: boolean): void => {
      const parsed = parseScriptHead(head, ended);
      if (parsed === null) return;
      sentHead = true;
      if (typeof parsed === "string") {
        this.log_error("%s", parsed);
        this.send_error(502, "Bad Gateway", "The CGI script's output did not begin with a valid header block");
        kill("CGI script killed: malformed output");
        return;
      }
      this.send_response(parsed.status, parsed.reason);
      for (const [name, value] of parsed.headers) this.send_header(name, value);
      this.end_headers();
      head = parsed.rest;
    };
    // RFC 3875 §6.3.3: the server discards the body of a response to HEAD.
    const bodyless = this.command === "HEAD";
    for await (const chunk of stdout) {
      if (sentHead) {
        if (!bodyless) await this.wfile.write(chunk as Buffer);
        continue;
      }
      head = Buffer.concat([head, chunk as Buffer]);
      finishHead(false);
      if (sentHead && head.length > 0 && !bodyless) await this.wfile.write(head);
    }
    if (!sentHead) finishHead(true);
  }

  /** Sends stderr to the log, one `log_error()` per line. */
  async #logStderr(child: ChildProcess): Promise<void> {
    let partial = "";
    try {
      for await (const chunk of child.stderr!.setEncoding("utf8")) {
        const lines = (partial + (chunk as string)).split("\n");
        partial = lines.pop()!;
        if (partial.length > MAX_STDERR_LINE) {
          lines.push(partial);
          partial = "";
        }
        for (const line of lines) this.log_error("%s", line.replace(/\r$/, ""));
      }
    } catch {
      // The pipe was destroyed after a kill: what is left is lost.
    }
    if (partial !== "") this.log_error("%s", partial);
  }

  /**
   * Streams the request body (decoded, at most `max_body_size` bytes) to the
   * script's stdin with backpressure, then closes it. A body refused or cut
   * short kills the script; a script that stops reading ends the copy.
   */
  async #pumpBody(stdin: Writable, finished: () => boolean, kill: (why: string) => void): Promise<void> {
    stdin.on("error", () => {}); // EPIPE: the script exited or closed its stdin
    try {
      for await (const part of this.iter_body({ limit: this.max_body_size })) {
        if (stdin.destroyed || stdin.writableEnded) break;
        if (!stdin.write(part)) await drained(stdin);
      }
    } catch (e) {
      // 413 past the limit, 400 for bad chunking or a body cut short, a timeout.
      if (!finished() && !stdin.destroyed) {
        const why = e instanceof ProtocolError ? `${e.status} ${e.reason}` : e instanceof Error ? e.message : String(e);
        kill(`CGI script killed: the request body was refused (${why})`);
      }
    } finally {
      if (!stdin.destroyed) stdin.end();
    }
  }
}

const proto = CGIHTTPRequestHandler.prototype;
proto.cgi_directories = ["/cgi-bin", "/htbin"];
proto.have_fork = true;
// CPython: "Make rfile unbuffered"; kept for compatibility, as in the base class.
proto.rbufsize = 0;
proto.cgi_timeout = CGI_TIMEOUT;
proto.cgi_parse_headers = false;
