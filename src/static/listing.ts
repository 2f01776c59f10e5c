/**
 * The listing modes of `SimpleHTTPRequestHandler` beyond CPython's page:
 * `listing = "rich"` and `"off"`, and the JSON listing in any mode but off.
 *
 * Strategy: the handler calls `sendListing()` from `list_directory()` only
 * when its answer can differ from CPython's (`listing` is not `"python"`,
 * or the client asks for JSON), so the default path and its bytes stay
 * CPython's. Here: read the directory once (dir-entries.ts, the file
 * server's hidden-file and symlink rules), order it (CPython's order for
 * the python page's JSON twin, `sortRich()` for rich), and send one of:
 *
 * - `off`: 404, the same answer as for a path that does not exist (see the
 *   README: a 403 would confirm that the folder is there);
 * - JSON (`wantsJson()`): `application/json`, `Vary: Accept`;
 * - rich: the page of listing-rich.ts, `Vary: Accept` (the same URL has a
 *   JSON twin). The python page is sent by the handler without `Vary`, as
 *   CPython sends it; its JSON twin carries `Vary: Accept`.
 *
 * Also the handler's other hook, `sendArchive()`: the head of a
 * `?download=` response (archive.ts makes the body).
 */

import { basename, resolve } from "node:path";
import { ARCHIVE_TYPES, ArchiveSource, contentDisposition, type ArchiveFormat } from "./archive.js";
export { archiveFormat } from "./archive.js";
import { closeFile, rootRealPath } from "./confine.js";
import { openServable, readEntries, type DirEntry } from "./dir-entries.js";
import { sortEntries } from "./directory-listing.js";
import { renderJson, wantsJson } from "./listing-json.js";
import { parseSort, renderRich, sortRich } from "./listing-rich.js";
import { fsDecode, fsEncode } from "./url.js";

/** The listing modes (`--listing`). */
export type ListingMode = "python" | "rich" | "off";

/** The listing modes, for argument checking. */
export const LISTING_MODES: readonly ListingMode[] = ["python", "rich", "off"];

/** What `sendListing()` uses of the handler. */
export interface ListingHandler {
  path: string;
  directory: string;
  headers: { get(name: string): string | null | undefined };
  listing: ListingMode;
  archives: boolean;
  listing_qr: string | null;
  listing_base: string;
  exclude_dotfiles: boolean;
  follow_symlinks: boolean;
  send_response(code: number, message?: string | null): void;
  send_header(keyword: string, value: string): void;
  end_headers(): void;
  send_error(code: number, message?: string | null, explain?: string | null): void;
}

/** Whether the handler must leave this listing to `sendListing()` (else CPython's page is sent). */
export function listingIsOurs(handler: ListingHandler): boolean {
  return handler.listing !== "python" || wantsJson(handler.headers.get("Accept"));
}

/** Whether uploads are on: the upload feature sets the handler's `upload` attribute. */
function uploadsOn(handler: ListingHandler): boolean {
  return (handler as unknown as { upload?: unknown }).upload === true;
}

const qrCache = new Map<string, Promise<string>>();

/** The SVG QR code of `text`, made once per text. */
export function qrSvg(text: string): Promise<string> {
  let svg = qrCache.get(text);
  if (svg === undefined) {
    // The library is loaded on first use, not at start-up.
    svg = import("qrcode").then((m) => (m.default ?? m).toString(text, { type: "svg", margin: 2, errorCorrectionLevel: "M" }));
    if (qrCache.size > 16) qrCache.clear();
    qrCache.set(text, svg);
  }
  return svg;
}

/** The query string of a request path (without `?`), `""` if none. */
export function queryOf(requestPath: string): string {
  const hash = requestPath.indexOf("#");
  const p = hash === -1 ? requestPath : requestPath.slice(0, hash);
  const q = p.indexOf("?");
  return q === -1 ? "" : p.slice(q + 1);
}

/**
 * Answers a directory request without an index page in the handler's
 * non-CPython modes: sends the head and resolves to the body, or sends an
 * error and resolves `null`.
 * @param path the directory's file name (`translate_path()`'s result).
 */
export async function sendListing(handler: ListingHandler, path: string): Promise<Buffer | null> {
  if (handler.listing === "off") {
    handler.send_error(404, "File not found");
    return null;
  }
  const fsPath = fsEncode(path);
  let entries: DirEntry[];
  try {
    if (fsPath === null) throw new Error("unencodable path");
    const root = await rootRealPath(handler.directory);
    entries = await readEntries(fsPath, { root, exclude_dotfiles: handler.exclude_dotfiles, follow_symlinks: handler.follow_symlinks });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === "EMFILE" || code === "ENFILE") handler.send_error(503, "Too many open files");
    else handler.send_error(404, "No permission to list directory");
    return null;
  }
  const json = wantsJson(handler.headers.get("Accept"));
  let body: Buffer;
  if (handler.listing === "python") {
    body = renderJson(sortEntries(entries)); // only reached for JSON
  } else {
    const sort = parseSort(queryOf(handler.path));
    const ordered = sortRich(entries, sort);
    if (json) body = renderJson(ordered);
    else {
      const qr = handler.listing_qr === null ? null : await qrSvg(handler.listing_qr).catch(() => null);
      body = renderRich({
        requestPath: handler.path,
        base: handler.listing_base,
        entries: ordered,
        sort,
        uploads: uploadsOn(handler),
        archives: handler.archives,
        qrSvg: qr,
      });
    }
  }
  handler.send_response(200);
  handler.send_header("Content-type", json ? "application/json" : "text/html; charset=utf-8");
  handler.send_header("Content-Length", String(body.length));
  handler.send_header("Vary", "Accept");
  handler.end_headers();
  return body;
}

/** What `sendArchive()` uses of the handler besides the listing's fields. */
export interface ArchiveHandler extends ListingHandler {
  protocol_version: string;
  request_version: string;
  close_connection: boolean;
}

/**
 * Answers `?download=<format>` on a directory when archives are on: sends
 * the head and resolves to the archive's source, or sends 400 for an
 * unknown format (and resolves `null`).
 * @param path the directory's file name (`translate_path()`'s result), inside the served directory.
 */
export async function sendArchive(handler: ArchiveHandler, path: string, format: ArchiveFormat | "invalid"): Promise<ArchiveSource | null> {
  if (format === "invalid") {
    handler.send_error(400, "Unsupported archive format", "Use ?download=zip, tar or tar.gz.");
    return null;
  }
  const fsPath = fsEncode(path);
  const root = await rootRealPath(handler.directory).catch(() => null);
  if (fsPath === null || root === null) {
    handler.send_error(404, "File not found");
    return null;
  }
  const rules = { root, exclude_dotfiles: handler.exclude_dotfiles, follow_symlinks: handler.follow_symlinks };
  const file = await openServable(fsPath, rules);
  if (file === null || !file.stats.isDirectory()) {
    if (file !== null) closeFile(file.fd);
    handler.send_error(404, "File not found");
    return null;
  }
  closeFile(file.fd);
  // The folder's own name: the last component of its path, or of the served directory's real path at the top.
  let top = basename(path.replace(/\/+$/, ""));
  if (resolve(path) === resolve(handler.directory)) top = basename(fsDecode(root));
  if (top === "" || top === "." || top === "..") top = "files";
  // HTTP/1.1 both ways: chunked, so the connection may stay open and a body cut short shows.
  const chunked = handler.protocol_version >= "HTTP/1.1" && handler.request_version >= "HTTP/1.1";
  handler.send_response(200);
  handler.send_header("Content-type", ARCHIVE_TYPES[format].type);
  handler.send_header("Content-Disposition", contentDisposition(top + ARCHIVE_TYPES[format].extension));
  if (chunked) handler.send_header("Transfer-Encoding", "chunked");
  else {
    handler.send_header("Connection", "close");
    handler.close_connection = true;
  }
  handler.end_headers();
  return new ArchiveSource(fsPath, top, file.stats, format, rules, chunked);
}
