/**
 * Confinement to the served directory: every check that decides whether a
 * request may reach a file, for the file server and the CGI handler alike.
 * A request that fails any of them is answered as a missing file (404).
 *
 * Strategy: three independent checks, each a small function here.
 * 1. Lexical: `translatePath()`, a line-for-line port of CPython 3.14's
 *    `translate_path`, in its order:
 *    a. drop everything from the first `#`, then from the first `?`;
 *    b. `unquote()` (UTF-8, `surrogatepass`, falling back to `replace`);
 *    c. remember whether the decoded path ends in `/` (gh-61528 / Issue17324:
 *       `/file/` must not serve `file`);
 *    d. `posixpath.normpath`;
 *    e. split on `/` and keep only words that are a plain name: not empty,
 *       not `.` or `..`, and without a directory part (a word never contains
 *       `/` after the split, so on POSIX that last test is CPython's dead
 *       code, kept for fidelity);
 *    f. join the words onto `directory` with `posixpath.join`, then re-append
 *       the trailing `/` (as `./` when `directory` is empty and no word is
 *       left, where CPython's `/` would name the filesystem root).
 *    Why the result never leaves `directory`: after step e every word is a
 *    non-empty name other than `.`/`..` and without `/`, and `posixpath.join`
 *    of such a word only appends it, so the result is `directory` followed by
 *    plain names. Decoding happens exactly once, before the checks, so
 *    `%2e%2e` is checked as `..` and `%252e` stays the literal name `%2e`; a
 *    backslash is an ordinary character on POSIX. NUL: like CPython we keep
 *    `\0` (`%00`) in the name (CPython's `open()` then fails with
 *    `ValueError`); `containsNul()` lets the caller refuse such a path, as
 *    Node's `fs` would throw `ERR_INVALID_ARG_VALUE`.
 *    Whether one translated path lies below another (`isBelow()`) is decided
 *    name by name, never by a string prefix, so `/srv/www2` is not below
 *    `/srv/www`.
 * 2. Real path: symbolic links inside the directory can point anywhere, which
 *    no lexical rule sees. Unless `follow_symlinks` is set, a file is opened
 *    first and its real path read back from the open descriptor
 *    (`/proc/self/fd/N`), so a file swapped for a symlink between any check
 *    and the open is still caught; it must lie inside the real path of the
 *    directory (`isInside()`, again name by name, on bytes). What cannot be
 *    opened (a directory without read permission, a CGI script, which is
 *    executed rather than read) is checked by its path's real path.
 * 3. Hidden names (`exclude_dotfiles`): a name below the directory that
 *    starts with `.` (`/.git/config`, `/a/.env`) is refused.
 * Failed opens are not answered here: the error travels back to the caller,
 * which maps it with `toHttpError()` (`fs-errors.ts`).
 */

import { closeSync, constants, fstatSync, openSync, realpathSync, type Stats } from "node:fs";
import { readlinkBuffer } from "./fs-compat.js";
import { realpath } from "node:fs/promises";
import { NotServable } from "./fs-errors.js";
import { fsEncode, unquote } from "./url.js";

// ---- 1. lexical ------------------------------------------------------------------

/**
 * Python's `posixpath.normpath(path)`: collapse `//` and `.` segments and
 * resolve `..` lexically, keeping leading `..` of a relative path and dropping
 * `..` at the root. As POSIX allows, exactly two leading slashes are kept
 * (`//a` stays `//a`), while three or more become one. The empty string
 * becomes `.`.
 */
export function normpath(path: string): string {
  if (path === "") return ".";
  let initialSlashes = path.startsWith("/") ? 1 : 0;
  // POSIX allows one or two initial slashes, but treats three or more as one.
  if (initialSlashes && path.startsWith("//") && !path.startsWith("///")) initialSlashes = 2;
  const comps: string[] = [];
  for (const comp of path.split("/")) {
    if (comp === "" || comp === ".") continue;
    if (comp !== ".." || (!initialSlashes && comps.length === 0) || (comps.length > 0 && comps[comps.length - 1] === "..")) {
      comps.push(comp);
    } else if (comps.length > 0) {
      comps.pop();
    }
  }
  const joined = "/".repeat(initialSlashes) + comps.join("/");
  return joined || ".";
}

/** Python's `posixpath.join(a, b)` for two strings. */
function posixJoin(a: string, b: string): string {
  if (b.startsWith("/")) return b;
  if (a === "" || a.endsWith("/")) return a + b;
  return a + "/" + b;
}

/**
 * `SimpleHTTPRequestHandler.translate_path(path)` with `self.directory` given
 * as `directory`: the request path (`self.path`, query and fragment included)
 * to a file name under `directory`, in CPython 3.14's steps (see step 1 of the
 * file comment). The result is always `directory` followed by zero or more plain
 * names joined with `/`, plus a trailing `/` when the decoded request path
 * ended with one; it never contains a `.` or `..` segment it did not get from
 * `directory`.
 *
 * Differs from CPython: with an empty `directory` (which CPython treats as
 * the current directory) a path with no names and a trailing slash, such as
 * `/`, gives `./`; CPython gives `/`, the filesystem root.
 *
 * @param path the request target as received, e.g. `/a%20b/?q=1#top`.
 * @param directory the served directory, used as given (not resolved); an
 *   empty string means the current directory and gives relative results.
 */
export function translatePath(path: string, directory: string): string {
  if (directory !== memoDirectory) {
    memoDirectory = directory;
    memo.clear();
  }
  let result = memo.get(path);
  if (result === undefined) {
    result = translateUncached(path, directory);
    if (path.length <= MEMO_PATH_LENGTH) {
      if (memo.size >= MEMO_ENTRIES) memo.clear();
      memo.set(path, result);
    }
  }
  return result;
}

/**
 * `translatePath()`'s recent answers, for one directory: a site asks for the
 * same few paths again and again, and the answer depends on nothing else.
 * Bounded in entries and in the length of a path kept.
 */
const memo = new Map<string, string>();
let memoDirectory: string | null = null;
const MEMO_ENTRIES = 1024;
const MEMO_PATH_LENGTH = 512;

function translateUncached(path: string, directory: string): string {
  // abandon query parameters
  let p = path;
  const hash = p.indexOf("#");
  if (hash >= 0) p = p.slice(0, hash);
  const question = p.indexOf("?");
  if (question >= 0) p = p.slice(0, question);
  // Don't forget explicit trailing slash when normalizing. Issue17324
  p = unquote(p);
  const trailingSlash = p.endsWith("/");
  p = normpath(p);
  let result = directory;
  for (const word of p.split("/")) {
    // Ignore components that are not a simple file/directory name
    // (CPython: `os.path.dirname(word) or word in (os.curdir, os.pardir)`).
    if (word === "" || word === "." || word === ".." || word.includes("/")) continue;
    result = posixJoin(result, word);
  }
  // CPython appends the slash unconditionally, so with `directory == ''`
  // the path `/` becomes `/`, the filesystem root; `./` keeps it relative.
  if (trailingSlash) result = result === "" ? "./" : result + "/";
  return result;
}

/**
 * True if `p` contains a NUL character, which no POSIX file name can hold.
 * CPython lets such a path reach `open()`, which raises `ValueError`; a caller
 * should answer 404 instead (and must not hand it to `fs`, which throws).
 */
export function containsNul(p: string): boolean {
  return p.includes("\0");
}

/**
 * The names of `child` below `parent`, or `null` when `child` is not
 * `parent` or below it. Both are `/`-separated paths as `translatePath()`
 * gives them (absolute, or relative to the same directory); they are compared
 * name by name, with empty and `.` names skipped, so `/srv/www2` is not below
 * `/srv/www` and `/srv/www/` is `/srv/www`.
 */
export function namesBelow(child: string, parent: string): string[] | null {
  if (child.startsWith("/") !== parent.startsWith("/")) return null;
  const names = (p: string): string[] => p.split("/").filter((n) => n !== "" && n !== ".");
  const c = names(child);
  const p = names(parent);
  if (c.length < p.length) return null;
  for (let i = 0; i < p.length; i++) if (c[i] !== p[i]) return null;
  return c.slice(p.length);
}

/** Whether `child` lies strictly below `parent`, name by name (see `namesBelow()`). */
export function isBelow(child: string, parent: string): boolean {
  const below = namesBelow(child, parent);
  return below !== null && below.length > 0;
}

// ---- 3. hidden names (exclude_dotfiles) -------------------------------------------

/**
 * Whether `translated` (a `translatePath()` result for `directory`) names,
 * below `directory`, a file or directory whose name starts with `.`. Its
 * names are never `.` or `..`: `translatePath()` drops those. A path that is
 * not below `directory` at all (which `translatePath()` never gives) counts
 * as hidden.
 */
export function hasHiddenName(translated: string, directory: string): boolean {
  const below = namesBelow(translated, directory);
  return below === null || below.some((name) => name.startsWith("."));
}

// ---- 2. real paths (after opening) -----------------------------------------------

/**
 * Whether `child` is `parent` or lies below it: both absolute real paths, as
 * bytes (a file name need not be UTF-8). Name by name: `parent` followed by
 * `/` or the end, so the sibling `/srv/www2` is not inside `/srv/www`.
 */
export function isInside(child: Buffer, parent: Buffer): boolean {
  const n = parent.length > 1 && parent[parent.length - 1] === 0x2f ? parent.length - 1 : parent.length;
  if (n === 1 && parent[0] === 0x2f) return child[0] === 0x2f; // everything is inside "/"
  if (child.length < n || !child.subarray(0, n).equals(parent.subarray(0, n))) return false;
  return child.length === n || child[n] === 0x2f;
}

/** An open file and what `fstat()` said of it. */
export interface Opened {
  /** The descriptor, which the caller must close; -1 for a directory that could not be opened. */
  fd: number;
  stats: Stats;
}

/** Why an open failed: the file-system error, or `NotServable`. Map it with `toHttpError()`. */
export interface OpenFailed {
  error: unknown;
}

/** Releases a descriptor (-1: none). */
export function closeFile(fd: number): void {
  if (fd === -1) return;
  try {
    closeSync(fd);
  } catch {
    // Nothing to do about a failed close of a read-only descriptor.
  }
}

/**
 * The real path of the file open on `fd`, read back from the descriptor
 * itself (Linux's `/proc/self/fd`), so it is the file actually opened even
 * if the name was swapped for a symlink meanwhile. Without `/proc`, the real
 * path of `fsPath`, checked just after opening.
 */
function realPathOf(fd: number, fsPath: Buffer): Buffer {
  try {
    return readlinkBuffer(`/proc/self/fd/${fd}`); // a Buffer on Deno too (fs-compat.ts)
  } catch {
    return realpathSync(fsPath, { encoding: "buffer" });
  }
}

/**
 * Opens `path` read-only, synchronously, and checks where it really is.
 *
 * Not blocking on a FIFO (`O_NONBLOCK`). Synchronous because on a local file
 * system an open is a few microseconds, while a trip through libuv's thread
 * pool costs tens in context switches; nginx opens and stats files in its
 * event loop the same way. Lone surrogates U+DC80–U+DCFF stand for the bytes
 * of a name that is not UTF-8 (Python's surrogateescape): the file is opened
 * by bytes, as CPython does.
 *
 * @param root the real path of the served directory, or `null` to follow
 *   symlinks anywhere (`follow_symlinks`).
 * @returns the descriptor and its stats, or why it failed: the open's own
 *   error, or `NotServable` when the path cannot name a file or its real path
 *   lies outside `root`.
 */
export async function openConfined(path: string, root: (() => Promise<Buffer>) | null): Promise<Opened | OpenFailed> {
  const fsPath = containsNul(path) ? null : fsEncode(path);
  if (fsPath === null) return { error: new NotServable("the path cannot name a file") };
  let fd: number;
  try {
    fd = openSync(fsPath, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return { error };
  }
  try {
    const stats = fstatSync(fd);
    if (root === null || isInside(realPathOf(fd, fsPath), await root())) return { fd, stats };
  } catch {
    // The directory itself is gone, or the descriptor could not be examined.
  }
  closeFile(fd);
  return { error: new NotServable("outside the served directory") };
}

/**
 * Whether the real path of `path` (which exists) lies inside `root`: for what
 * is not opened before it is used, a directory that cannot be read or a CGI
 * script. `false` when either real path cannot be resolved.
 */
export async function realPathInside(path: string, root: () => Promise<Buffer>): Promise<boolean> {
  const fsPath = containsNul(path) ? null : fsEncode(path);
  if (fsPath === null) return false;
  try {
    const [real, top] = await Promise.all([realpath(fsPath, { encoding: "buffer" }), root()]);
    return isInside(real, top);
  } catch {
    return false;
  }
}

/** `realPathInside()`, synchronously, with the served directory given by its path. */
export function realPathInsideSync(path: string, directory: string): boolean {
  const fsPath = containsNul(path) ? null : fsEncode(path);
  if (fsPath === null) return false;
  try {
    return isInside(realpathSync(fsPath, { encoding: "buffer" }), realpathSync(directory, { encoding: "buffer" }));
  } catch {
    return false;
  }
}

/** The real path of `directory`, as bytes (rejects if it is gone). */
export function rootRealPath(directory: string): Promise<Buffer> {
  return realpath(directory, { encoding: "buffer" });
}
