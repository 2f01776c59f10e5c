/**
 * `HTTPServer` and `ThreadingHTTPServer`: `TCPServer` plus the server's name
 * and port, as CPython's `http.server` defines them.
 */

import { getfqdn } from "./address.js";
import { TCPServer } from "./tcp-server.js";
import { ThreadingMixIn } from "./threading.js";

/**
 * Creates and listens at the HTTP socket and dispatches requests to a
 * handler, one connection at a time (a keep-alive client holds it).
 *
 * ```ts
 * const httpd = new HTTPServer(["", 8000], Handler);
 * await httpd.serve_forever();
 * ```
 */
export class HTTPServer extends TCPServer {
  /** The host name of the bound address (Python's `socket.getfqdn(host)`); set when `ready`. */
  server_name = "";
  /** The bound port (the real one when 0 was asked for); set when `ready`. */
  server_port = 0;

  override async _afterBind(): Promise<void> {
    const [host, port] = this.server_address;
    this.server_port = port;
    this.server_name = await getfqdn(host);
  }
}
HTTPServer.prototype.allow_reuse_address = true;
HTTPServer.prototype.allow_reuse_port = false;

/**
 * `HTTPServer` that serves every connection concurrently (on the event loop),
 * so browsers' pre-opened connections cannot block it.
 *
 * Differs from CPython: `request_queue_size` is 1024 rather than 5, since
 * bursts of connections are what this class is for.
 */
export class ThreadingHTTPServer extends ThreadingMixIn(HTTPServer) {}
ThreadingHTTPServer.prototype.daemon_threads = true;
ThreadingHTTPServer.prototype.request_queue_size = 1024;
