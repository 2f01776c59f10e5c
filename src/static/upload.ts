/**
 * Uploads for SimpleHTTPRequestHandler (`upload = true`, the CLI's
 * `--upload`): `PUT /dir/name` with the file as the body, and `POST` of
 * `multipart/form-data` to a directory (one or more files, any field name).
 *
 * Strategy, for each file:
 * 1. The name is checked like a path (`upload-rules.ts`): no `..`, `.`, NUL,
 *    `/` in a multipart filename, control characters, our temporary names,
 *    dotfiles with `exclude_dotfiles`.
 * 2. The directory is walked from the served root one component at a time
 *    with `lstat`: a symlink anywhere is refused (403), a missing directory
 *    is 409 unless `upload_mkdir`, and its real path must be the root's real
 *    path plus those components.
 * 3. Preconditions (`decideWrite`) before a byte is read: 412 early.
 * 4. The body streams into an `AtomicFile` (temporary name, `fsync`, then
 *    `link`/`rename`): an interrupted, oversized (`max_upload`, 413) or failed
 *    upload (full disk: 507) leaves nothing under the real name.
 * 5. 201 with `Location` and `ETag` for a new file, 204 for a replacement.
 *
 * Multipart bodies are parsed by busboy as they arrive, never buffered whole.
 * The files of one POST are committed one by one once the whole body is in:
 * a name that exists is refused up front (409) unless `upload_overwrite`.
 */

import { lstat, mkdir, realpath } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Stats } from "node:fs";
import type busboy from "busboy";
import type { HTTPMessage } from "../protocol/headers.js";
import { AtomicFile, isNoSpace, sweepOnce } from "./atomic-file.js";
import { etagFor } from "./conditional.js";
import { translatePath } from "./confine.js";
import { checkFileName, decideWrite, splitWritePath } from "./upload-rules.js";
import { quote } from "./url.js";

export { DEFAULT_MAX_UPLOAD } from "./upload-rules.js";

/** What the upload code needs of its handler (a SimpleHTTPRequestHandler). */
export interface UploadHandler {
  path: string;
  command: string | null;
  headers: HTTPMessage;
  directory: string;
  exclude_dotfiles: boolean;
  upload_overwrite: boolean;
  upload_mkdir: boolean;
  max_upload: number;
  send_response(code: number, message?: string | null): void;
  send_header(keyword: string, value: string | number): void;
  end_headers(): void;
  send_error(code: number, message?: string | null, explain?: string | null): void;
  log_message(format: string, ...args: unknown[]): void;
  iter_body(options?: { limit?: number }): AsyncGenerator<Buffer, void, undefined>;
  wfile: { write(data: Buffer): Promise<void> };
}

/** A refusal: status and a short reason (no internal error text). */
export class UploadRefused extends Error {
  override name = "UploadRefused";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The ETag a file's stats give (the same as GET sends). */
export function etagOfStats(st: Stats): string {
  return etagFor({ size: st.size, mtimeMs: st.mtimeMs });
}

/** 400 for a malformed name, 403 for one that is refused by policy. */
function nameStatus(problem: string): number {
  return /hidden|reserved/.test(problem) ? 403 : 400;
}

/** A directory checked for writing: its path under the root and its real path. */
export interface WriteDir {
  dir: string;
  realDir: string;
  /** The URL path of the directory, ending in `/`, percent-encoded. */
  url: string;
}

/**
 * Walks `dirs` below the served root (step 2 of the file comment), creating
 * missing directories when `create`.
 * @throws UploadRefused
 */
export async function resolveWriteDir(h: UploadHandler, dirs: readonly string[], create: boolean): Promise<WriteDir> {
  void sweepOnce(h.directory);
  let rootReal: string;
  try {
    rootReal = await realpath(h.directory);
  } catch {
    throw new UploadRefused(500, "the served directory is gone");
  }
  let dir = h.directory;
  for (const name of dirs) {
    dir = join(dir, name);
    let st = await lstat(dir).catch(() => null);
    if (st === null && create) {
      await mkdir(dir, 0o777).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "EEXIST") throw new UploadRefused(isNoSpace(e) ? 507 : 403, "cannot create the directory");
      });
      st = await lstat(dir).catch(() => null);
    }
    if (st === null) throw new UploadRefused(409, "the directory does not exist");
    if (st.isSymbolicLink()) throw new UploadRefused(403, "the path goes through a symbolic link");
    if (!st.isDirectory()) throw new UploadRefused(409, "a path component is not a directory");
  }
  const realDir = await realpath(dir).catch(() => null);
  if (realDir === null || realDir !== join(rootReal, ...dirs)) throw new UploadRefused(403, "the path leaves the served directory");
  const url = "/" + dirs.map((d) => quote(d, "") + "/").join("");
  return { dir, realDir, url };
}

/** The ETag of the regular file at `path`, `null` if there is none. @throws UploadRefused for anything else there. */
export async function currentEtag(path: string): Promise<string | null> {
  const st = await lstat(path).catch(() => null);
  if (st === null) return null;
  if (st.isSymbolicLink()) throw new UploadRefused(403, "refusing to replace a symbolic link");
  if (st.isDirectory()) throw new UploadRefused(409, "a directory has that name");
  if (!st.isFile()) throw new UploadRefused(409, "not a regular file");
  return etagOfStats(st);
}

/** Checks `Content-Length` against `max_upload` before reading (413 up front). */
export function checkDeclaredLength(h: UploadHandler): void {
  const declared = h.headers.get("Content-Length");
  if (declared !== undefined && Number(declared) > h.max_upload) {
    throw new UploadRefused(413, `the upload is larger than ${h.max_upload} bytes`);
  }
}

/** Sends a refusal or, for an unexpected error, rethrows it. */
export function answerFailure(h: UploadHandler, e: unknown): void {
  if (e instanceof UploadRefused) {
    h.send_error(e.status, null, e.message);
    return;
  }
  if (isNoSpace(e)) {
    h.send_error(507, null, "No space left on the server's disk; nothing was stored.");
    return;
  }
  const code = (e as { code?: unknown } | null)?.code;
  if (code === "EACCES" || code === "EPERM" || code === "EROFS" || code === "EXDEV_ROOT") {
    h.send_error(403, null, "The server may not write there.");
    return;
  }
  throw e;
}

/** A PUT target: where, and what the preconditions allow. */
export interface PutTarget {
  wd: WriteDir;
  name: string;
  finalPath: string;
  mode: "create" | "replace";
  expect: string | null;
}

/** Steps 1–3 for a PUT. @throws UploadRefused */
export async function preparePut(h: UploadHandler): Promise<PutTarget> {
  const split = splitWritePath(h.path, h.exclude_dotfiles);
  if ("problem" in split) throw new UploadRefused(nameStatus(split.problem), split.problem);
  if (split.name === "") throw new UploadRefused(409, "PUT needs a file name, not a directory");
  checkDeclaredLength(h);
  const wd = await resolveWriteDir(h, split.dirs, h.upload_mkdir);
  const finalPath = join(wd.dir, split.name);
  // The file server's own mapping must name the same file: an upload lands
  // exactly where a GET of the same URL reads (confine.ts).
  if (resolve(translatePath(h.path, h.directory)) !== resolve(finalPath)) throw new UploadRefused(400, "the path does not name one file");
  const current = await currentEtag(finalPath);
  const decision = decideWrite(current, h.headers.get("If-Match"), h.headers.get("If-None-Match"), h.upload_overwrite);
  if (decision.kind === "refuse") throw new UploadRefused(decision.status, decision.reason);
  return {
    wd,
    name: split.name,
    finalPath,
    // With overwrite and no precondition, a name created meanwhile is replaced too (the last rename wins).
    mode: decision.kind === "create" && !(h.upload_overwrite && h.headers.get("If-None-Match") === undefined) ? "create" : "replace",
    expect: decision.kind === "replace" ? decision.expect : null,
  };
}

/**
 * Commits a written file and sends 201 (new, with `Location`) or 204
 * (replaced), each with the new `ETag`; 412 when the name appeared or the
 * file changed in the meantime.
 */
export async function commitPut(h: UploadHandler, t: PutTarget, file: AtomicFile, extra: [string, string][] = []): Promise<void> {
  const result = await file.commit(t.finalPath, t.mode, t.expect, etagOfStats);
  if (result === "exists" || result === "changed") {
    h.send_error(412, null, result === "exists" ? "The file was created meanwhile; nothing was replaced." : "The file changed meanwhile; nothing was replaced.");
    return;
  }
  const st = await lstat(t.finalPath).catch(() => null);
  h.send_response(result === "created" ? 201 : 204);
  if (result === "created") h.send_header("Location", t.wd.url + quote(t.name, ""));
  if (st !== null) h.send_header("ETag", etagOfStats(st));
  for (const [k, v] of extra) h.send_header(k, v);
  if (result === "created") h.send_header("Content-Length", "0");
  h.end_headers();
}

/** `PUT /dir/name`: the body is the file. */
export async function handlePut(h: UploadHandler): Promise<void> {
  let target: PutTarget;
  try {
    target = await preparePut(h);
  } catch (e) {
    return answerFailure(h, e);
  }
  let file: AtomicFile | null = null;
  try {
    file = await AtomicFile.create(target.wd.dir, target.wd.realDir);
    for await (const chunk of h.iter_body({ limit: h.max_upload })) await file.write(chunk);
    await commitPut(h, target, file);
  } catch (e) {
    await file?.abort();
    return answerFailure(h, e);
  }
}

/** One file of a multipart POST. */
interface Part {
  name: string;
  stream: NodeJS.ReadableStream & { destroy(): void };
  file: AtomicFile | null;
  replace: boolean;
  done: Promise<void>;
}

/** `POST` of `multipart/form-data` to a directory: every file part is stored. */
export async function handlePost(h: UploadHandler): Promise<void> {
  const parts: Part[] = [];
  let failure: unknown = null;
  let wake: () => void = () => {};
  const fail = (e: unknown): void => {
    failure ??= e;
    wake();
  };
  try {
    const split = splitWritePath(h.path, h.exclude_dotfiles);
    if ("problem" in split) throw new UploadRefused(nameStatus(split.problem), split.problem);
    const dirs = split.name === "" ? split.dirs : [...split.dirs, split.name];
    const ctype = h.headers.get("Content-Type", "");
    if (!/^multipart\/form-data\s*;/i.test(ctype)) throw new UploadRefused(415, "POST an upload as multipart/form-data");
    checkDeclaredLength(h);
    const wd = await resolveWriteDir(h, dirs, false);
    // Loaded on the first form upload: the command starts without it.
    const { default: makeBusboy } = await import("busboy");
    let bb: busboy.Busboy;
    try {
      bb = makeBusboy({
        headers: { "content-type": ctype },
        preservePath: true,
        defParamCharset: "utf8",
        limits: { fieldSize: 64 * 1024, fields: 1000, files: 1000, parts: 2000, headerPairs: 100 },
      });
    } catch {
      throw new UploadRefused(400, "malformed multipart/form-data header");
    }
    const closed = new Promise<void>((resolve) => bb.once("close", resolve));
    bb.on("error", () => fail(new UploadRefused(400, "malformed multipart/form-data body")));
    bb.on("filesLimit", () => fail(new UploadRefused(413, "too many files in one request")));
    bb.on("file", (_field, stream, info) => {
      const name = info.filename;
      // An <input type=file> with nothing chosen sends a part with an empty filename.
      if (failure !== null || name === undefined || name === "") {
        stream.resume();
        return;
      }
      const problem = checkFileName(name, h.exclude_dotfiles);
      if (problem !== null) fail(new UploadRefused(nameStatus(problem), problem));
      else if (parts.some((p) => p.name === name)) fail(new UploadRefused(400, "the same file name twice"));
      if (failure !== null) {
        stream.resume();
        return;
      }
      const part: Part = { name, stream, file: null, replace: false, done: Promise.resolve() };
      parts.push(part);
      part.done = (async () => {
        try {
          const current = await currentEtag(join(wd.dir, name));
          if (current !== null && !h.upload_overwrite) throw new UploadRefused(409, `a file named ${JSON.stringify(name)} exists`);
          part.replace = current !== null;
          if (failure !== null) return;
          part.file = await AtomicFile.create(wd.dir, wd.realDir);
          for await (const chunk of stream) {
            if (failure !== null) break;
            await part.file.write(chunk as Buffer);
          }
        } catch (e) {
          fail(e);
        }
        if (failure !== null) stream.resume();
      })();
    });
    const failed = new Promise<void>((resolve) => (wake = resolve));
    for await (const chunk of h.iter_body({ limit: h.max_upload })) {
      if (failure !== null) break;
      if (!bb.write(chunk)) await Promise.race([new Promise((resolve) => bb.once("drain", resolve)), failed]);
      if (failure !== null) break;
    }
    if (failure === null) {
      bb.end();
      await Promise.race([closed, failed]);
      await Promise.all(parts.map((p) => p.done));
    }
    if (failure !== null) throw failure;
    if (parts.length === 0) throw new UploadRefused(400, "no file in the form");
    await answerPost(h, wd, parts);
  } catch (e) {
    // Stop every part still being written, wait for it, then remove its file.
    for (const p of parts) p.stream.destroy();
    await Promise.all(parts.map((p) => p.done));
    await Promise.all(parts.map((p) => p.file?.abort()));
    return answerFailure(h, e);
  }
}

/** Commits the files of a POST in order and describes the outcome in a small HTML page. */
async function answerPost(h: UploadHandler, wd: WriteDir, parts: Part[]): Promise<void> {
  const lines: string[] = [];
  let firstNew: string | null = null;
  let conflicts = 0;
  for (const p of parts) {
    const result = await p.file!.commit(join(wd.dir, p.name), p.replace ? "replace" : "create", null, etagOfStats);
    const href = wd.url + quote(p.name, "");
    if (result === "created") firstNew ??= href;
    if (result === "exists" || result === "changed") conflicts++;
    const what = result === "created" ? "stored" : result === "replaced" ? "replaced" : "not stored: the name was taken meanwhile";
    lines.push(`<li><a href="${escapeHtml(href)}">${escapeHtml(p.name)}</a> ${what}</li>`);
    h.log_message("upload %s: %s", what.split(":")[0], href);
  }
  const status = conflicts > 0 ? 409 : firstNew !== null ? 201 : 200;
  const body = Buffer.from(
    `<!DOCTYPE HTML>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Upload</title>\n</head>\n<body>\n<h1>Upload</h1>\n<ul>\n${lines.join("\n")}\n</ul>\n<p><a href="${escapeHtml(wd.url)}">Back to the folder</a></p>\n</body>\n</html>\n`,
    "utf8",
  );
  h.send_response(status);
  if (status === 201) h.send_header("Location", firstNew!);
  h.send_header("Content-Type", "text/html; charset=utf-8");
  h.send_header("Content-Length", String(body.length));
  h.end_headers();
  if (h.command !== "HEAD") await h.wfile.write(body);
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
}
