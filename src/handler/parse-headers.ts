/**
 * `parse_headers(rfile)`: CPython's `http.client.parse_headers`, reading a
 * header section from a handler's `rfile` with CPython's limits and our
 * strictness (`protocol/headers.ts`). The request loop reads heads from the
 * receive buffer itself (`protocol/request-head.ts`); this is the path of an
 * overridden `parse_request()` and of a replacement `rfile`.
 */

import { HTTPMessage, HeaderReader, type MessageClassType } from "../protocol/headers.js";
import { MAX_HEADER_BYTES, MAX_REQUEST_LINE } from "../protocol/limits.js";
import { ReceiveBuffer } from "../protocol/receive-buffer.js";
import { SocketReader, type RFile } from "./rfile.js";

/**
 * Reads `headers` from `rfile` into a new `MessageClass` (CPython's
 * `http.client.parse_headers`), with CPython's limits and our strictness.
 * @throws ProtocolError for a head to refuse (431, 400).
 */
export async function parse_headers(
  rfile: RFile,
  MessageClass: MessageClassType = HTTPMessage,
  maxBytes = MAX_HEADER_BYTES,
): Promise<HTTPMessage> {
  const message = new MessageClass();
  if (rfile instanceof SocketReader) return rfile._readHeaders(message, maxBytes);
  // A replacement rfile: feed its lines to the same reader.
  const reader = new HeaderReader(message, maxBytes);
  const rb = new ReceiveBuffer();
  for (;;) {
    const line = await rfile.readline(MAX_REQUEST_LINE + 1);
    rb.push(Buffer.from(line));
    const done = reader.read(rb, line.length === 0);
    if (done !== null) return done;
  }
}
