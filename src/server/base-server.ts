/**
 * `socketserver` semantics on `node:net`: `BaseServer` (`TCPServer` is in
 * tcp-server.ts, `ThreadingMixIn` in threading.ts).
 *
 * Strategy: Node accepts connections by itself, so accepted sockets wait,
 * paused, in a queue that plays the kernel backlog's part in Python. The
 * `serve_forever()` loop takes them one at a time exactly as CPython's does
 * (`get_request` → `verify_request` → `process_request` → `finish_request`
 * → `shutdown_request`), calling `service_actions()` at least every
 * `poll_interval`. Serially for `TCPServer`: a connection is served to
 * completion before the next is taken. With `ThreadingMixIn`, each
 * connection is served concurrently on the event loop.
 *
 * Differences forced by Node: binding is asynchronous (tcp-server.ts), so
 * `ready` settles once the server listens. `shutdown()` may be
 * awaited from inside a handler: `serve_forever()` then returns without
 * waiting for that request, which `server_close()` still waits for.
 * Admission against `max_connections` lives in connection-cap.ts.
 */

import type { Socket } from "node:net";
import type { ClientAddress } from "../handler/base-handler.js";
import { writeLog } from "../python/log-line.js";
import { pyRepr } from "../python/repr.js";
import { SocketReader } from "../handler/rfile.js";
import { LINGER_TIMEOUT } from "../protocol/limits.js";
import { DEFAULT_TRUSTED_PROXIES, TrustedProxies, acceptProxied, proxiedAddress } from "./proxy-accept.js";
import type { ServerAddress } from "./address.js";
import { claimsHttp2, closeHttp2, offersHttp2, serveHttp2 } from "./http2.js";
import { ConnectionCap, defaultMaxConnections } from "./connection-cap.js";
import { LingerWheel } from "./linger-wheel.js";

/** The handler interface the server drives. */
export interface RequestHandler {
  setup(): void | Promise<void>;
  handle(): void | Promise<void>;
  finish(): void | Promise<void>;
}

/** A request handler class: constructed once per connection. */
export type RequestHandlerClass = new (
  request: Socket,
  client_address: ClientAddress,
  server: BaseServer,
) => RequestHandler;

/** A Promise with its settle functions. */
export interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Marks a socket `_admit()` counted (a proxied TLS one passes twice): a slot, not a WeakSet (no ephemeron per connection). */
const ADMITTED = Symbol("admitted");
/** The `error` listener of a queued socket: a reset while queued must not crash the process. */
function ignoreError(): void {}

/** What `process_request()` returns once it has handed the connection over (ThreadingMixIn): nothing to wait for. */
export const HANDED_OVER: Promise<void> = Promise.resolve();

/** Python's `socketserver.BaseServer`: the request loop, independent of transport. */
export class BaseServer {
  /** The address the server listens on; final once `ready` resolves. */
  server_address: ServerAddress;
  /** The handler class, constructed once per connection. */
  RequestHandlerClass: RequestHandlerClass;
  /** Seconds `handle_request()` waits for a connection; `null` waits forever. */
  declare timeout: number | null;
  /**
   * Extension (not in CPython): most connections open at once (being served,
   * queued, or in a TLS handshake); one more is answered 503 with
   * `Connection: close` (plain HTTP) or closed (TLS) at once. `null` (the
   * default) takes half the soft limit of open files (`ulimit -n`), so
   * connections alone can never exhaust the process's descriptors.
   */
  declare max_connections: number | null;
  /**
   * Extension (not in CPython): serve HTTP/2 to cleartext connections that
   * open with its preface (prior knowledge); others are served as before.
   * Over TLS, HTTP/2 is offered by putting `"h2"` in `alpn_protocols`.
   */
  declare http2: boolean;
  /**
   * Extension (not in CPython): expect HAProxy's PROXY protocol header (v1 or
   * v2) first on every connection, from a peer in `trusted_proxies`, and take
   * `client_address` from it; a connection without a valid header, or from
   * any other peer, is closed unanswered. With TLS the header precedes the
   * handshake. Default `false`.
   */
  declare proxy_protocol: boolean;
  /**
   * Extension (not in CPython): the peers (addresses or CIDRs, `"*"` for
   * all) believed when they send a PROXY header or forwarding headers
   * (`Forwarded`, `X-Forwarded-*`). `null` (the default) is loopback only
   * (`127.0.0.0/8`, `::1`).
   */
  declare trusted_proxies: readonly string[] | TrustedProxies | null;
  /**
   * Extension (not in CPython): set when the server is being drained (the
   * CLI sets it on SIGTERM): a handler's `health_path` answers 503 and every
   * connection closes after its current response; the listener keeps
   * accepting until `server_close()`. Default `false`.
   */
  declare draining: boolean;

  /** Accepted connections not yet taken by the loop (the backlog's part). */
  readonly #queue: Socket[] = [];
  /** Wakes a loop waiting for a connection, a poll tick or shutdown. */
  #wake: (() => void) | null = null;
  /** The poll timer of `#waitForRequest()`, refreshed by each wait of the same length. */
  #pollTimer: NodeJS.Timeout | null = null;
  #pollMs = 0;
  readonly #onPoll = (): void => this.#notify();
  #shutdownRequest = false;
  /** Settled when `serve_forever()` returns; `null` when it is not running. */
  #serving: Deferred | null = null;
  /** Resolved by `shutdown()` to interrupt the loop's wait for a serial connection. */
  #stop: Deferred | null = null;
  /** Connections being served, by socket, with the Promise of their service. */
  readonly #active = new Map<Socket, Promise<void>>();
  #closing = false;
  /** Counts connections against `max_connections` (connection-cap.ts). */
  readonly #cap = new ConnectionCap();
  /** `trusted_proxies` as a set, built on first use. */
  #trusted: [given: BaseServer["trusted_proxies"], set: TrustedProxies] | null = null;
  /** Deadlines of connections lingering after their response (one coarse timer, not one per connection). */
  readonly #linger = new LingerWheel((request) => this.close_request(request), (LINGER_TIMEOUT * 1000) / 2);

  constructor(server_address: ServerAddress, RequestHandlerClass: RequestHandlerClass) {
    this.server_address = [server_address[0], server_address[1]];
    this.RequestHandlerClass = RequestHandlerClass;
  }

  /** `true` once `server_close()` has begun (read by handlers to stop keep-alive). */
  get _closing(): boolean {
    return this.#closing;
  }

  /** Connections open now: queued, being served, or (TLS) in their handshake. */
  get _connectionCount(): number {
    return this.#cap.open;
  }

  /**
   * Counts a new connection against `max_connections` until it closes;
   * `false` (and not counted) when the limit is reached.
   */
  _admit(socket: Socket): boolean {
    const slot = socket as Socket & { [ADMITTED]?: true };
    if (slot[ADMITTED] === true) return true;
    if (!this.#cap.admit(socket, this.max_connections ?? defaultMaxConnections())) return false;
    slot[ADMITTED] = true;
    return true;
  }

  /** Answers a connection past the limit with a fixed 503 and closes it (connection-cap.ts). */
  _refuse(socket: Socket): void {
    this.#cap.refuse(socket, this.max_connections ?? defaultMaxConnections());
  }

  /** Extension (not in CPython): `trusted_proxies` as a `TrustedProxies` set. */
  get _trustedProxies(): TrustedProxies {
    const given = this.trusted_proxies;
    if (this.#trusted === null || this.#trusted[0] !== given) {
      const set = given instanceof TrustedProxies ? given : new TrustedProxies(given ?? DEFAULT_TRUSTED_PROXIES);
      this.#trusted = [given, set];
    }
    return this.#trusted[1];
  }

  /**
   * Called by the listener for each accepted TCP connection: with
   * `proxy_protocol`, counts it, reads its PROXY header, then hands it to
   * `next` (the queue, or the TLS handshake); otherwise `next` at once.
   */
  _accept(request: Socket, next: (request: Socket, admitted: boolean) => void): void {
    if (!this.proxy_protocol) {
      next(request, false);
      return;
    }
    if (this.#closing) {
      request.destroy();
      return;
    }
    if (!this._admit(request)) {
      this._refuse(request);
      return;
    }
    acceptProxied(request, this._trustedProxies, (s) => next(s, true));
  }

  /** Called by the transport for each accepted connection (`admitted`: `_admit()` already counted it). */
  _enqueue(request: Socket, admitted = false): void {
    if (this.#closing) {
      request.destroy();
      return;
    }
    if (!admitted && !this._admit(request)) {
      this._refuse(request);
      return;
    }
    request.on("error", ignoreError);
    this.#queue.push(request);
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    if (wake !== null) {
      this.#wake = null;
      wake();
    }
  }

  /** Waits until a connection is queued, `ms` pass, or shutdown is requested (one timer, refreshed per wait). */
  #waitForRequest(ms: number): Promise<void> {
    if (this.#queue.length > 0 || this.#shutdownRequest) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
      if (!Number.isFinite(ms)) return;
      const delay = Math.max(1, ms);
      if (this.#pollTimer !== null && this.#pollMs === delay) this.#pollTimer.refresh();
      else {
        if (this.#pollTimer !== null) clearTimeout(this.#pollTimer);
        this.#pollTimer = setTimeout(this.#onPoll, delay);
        this.#pollMs = delay;
      }
    });
  }

  #stopPoll(): void {
    if (this.#pollTimer !== null) clearTimeout(this.#pollTimer);
    this.#pollTimer = null;
  }

  /** Resolves once the server is bound and listening. */
  get ready(): Promise<void> {
    return Promise.resolve();
  }

  /** Called by the constructor to activate the server. Nothing to do here. */
  server_activate(): void {}

  /**
   * Handles requests until `shutdown()` is called, checking at least every
   * `poll_interval` seconds and calling `service_actions()` on each turn.
   */
  async serve_forever(poll_interval = 0.5): Promise<void> {
    await this.ready;
    const serving = deferred();
    const stop = deferred();
    this.#serving = serving;
    this.#stop = stop;
    try {
      while (!this.#shutdownRequest) {
        if (this.#queue.length === 0) await this.#waitForRequest(poll_interval * 1000);
        if (this.#shutdownRequest) break;
        if (this.#queue.length > 0) {
          // Serial servers wait for the connection, unless shutdown comes first;
          // a connection handed over synchronously (ThreadingMixIn) is not awaited.
          const pending = this.#handleRequestNoblock();
          if (pending !== undefined) await Promise.race([pending, stop.promise]);
        }
        this.service_actions();
      }
    } finally {
      this.#stopPoll();
      this.#shutdownRequest = false;
      this.#serving = null;
      this.#stop = null;
      serving.resolve();
    }
  }

  /**
   * Stops the `serve_forever()` loop; resolves once it has returned. May be
   * awaited from a handler. Resolves at once when the loop is not running.
   */
  shutdown(): Promise<void> {
    const serving = this.#serving;
    if (serving === null) return Promise.resolve();
    this.#shutdownRequest = true;
    this.#notify();
    this.#stop?.resolve(); // a loop waiting on a serial connection stops waiting
    return serving.promise;
  }

  /** Called on each turn of the `serve_forever()` loop; override for periodic work. */
  service_actions(): void {}

  /**
   * Handles one connection: waits up to `timeout` seconds for one, calling
   * `handle_timeout()` if none comes.
   */
  async handle_request(): Promise<void> {
    await this.ready;
    const timeout = this.timeout;
    await this.#waitForRequest(timeout === null || timeout === undefined ? Infinity : timeout * 1000);
    this.#stopPoll();
    if (this.#queue.length === 0) return this.handle_timeout();
    return this.#handleRequestNoblock();
  }

  /** CPython's `_handle_request_noblock()`, synchronous as far as its steps are: `undefined` when nothing is pending. */
  #handleRequestNoblock(): Promise<void> | undefined {
    const got = this.get_request();
    if (got === null) return undefined;
    const [request, client_address] = got;
    let verified: boolean | Promise<boolean>;
    try {
      verified = this.verify_request(request, client_address);
    } catch (e) {
      this.#failed(request, client_address, e);
      return undefined;
    }
    if (verified instanceof Promise) {
      return verified.then(
        (ok) => this.#process(request, client_address, ok),
        (e: unknown) => this.#failed(request, client_address, e),
      );
    }
    return this.#process(request, client_address, verified);
  }

  /** The rest of `_handle_request_noblock()` once the connection is verified (or not). */
  #process(request: Socket, client_address: ClientAddress, verified: boolean): Promise<void> | undefined {
    if (!verified) {
      this.shutdown_request(request);
      return undefined;
    }
    let served: Promise<void> | void;
    try {
      served = this.process_request(request, client_address);
    } catch (e) {
      this.#failed(request, client_address, e);
      return undefined;
    }
    if (served === HANDED_OVER || !(served instanceof Promise)) return undefined;
    return served.then(undefined, (e: unknown) => this.#failed(request, client_address, e));
  }

  /** `handle_error()`, then `shutdown_request()`. */
  #failed(request: Socket, client_address: ClientAddress, e: unknown): void {
    this.handle_error(request, client_address, e);
    this.shutdown_request(request);
  }

  /** Takes the next accepted connection: `[request, client_address]`, or `null`. */
  get_request(): [Socket, ClientAddress] | null {
    for (;;) {
      const request = this.#queue.shift();
      if (request === undefined) return null;
      if (request.destroyed) continue;
      const proxied = proxiedAddress(request);
      if (proxied !== undefined) return [request, [proxied[0], proxied[1]]];
      const host = request.remoteAddress ?? "";
      const port = request.remotePort ?? 0;
      return [request, [host, port]];
    }
  }

  /** Called when `handle_request()` times out. Override to act on it. */
  handle_timeout(): void {}

  /** Return `false` to refuse a connection: it is closed unanswered. */
  verify_request(_request: Socket, _client_address: ClientAddress): boolean | Promise<boolean> {
    return true;
  }

  /** Serves one connection: `finish_request()`, then `shutdown_request()`. */
  async process_request(request: Socket, client_address: ClientAddress): Promise<void> {
    const served = this._track(request, this.finish_request(request, client_address));
    await served;
    this.shutdown_request(request);
  }

  /** Records a connection being served, for `server_close()`. */
  _track(request: Socket, service: Promise<void>): Promise<void> {
    this.#active.set(request, service);
    const forget = (): void => {
      this.#active.delete(request);
    };
    service.then(forget, forget);
    return service;
  }

  /** Constructs the handler for one connection and runs setup, handle and finish. */
  async finish_request(request: Socket, client_address: ClientAddress): Promise<void> {
    // HTTP/2 (ALPN h2, or cleartext prior knowledge with `http2`): one handler per stream (server/http2.ts).
    if (offersHttp2(this) && (await claimsHttp2(this, request))) return serveHttp2(this, request, client_address);
    const handler = new this.RequestHandlerClass(request, client_address, this);
    const setUp = handler.setup();
    if (setUp !== undefined) await setUp;
    try {
      const handled = handler.handle();
      if (handled !== undefined) await handled;
    } finally {
      const finished = handler.finish();
      if (finished !== undefined) await finished;
    }
  }

  /**
   * Ends a connection: sends FIN after pending output, then keeps reading
   * (and discarding) for a moment so the client sees the response rather
   * than a reset, then closes.
   */
  shutdown_request(request: Socket): void {
    if (request.destroyed) return;
    request.end();
    this.#linger.add(request);
    if (request.isPaused()) request.resume();
  }

  /** Closes a connection at once. */
  close_request(request: Socket): void {
    request.destroy();
  }

  /**
   * Reports an exception raised while serving a connection (stderr, in
   * CPython's layout) and goes on serving.
   */
  handle_error(_request: Socket, client_address: ClientAddress, error?: unknown): void {
    const rule = "-".repeat(40);
    const where = `(${pyRepr(client_address[0])}, ${client_address[1]})`;
    const detail = error instanceof Error ? (error.stack ?? String(error)) : String(error);
    writeLog(`${rule}\nException occurred during processing of request from ${where}\n${detail}\n${rule}\n`);
  }

  /**
   * Cleans up: stops accepting, closes connections waiting between requests,
   * and lets the ones in flight finish their current request.
   */
  async server_close(): Promise<void> {
    this.#closing = true;
    for (const request of this.#queue.splice(0)) request.destroy();
    for (const request of this.#active.keys()) {
      if (closeHttp2(request)) continue; // GOAWAY; streams in flight finish
      const reader = SocketReader._of(request);
      if (reader === undefined || reader._idle) request.destroy();
    }
    await this._waitForConnections([...this.#active.values()]);
  }

  /** What `server_close()` waits for; `ThreadingMixIn` narrows it. */
  async _waitForConnections(services: Promise<void>[]): Promise<void> {
    await Promise.allSettled(services);
  }

  /** The connections being served (sockets). */
  get _activeSockets(): Socket[] {
    return [...this.#active.keys()];
  }

  /** `await using server = …` closes it, like Python's `with`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
    await this.server_close();
  }
}

BaseServer.prototype.timeout = null;
BaseServer.prototype.max_connections = null;
BaseServer.prototype.http2 = false;
BaseServer.prototype.proxy_protocol = false;
BaseServer.prototype.trusted_proxies = null;
BaseServer.prototype.draining = false;
