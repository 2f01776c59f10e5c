/**
 * The response to a GET or HEAD of a regular file once it is open (or found
 * in the small-file cache): 200, 304, 206 or 416, its head, and the source of
 * its body.
 *
 * Strategy: `conditional.ts` decides which of the four answers applies
 * (RFC 9110 §13.2.2's order: If-None-Match, If-Modified-Since, then Range
 * with If-Range); this module only writes what that decision means. The head
 * is CPython's (`Content-type`, `Content-Length`, `Last-Modified`) plus our
 * `ETag` and `Accept-Ranges`; a 304 carries only the `ETag`, a 416 only
 * `Content-Range` (the size) and `Content-Length: 0`. A body already in memory (a small file) is
 * answered from its bytes and the descriptor closed at once; otherwise a
 * `FileSource` reads the descriptor (one range, or a multipart/byteranges
 * body with its part heads between the ranges) and closes it when done.
 */

import type { Stats } from "node:fs";
import { decide, etagFor } from "./conditional.js";
import { closeFile } from "./confine.js";
import { BytesSource, FileSource, type Source } from "./file-source.js";
import { isTextType } from "./mime.js";
import { contentRange, multipartByteranges, newBoundary, type Range } from "./ranges.js";
import type { ResponseFields, Variant, WebappHandler } from "./webapp.js";

/**
 * Sends the head of a file's response and returns its body's source, or
 * `null` when the response is complete (304, 416). `fd` is the open file
 * (-1: none, `content` holds the bytes), closed here or by the source.
 * `variant`: a content-coded representation chosen (issue #14), `null` or
 * absent for the identity one. `fields`: the handler's per-response fields,
 * told of a success when `response_headers` is set (else `null`).
 */
export function sendFileHead(
  h: WebappHandler,
  fd: number,
  fs: Stats,
  ctype: string,
  content: Buffer | null,
  variant: Variant | null | undefined,
  fields: ResponseFields | null,
): Source | null {
  const size = fs.size;
  const validators = { size, mtimeMs: fs.mtimeMs };
  let decision = decide(h.command ?? "", h.headers, validators, undefined, variant?.etag);
  // Several ranges of a coded variant: the whole variant (a multipart body has no place for its coding).
  if (variant && decision.kind === "partial" && decision.ranges.length > 1) decision = { kind: "full" };
  const contentType = contentTypeOf(ctype);
  const etag = variant?.etag ?? etagFor(validators);
  const lastModified = h.date_time_string(fs.mtimeMs / 1000);
  switch (decision.kind) {
    case "not-modified":
      closeFile(fd);
      fields?.succeeded(h);
      h.send_response(304);
      h.send_header("ETag", etag);
      h.end_headers();
      return null;
    case "unsatisfiable":
      closeFile(fd);
      h.send_response(416);
      h.send_header("Content-Range", `bytes */${size}`);
      h.send_header("Content-Length", "0");
      h.end_headers();
      return null;
    case "partial": {
      const ranges = decision.ranges;
      h.send_response(206);
      if (ranges.length === 1) {
        const r = ranges[0]!;
        h.send_header("Content-type", contentType);
        if (variant) h.send_header("Content-Encoding", variant.coding);
        h.send_header("Content-Range", contentRange(r, size));
        h.send_header("Content-Length", String(r.end - r.start + 1));
        validatorHeaders(h, lastModified, etag, fields);
        h.end_headers();
        if (content !== null) {
          closeFile(fd);
          return new BytesSource(content.subarray(r.start, r.end + 1));
        }
        return new FileSource(fd, [{ ...r }]);
      }
      const boundary = newBoundary();
      const body = multipartByteranges(ranges, size, contentType, boundary);
      h.send_header("Content-type", `multipart/byteranges; boundary=${boundary}`);
      h.send_header("Content-Length", String(body.length));
      validatorHeaders(h, lastModified, etag, fields);
      h.end_headers();
      const pieces: (Buffer | Range)[] = [];
      for (const part of body.parts) pieces.push(part.head, { ...part.range });
      pieces.push(body.tail);
      return new FileSource(fd, pieces);
    }
    case "full":
      h.send_response(200);
      h.send_header("Content-type", contentType);
      if (variant) h.send_header("Content-Encoding", variant.coding);
      h.send_header("Content-Length", String(size));
      validatorHeaders(h, lastModified, etag, fields);
      h.end_headers();
      if (content !== null) {
        closeFile(fd);
        return new BytesSource(content);
      }
      return new FileSource(fd, size > 0 ? [{ start: 0, end: size - 1 }] : []);
  }
}

/** Types seen, and the `Content-type` each is sent as (a server sends few distinct ones; bounded all the same). */
const contentTypes = new Map<string, string>();

/** `ctype`, with `; charset=utf-8` added when it is text without a charset of its own. */
function contentTypeOf(ctype: string): string {
  let sent = contentTypes.get(ctype);
  if (sent === undefined) {
    sent = isTextType(ctype) && !/;\s*charset=/i.test(ctype) ? `${ctype}; charset=utf-8` : ctype;
    if (contentTypes.size >= 256) contentTypes.clear();
    contentTypes.set(ctype, sent);
  }
  return sent;
}

/** CPython's Last-Modified, then our additions (extensions: ETag, Accept-Ranges). */
function validatorHeaders(h: WebappHandler, lastModified: string, etag: string, fields: ResponseFields | null): void {
  h.send_header("Last-Modified", lastModified);
  h.send_header("ETag", etag);
  h.send_header("Accept-Ranges", "bytes");
  fields?.succeeded(h);
}
