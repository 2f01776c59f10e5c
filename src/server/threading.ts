/**
 * Python's `socketserver.ThreadingMixIn` on the event loop.
 *
 * Strategy: "threads" are concurrent async services of connections.
 * `process_request()` starts serving a connection and returns at once (the
 * loop in base-server.ts takes the next one); `server_close()` waits for the
 * ones in flight unless they are "daemon" connections, which instead stop
 * holding the process open (their sockets are unref'd).
 */

import type { Socket } from "node:net";
import type { ClientAddress } from "../handler/base-handler.js";
import { HANDED_OVER } from "./base-server.js";
import type { TCPServer } from "./tcp-server.js";

/** What `ThreadingMixIn` adds to a server. */
export interface ThreadingServer {
  /** Connections in flight do not hold up `server_close()` or process exit. */
  daemon_threads: boolean;
  /** `server_close()` waits for non-daemon connections in flight. */
  block_on_close: boolean;
  /** Serves one connection, reporting its errors (the "thread" body). */
  process_request_thread(request: Socket, client_address: ClientAddress): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TCPServerClass = new (...args: any[]) => TCPServer;

/**
 * Python's `socketserver.ThreadingMixIn`: every connection is served
 * concurrently (on the event loop, not threads). `server_close()` waits for
 * connections in flight when `block_on_close` is set and `daemon_threads` is
 * not; "daemon" connections do not keep the process alive once the server is
 * closed.
 */
export function ThreadingMixIn<T extends TCPServerClass>(Base: T): T & (new (...args: any[]) => ThreadingServer) {
  class Threading extends Base implements ThreadingServer {
    /** Connections in flight do not hold up `server_close()` or process exit. */
    declare daemon_threads: boolean;
    /** `server_close()` waits for non-daemon connections in flight. */
    declare block_on_close: boolean;

    /** Starts serving the connection and returns at once. */
    override process_request(request: Socket, client_address: ClientAddress): Promise<void> {
      void this._track(request, this.process_request_thread(request, client_address));
      return HANDED_OVER;
    }

    /** Serves one connection, reporting its errors (the "thread" body). */
    async process_request_thread(request: Socket, client_address: ClientAddress): Promise<void> {
      try {
        await this.finish_request(request, client_address);
      } catch (e) {
        this.handle_error(request, client_address, e);
      } finally {
        this.shutdown_request(request);
      }
    }

    override async _waitForConnections(services: Promise<void>[]): Promise<void> {
      if (this.daemon_threads || !this.block_on_close) {
        for (const s of this._activeSockets) s.unref();
        return;
      }
      await Promise.allSettled(services);
    }
  }
  Threading.prototype.daemon_threads = false;
  Threading.prototype.block_on_close = true;
  return Threading;
}
