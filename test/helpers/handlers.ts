/**
 * Handler classes for tests: Python's `partial(Handler, directory=...)`.
 */

import type { Socket } from "node:net";
import type { ClientAddress, HandlerServer } from "../../src/handler/base-handler.js";
import type { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";

/**
 * A subclass of `Base` serving `directory` (the constructor option), speaking
 * `protocol_version` when one is given (set per instance, as a class field
 * would be).
 */
export function servingDir<B extends typeof SimpleHTTPRequestHandler>(directory: string, Base: B, protocol_version?: string): B {
  return class extends (Base as typeof SimpleHTTPRequestHandler) {
    constructor(request: Socket, client_address: ClientAddress, server: HandlerServer) {
      super(request, client_address, server, { directory });
      if (protocol_version !== undefined) this.protocol_version = protocol_version;
    }
  } as unknown as B;
}
