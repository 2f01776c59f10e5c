/**
 * Python's `socketserver.TCPServer` on `node:net`: `BaseServer` (base-server.ts)
 * plus the listening socket.
 *
 * Strategy: the listener is created paused-on-connect and half-open, and
 * every accepted socket goes through `BaseServer._accept()` (PROXY header,
 * admission against `max_connections`) into its queue. Node cannot bind
 * without listening, so `server_bind()` does both, asynchronously: it starts
 * in a microtask after the constructor (once subclass fields are set) and
 * `ready` settles when it is done; `server_activate()` has nothing left to do.
 */

import { createServer, type AddressInfo, type Server } from "node:net";
import { writeLog } from "../python/log-line.js";
import type { AddressFamily, ServerAddress } from "./address.js";
import { BaseServer, deferred, type RequestHandlerClass } from "./base-server.js";

/** Python's `socketserver.TCPServer` on `node:net`. */
export class TCPServer extends BaseServer {
  /** `AF_INET` or `AF_INET6`; when `null`, taken from the host (`""` → IPv4, like Python). */
  declare address_family: AddressFamily | null;
  declare socket_type: "SOCK_STREAM";
  /** The listen backlog. */
  declare request_queue_size: number;
  /** Kept for compatibility: Node always sets SO_REUSEADDR on listening sockets. */
  declare allow_reuse_address: boolean;
  /** SO_REUSEPORT (Node ≥ 22.12; ignored by older Node). */
  declare allow_reuse_port: boolean;

  /** The listening socket. */
  socket: Server;
  /** Settles once bound and listening: `ready`. */
  readonly #bound = deferred();

  constructor(server_address: ServerAddress, RequestHandlerClass: RequestHandlerClass, bind_and_activate = true) {
    super(server_address, RequestHandlerClass);
    // allowHalfOpen: a client that half-closes after sending its request
    // (`shutdown(SHUT_WR)`, `nc -N`, HTTP/0.9 tools) still gets its responses;
    // the handler's loop sees end of input and `shutdown_request()` ends ours.
    this.socket = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (request) =>
      this._accept(request, (r, admitted) => this._enqueue(r, admitted)),
    );
    this.#bound.promise.catch(() => {}); // the error is the caller's to await; never an unhandled rejection
    if (bind_and_activate) {
      // After the constructor returns, so that subclass fields are in place.
      queueMicrotask(() => {
        this.server_bind().then(
          () => this.server_activate(),
          (e: unknown) => {
            void this.server_close();
            this.#bound.reject(e);
          },
        );
      });
    }
  }

  override get ready(): Promise<void> {
    return this.#bound.promise;
  }

  /** Binds and listens (Node cannot do one without the other). Settles `ready`. */
  async server_bind(): Promise<void> {
    try {
      const [host, port] = this.server_address;
      const v6 = this.address_family === "AF_INET6" || host.includes(":");
      const bindHost = host === "" ? (v6 ? "::" : "0.0.0.0") : host;
      await new Promise<void>((resolve, reject) => {
        const server = this.socket;
        const onError = (e: Error): void => reject(e);
        server.once("error", onError);
        const options: Parameters<Server["listen"]>[0] & { reusePort?: boolean } = {
          host: bindHost,
          port,
          backlog: this.request_queue_size,
        };
        if (this.allow_reuse_port) options.reusePort = true;
        server.listen(options, () => {
          server.off("error", onError);
          resolve();
        });
      });
      // Accept errors (EMFILE …) are logged; the server goes on.
      this.socket.on("error", (e: Error) => writeLog(`accept failed: ${e.message}\n`));
      const address = this.socket.address() as AddressInfo;
      this.server_address = [address.address, address.port];
      this.address_family = address.family === "IPv6" ? "AF_INET6" : "AF_INET";
      await this._afterBind();
      this.#bound.resolve();
    } catch (e) {
      this.#bound.reject(e);
      throw e;
    }
  }

  /** Rejects `ready` with `error` (a subclass that cannot bind). */
  _bindFailed(error: unknown): void {
    this.#bound.reject(error);
  }

  /** Hook for subclasses between binding and `ready` (HTTPServer stores the name). */
  async _afterBind(): Promise<void> {}

  override async server_close(): Promise<void> {
    if (this.socket.listening) this.socket.close();
    await super.server_close();
  }

  /** The listening socket's file descriptor, or -1. */
  fileno(): number {
    const handle = (this.socket as unknown as { _handle?: { fd?: number } })._handle;
    return handle?.fd ?? -1;
  }
}

const tcp = TCPServer.prototype;
tcp.address_family = null;
tcp.socket_type = "SOCK_STREAM";
tcp.request_queue_size = 5;
tcp.allow_reuse_address = false;
tcp.allow_reuse_port = false;
