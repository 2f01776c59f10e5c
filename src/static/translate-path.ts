/**
 * `SimpleHTTPRequestHandler.translate_path`: from the request path to a file
 * name under the served directory. This is the function that decides whether
 * a request can reach outside the directory, so it is pure and tested against
 * a hostile table and against CPython itself.
 *
 * Strategy: a line-for-line port of CPython 3.14, in its order:
 * 1. drop everything from the first `#`, then from the first `?`;
 * 2. `unquote()` (UTF-8, `surrogatepass`, falling back to `replace`);
 * 3. remember whether the decoded path ends in `/` (gh-61528 / Issue17324:
 *    `/file/` must not serve `file`);
 * 4. `posixpath.normpath`;
 * 5. split on `/` and keep only words that are a plain name: not empty, not
 *    `.` or `..`, and without a directory part (a word never contains `/`
 *    after the split, so on POSIX that last test is CPython's dead code,
 *    kept for fidelity);
 * 6. join the words onto `directory` with `posixpath.join`, then re-append
 *    the trailing `/` (as `./` when `directory` is empty and no word is
 *    left, where CPython's `/` would name the filesystem root).
 *
 * Why the result never leaves `directory`: after step 5 every word is a
 * non-empty name other than `.`/`..` and without `/`, and `posixpath.join`
 * of such a word only appends it, so the result is `directory` followed by
 * plain names. Decoding happens exactly once, before the checks, so `%2e%2e`
 * is checked as `..` and `%252e` stays the literal name `%2e`; a backslash is
 * an ordinary character on POSIX. Symbolic links inside the directory can
 * still point anywhere: that is the caller's check, not a lexical one.
 *
 * NUL: like CPython we keep `\0` (`%00`) in the name; CPython's `open()` then
 * fails with `ValueError`. `containsNul()` lets the caller refuse such a path
 * (Node's `fs` would throw `ERR_INVALID_ARG_VALUE`).
 */

import { unquote } from "./url.js";

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
 * to a file name under `directory`, in CPython 3.14's steps (see the file
 * comment). The result is always `directory` followed by zero or more plain
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
