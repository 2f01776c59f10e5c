/**
 * http.server: Python's `http.server` on Node.js. This module is the public
 * surface and uses Python's names only; everything else is internal.
 */

export { HTTPServer, ThreadingHTTPServer } from "./server/http-server.js";
export { BaseServer } from "./server/base-server.js";
export { TCPServer } from "./server/tcp-server.js";
export { ThreadingMixIn } from "./server/threading.js";
export type { RequestHandler, RequestHandlerClass } from "./server/base-server.js";
export type { ServerAddress, AddressFamily } from "./server/address.js";
export {
  BaseHTTPRequestHandler,
  parse_headers,
  type ClientAddress,
  type HandlerServer,
  type Responses,
  type StatusCode,
} from "./handler/base-handler.js";
export { DEFAULT_ERROR_MESSAGE, DEFAULT_ERROR_CONTENT_TYPE } from "./handler/error-page.js";
export { HTTPMessage, type MessageClassType } from "./protocol/headers.js";
export { HTTPStatus, type StatusInfo } from "./protocol/status.js";
export { ProtocolError, type ProtocolErrorCode } from "./protocol/errors.js";
export { TimeoutError, type RFile } from "./handler/rfile.js";
export { BrokenPipeError, type WFile } from "./handler/wfile.js";
export { SimpleHTTPRequestHandler, type SimpleHandlerOptions, type Source } from "./static/simple-handler.js";
export { CGIHTTPRequestHandler } from "./cgi/cgi-handler.js";
// Issue 15 (listing modes, archives, share links): SimpleHTTPRequestHandler's
// `listing`, `archives`, `listing_qr` and `listing_base`, and the share-link subclass.
export type { ListingMode } from "./static/listing.js";
export type { ArchiveFormat } from "./static/archive.js";
export { shareHandler, newSharePrefix, type ShareOptions, type ShareHandlerClass } from "./static/share-handler.js";
export {
  HTTPSServer,
  ThreadingHTTPSServer,
  TLSLoadError,
  type HTTPSServerOptions,
  type KeyPassword,
} from "./server/https-server.js";
export {
  serveWorkers,
  workerCount,
  type WorkersOptions,
  type WorkerServer,
  type WorkerSignalSource,
  type WorkerStopSignal,
} from "./server/workers.js";
