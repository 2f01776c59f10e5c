/**
 * The `http.server` command: `python -m http.server` on Node.js. `main(argv)`
 * does everything and resolves to the exit status; `bin.ts` only calls it and
 * exits, so tests can run the real command and callers can embed it.
 *
 * Strategy, as CPython 3.14's `_main()` and `test()`:
 *
 * 1. Parse the arguments (`args.ts`); `--help` prints and exits 0, a usage
 *    error prints argparse's two lines and exits 2.
 * 2. Check what CPython leaves to fail later: `--directory` must be a
 *    directory (CPython would serve 404s from a missing one; we refuse).
 * 3. `chooseHandler()`: SimpleHTTPRequestHandler with `directory`,
 *    `protocol_version` and `follow_symlinks` set on an inline subclass
 *    (Python's `partial(..., directory=d)`; the library's class is never
 *    touched). `chooseServer()`: a `ThreadingHTTPServer` subclass, or a
 *    `ThreadingHTTPSServer` one with `--tls-cert`. `--cgi` picks
 *    CGIHTTPRequestHandler the same way.
 * 4. Bind: all interfaces means `::`, which Node makes dual-stack (CPython's
 *    `DualStackServerMixin` clears IPV6_V6ONLY the same way), falling back to
 *    `0.0.0.0` where IPv6 is unavailable; `--bind` is resolved with
 *    `dns.lookup()` and the first answer is used, as CPython's
 *    `_get_best_family()` takes the first of `getaddrinfo()`.
 * 5. Print CPython's banner (the real port when 0 was asked for), then, as
 *    an extension, the machine's LAN URLs on indented lines below it.
 * 6. Serve until a signal. SIGINT: CPython's "Keyboard interrupt received,
 *    exiting." and exit 0 at once. SIGTERM (CPython just dies): stop
 *    accepting, close idle keep-alive connections, let requests in flight
 *    finish for up to `--drain-timeout` seconds (`DRAIN_TIMEOUT` in protocol/limits.ts by default),
 *    exit 0. With `--health`, the health path answers 503 first and the
 *    listener stays open for the first half of that time (lb-setup.ts).
 *    The signal queue and the drain are in stop.ts.
 * 7. Extension: `--workers N` (≠ 1) runs steps 1–3 in the primary and again in
 *    each worker process; `serveWorkers()` (server/workers.ts) forks the
 *    workers, which bind (step 4), prints the banner once all listen, and
 *    forwards the signals of step 6 to every worker.
 *
 * Every failure is one line on stderr, never a stack trace: exit 2 for what
 * the user typed, exit 1 for what the machine refused (a port in use, a name
 * that does not resolve).
 */

import { lookup } from "node:dns/promises";
import { readFile, stat } from "node:fs/promises";
import type { Socket } from "node:net";
import { resolve } from "node:path";
import type { ClientAddress, HandlerServer } from "../handler/base-handler.js";
import { pyRepr } from "../python/repr.js";
import type { AddressFamily, ServerAddress } from "../server/address.js";
import type { RequestHandlerClass } from "../server/base-server.js";
import { HTTPServer, ThreadingHTTPServer } from "../server/http-server.js";
import { TLSLoadError, ThreadingHTTPSServer } from "../server/https-server.js";
import { CGIHTTPRequestHandler } from "../cgi/cgi-handler.js";
import { SimpleHTTPRequestHandler } from "../static/simple-handler.js";
import { serveWorkers } from "../server/workers.js";
import { HELP, PROG, USAGE, parseArgs, type CliOptions } from "./args.js";
import { versionLine } from "./version.js";
import { missingPermissions, permissionMessage } from "./runtime-check.js";
import { shareHandler } from "../static/share-handler.js";
import { terminalQr } from "./qr.js";
import { ShareLifetime, bannerExtras } from "./share.js";

/** The longest a timer can wait (ms): an end of a share waits for downloads in flight up to this. */
const MAX_TIMER_MS = 2 ** 31 - 1;
import { hashPasswordMain, type HashPasswordIO } from "./hash-password.js";
import { applyUploadOptions, authWarning, isLoopback, uploadStartup } from "./upload-setup.js";
import { hostPort, lanUrls } from "./addresses.js";

export { authWarning, hostPort, isLoopback, lanUrls };
import { applyHandlerOptions, applyServerOptions, healthShadowWarning, reopenOnHangup } from "./lb-setup.js";
import { drain, SignalQueue, type SignalSource } from "./stop.js";

export type { SignalSource, StopSignal } from "./stop.js";

/** Where the command writes: `process.stdout` / `process.stderr` fit. */
export interface Output {
  write(chunk: string, callback?: (error?: Error | null) => void): boolean;
  on?(event: "error", listener: (error: Error) => void): unknown;
  off?(event: "error", listener: (error: Error) => void): unknown;
}

/** The command's surroundings; `process`'s by default. */
export interface CliIO {
  stdout: Output;
  stderr: Output;
  signals?: SignalSource;
  /** Where `--hash-password` reads; `process.stdin` by default. */
  stdin?: HashPasswordIO["stdin"];
}

/** A mistake in what was typed: usage and the message on stderr, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Something the machine refused: the message on stderr, exit 1. */
export class CliError extends Error {
  override name = "CliError";
}

/** What `chooseServer()` returns: a server class constructed as `new S(address, Handler)`. */
export type ServerClass = new (server_address: ServerAddress, RequestHandlerClass: RequestHandlerClass) => HTTPServer;

/**
 * The handler class for these options: SimpleHTTPRequestHandler serving
 * `directory` (CGIHTTPRequestHandler with `--cgi`), with `protocol_version`
 * `follow_symlinks` and `exclude_dotfiles` set on a subclass (CPython sets
 * `HandlerClass.protocol_version` on the library's class itself; we never
 * mutate it).
 */
export function chooseHandler(options: CliOptions, directory: string): RequestHandlerClass {
  const Base = options.cgi ? CGIHTTPRequestHandler : SimpleHTTPRequestHandler;
  class Handler extends Base {
    constructor(request: Socket, client_address: ClientAddress, server: HandlerServer) {
      super(request, client_address, server, { directory });
    }
  }
  Handler.prototype.protocol_version = options.protocol;
  Handler.prototype.follow_symlinks = options.follow_symlinks;
  Handler.prototype.exclude_dotfiles = options.exclude_dotfiles;
  // Issue 15 (listing, archives).
  Handler.prototype.listing = options.listing;
  Handler.prototype.archives = options.archives;
  applyUploadOptions(Handler.prototype, options);
  // Issue #14.
  const p = Handler.prototype;
  if (options.header.length > 0) p.response_headers = options.header;
  if (options.content_type !== null) p.default_content_type = options.content_type;
  p.cors = options.cors;
  p.spa_fallback = options.spa;
  p.not_found_page = options.not_found;
  p.precompressed = options.precompressed;
  p.compress = options.compress;
  p.quiet = options.quiet;
  applyHandlerOptions(Handler, options);
  return Handler;
}

/**
 * The server class for these options: CPython's `HTTPDualStackServer`, a
 * `ThreadingHTTPServer` subclass, or with `--tls-cert` its HTTPS twin built
 * on `ThreadingHTTPSServer` with the certificate, key and password. (Dual-stack
 * needs nothing more here: Node listens on `::` with IPV6_V6ONLY cleared.)
 * @param password the password file's text, stripped, as CPython reads it.
 */
export function chooseServer(options: CliOptions, password: string | null = null): ServerClass {
  const certfile = options.tls_cert;
  if (certfile !== null) {
    const tls = { certfile, keyfile: options.tls_key, password, ...(options.http2 ? { alpn_protocols: ["h2", "http/1.1"] } : {}) };
    class HTTPSDualStackServer extends ThreadingHTTPSServer {
      constructor(server_address: ServerAddress, RequestHandlerClass: RequestHandlerClass) {
        super(server_address, RequestHandlerClass, true, tls);
      }
    }
    applyServerOptions(HTTPSDualStackServer, options);
    return HTTPSDualStackServer;
  }
  class HTTPDualStackServer extends ThreadingHTTPServer {}
  if (options.http2) HTTPDualStackServer.prototype.http2 = true; // Extension: --http2 (prior knowledge)
  applyServerOptions(HTTPDualStackServer, options);
  return HTTPDualStackServer;
}

/**
 * CPython's reading of `--tls-password-file`: the file's UTF-8 text,
 * stripped; a file that cannot be read is a usage error, as in CPython.
 */
export async function readPasswordFile(path: string | null): Promise<string | null> {
  if (path === null) return null;
  try {
    return (await readFile(path, "utf8")).trim();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const detail = err.code === "ENOENT" ? `[Errno 2] No such file or directory: ${pyRepr(path)}` : describe(e);
    throw new UsageError(`Failed to read TLS password file: ${detail}`);
  }
}

/** CPython 3.14's banner line (without the newline). */
export function banner(scheme: "HTTP" | "HTTPS", host: string, port: number): string {
  return `Serving ${scheme} on ${host} port ${port} (${scheme.toLowerCase()}://${hostPort(host, port)}/) ...`;
}

/** The directory to serve, absolute. @throws UsageError when it is not a directory. */
async function checkDirectory(given: string | null): Promise<string> {
  let path: string;
  try {
    path = resolve(given ?? process.cwd());
  } catch {
    throw new CliError("the current directory no longer exists");
  }
  const shown = pyRepr(given ?? path);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new UsageError(`argument -d/--directory: no such directory: ${shown}`);
    throw new UsageError(`argument -d/--directory: cannot use ${shown}: ${describe(e)}`);
  }
  if (!isDirectory) throw new UsageError(`argument -d/--directory: not a directory: ${shown}`);
  return path;
}

/** An address to try binding to. */
export interface BindTarget {
  host: string;
  family: AddressFamily;
}

/** `EAFNOSUPPORT` (no IPv6 in the kernel) and `EADDRNOTAVAIL` (IPv6 disabled): try IPv4. */
const FALLBACK_CODES = new Set(["EAFNOSUPPORT", "EADDRNOTAVAIL"]);

/** The addresses to try: `::` then `0.0.0.0` for all interfaces, else the first `dns.lookup()` answer. */
export async function bindTargets(bind: string | null): Promise<BindTarget[]> {
  // "" is all interfaces, as in a Python server_address (CPython's CLI fails on it).
  if (bind === null || bind === "") {
    return [
      { host: "::", family: "AF_INET6" },
      { host: "0.0.0.0", family: "AF_INET" },
    ];
  }
  try {
    const { address, family } = await lookup(bind);
    return [{ host: address, family: family === 6 ? "AF_INET6" : "AF_INET" }];
  } catch (e) {
    throw new CliError(`cannot resolve ${pyRepr(bind)}: ${describe(e)}`);
  }
}

/**
 * Binds the first target that works, moving on only when the one before is
 * unavailable (no IPv6); resolves once listening.
 * @throws CliError when none can be bound.
 */
export async function listen(Server: ServerClass, Handler: RequestHandlerClass, targets: BindTarget[], port: number): Promise<HTTPServer> {
  for (let i = 0; ; i++) {
    const target = targets[i]!;
    // CPython sets ServerClass.address_family from _get_best_family(); ours
    // follows from the host string, so the shared class stays untouched.
    const httpd = new Server([target.host, port], Handler);
    try {
      await httpd.ready;
      return httpd;
    } catch (e) {
      if (e instanceof TLSLoadError) throw new CliError(e.message);
      const code = (e as NodeJS.ErrnoException).code;
      if (i + 1 < targets.length && code !== undefined && FALLBACK_CODES.has(code)) continue;
      throw new CliError(`cannot bind to ${hostPort(target.host, port)}: ${describe(e)}`);
    }
  }
}

/** Plain words for the system errors a user may meet; the code otherwise. */
const ERROR_WORDS: Readonly<Record<string, string>> = {
  EADDRINUSE: "address already in use",
  EADDRNOTAVAIL: "address not available on this machine",
  EAFNOSUPPORT: "address family not supported",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOTFOUND: "name not found",
  EAI_AGAIN: "temporary failure in name resolution",
  ELOOP: "too many symbolic links",
};

/** One line describing an error, without a stack. */
function describe(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code === "string" && code in ERROR_WORDS) return ERROR_WORDS[code]!;
  const message = e instanceof Error ? e.message : String(e);
  return message.split("\n", 1)[0]!;
}

/** Resolves once everything written to `out` so far has been handed to the system. */
function flushed(out: Output): Promise<void> {
  return new Promise((done) => {
    try {
      out.write("", () => done());
    } catch {
      done();
    }
  });
}

/** `--spa` and `--not-found` name regular files in the served directory (checked at start, not per request). */
async function checkPages(options: CliOptions, directory: string): Promise<void> {
  for (const [flag, name] of [["--spa", options.spa], ["--not-found", options.not_found]] as const) {
    if (name === null) continue;
    const isFile = await stat(resolve(directory, name)).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!isFile) throw new UsageError(`argument ${flag}: no such file in the served directory: ${pyRepr(name)}`);
  }
}

/** Serves until a signal; resolves to the exit status. */
async function run(options: CliOptions, io: CliIO, signals: SignalQueue): Promise<number> {
  const stopReopening = reopenOnHangup(options); // extension: --access-log
  try {
    return await serve(options, io, signals);
  } finally {
    stopReopening();
  }
}

async function serve(options: CliOptions, io: CliIO, signals: SignalQueue): Promise<number> {
  // Issue 16: a runtime that would refuse what the options need (Deno's permissions) stops here with one line.
  const missing = missingPermissions(options);
  if (missing.length > 0) throw new CliError(permissionMessage(missing));
  const directory = await checkDirectory(options.directory);
  await checkPages(options, directory);
  let Handler = chooseHandler(options, directory);
  const Server = chooseServer(options, await readPasswordFile(options.tls_password_file));
  const scheme = options.tls_cert !== null ? "HTTPS" : "HTTP";
  const shadowed = await healthShadowWarning(directory, options.health);
  if (shadowed !== null) io.stderr.write(`${PROG}: ${shadowed}\n`);
  // Extension (issue 15): a share link wraps the handler; it ends the run when it expires or is spent.
  const share = options.share === null ? null : new ShareLifetime(options.share_forever ? null : options.share);
  let prefix: string | null = null;
  if (share !== null) {
    const Shared = shareHandler(Handler as typeof SimpleHTTPRequestHandler, { max_downloads: options.max_downloads, on_exhausted: () => share.exhaust() });
    prefix = Shared.share_prefix;
    Handler = Shared;
  }
  const shareInfo = prefix === null ? null : { prefix, seconds: options.share_forever ? null : options.share, max_downloads: options.max_downloads };
  const extras = ([host, port]: ServerAddress) =>
    bannerExtras(shareInfo, host, port, scheme.toLowerCase(), lanUrls(host, port, scheme.toLowerCase()), `${scheme.toLowerCase()}://${hostPort(host, port)}/`);
  const listening = (httpd: HTTPServer): HTTPServer => {
    if (options.qr) (Handler as typeof SimpleHTTPRequestHandler).prototype.listing_qr = extras(httpd.server_address).qrUrl;
    return httpd;
  };
  const printBanner = (address: ServerAddress): void => {
    const more = extras(address);
    io.stdout.write(banner(scheme, address[0], address[1]) + "\n" + more.text);
    void uploadStartup(options, directory, address[0], io);
    if (more.clearText) io.stderr.write(`${PROG}: warning: without --tls-cert the share link crosses the network in clear text\n`);
    if (options.qr) {
      const tty = (io.stdout as { isTTY?: boolean }).isTTY === true;
      void terminalQr(more.qrUrl, tty).then((qr) => io.stdout.write(`QR code for ${more.qrUrl}\n${qr}`));
    }
  };
  if (options.workers !== 1) {
    // Extension: `--workers`. This runs in the primary and again in every worker (see server/workers.ts).
    const targets = await bindTargets(options.bind);
    try {
      return await serveWorkers(() => listen(Server, Handler, targets, options.port).then(listening), {
        workers: options.workers,
        signals: io.signals ?? process,
        drain_timeout: options.drain_timeout,
        drain_grace: options.health !== null ? options.drain_timeout / 2 : 0,
        onListening: printBanner,
        onSignal: (signal) =>
          io.stdout.write(signal === "SIGINT" ? "\nKeyboard interrupt received, exiting.\n" : "\nSIGTERM received, finishing requests in flight, exiting.\n"),
        onLog: (line) => io.stderr.write(`${PROG}: ${line}\n`),
      });
    } catch (e) {
      throw new CliError(describe(e)); // a worker could not start: its message
    }
  }
  const httpd = listening(await listen(Server, Handler, await bindTargets(options.bind), options.port));
  printBanner(httpd.server_address);

  const served = httpd.serve_forever().then(
    () => null,
    (e: unknown) => e,
  );
  const ended = share === null ? new Promise<never>(() => {}) : share.ended.then((why) => ({ share: why }));
  const outcome = await Promise.race([signals.next(), served.then((e) => ({ failed: e })), ended]);
  share?.cancel();
  if (typeof outcome === "object" && "share" in outcome) {
    // Extension: the share link expired or was spent. Stop accepting; downloads in flight finish (until a signal).
    io.stdout.write(outcome.share === "expired" ? "\nShare link expired, exiting.\n" : "\nShare link used up (--max-downloads), exiting.\n");
    await drain(httpd, MAX_TIMER_MS, signals, options);
    return 0;
  }

  if (outcome === "SIGTERM") {
    io.stdout.write("\nSIGTERM received, finishing requests in flight, exiting.\n");
    const cut = await drain(httpd, options.drain_timeout * 1000, signals, options);
    if (cut > 0) io.stderr.write(`${PROG}: closed ${cut} connection(s) still busy after the drain\n`);
    return 0;
  }
  // SIGINT, or the loop failing: stop at once, as CPython's exit kills its daemon threads.
  await httpd.shutdown();
  const inFlight = httpd._activeSockets;
  await httpd.server_close();
  for (const s of inFlight) s.destroy();
  if (outcome === "SIGINT") {
    io.stdout.write("\nKeyboard interrupt received, exiting.\n");
    return 0;
  }
  if (outcome.failed === null) return 0; // serve_forever() returned: nobody else calls shutdown()
  throw new CliError(describe(outcome.failed));
}

/**
 * Runs the `http.server` command with `argv` (without `node` and the script)
 * and resolves to its exit status once it has finished: 0 after `--help`,
 * SIGINT or SIGTERM; 1 when the server cannot start; 2 for a usage error.
 * Everything it wrote has been flushed by then.
 */
export async function main(argv: string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  // A reader that went away (`http.server | head -1`) must not crash the server.
  const ignore = (): void => {};
  io.stdout.on?.("error", ignore);
  io.stderr.on?.("error", ignore);
  const signals = new SignalQueue(io.signals ?? process);
  try {
    const parsed = parseArgs(argv);
    if (parsed.kind === "help") {
      io.stdout.write(HELP);
      return 0;
    }
    if (parsed.kind === "version") {
      io.stdout.write(versionLine());
      return 0;
    }
    if (parsed.kind === "error") throw new UsageError(parsed.message);
    if (parsed.options.hash_password) return await hashPasswordMain({ stdin: io.stdin ?? process.stdin, stdout: io.stdout, stderr: io.stderr });
    return await run(parsed.options, io, signals);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`${USAGE}${PROG}: error: ${e.message}\n`);
      return 2;
    }
    io.stderr.write(`${PROG}: error: ${e instanceof CliError ? e.message : describe(e)}\n`);
    return 1;
  } finally {
    signals.dispose();
    await Promise.all([flushed(io.stdout), flushed(io.stderr)]);
    io.stdout.off?.("error", ignore);
    io.stderr.off?.("error", ignore);
  }
}
