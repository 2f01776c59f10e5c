/**
 * CPython's `_url_collapse_path`: the URL path that `is_cgi()` tests against
 * `cgi_directories`, with `.`, `..` and empty segments collapsed, so that
 * `/cgi-bin/../cgi-bin/x`, `/./cgi-bin/x`, `//cgi-bin/x` and their
 * percent-encoded forms (`%2e%2e`, `%2f`) are all seen as `/cgi-bin/x`.
 *
 * Strategy: a line-for-line port of CPython 3.14 (unchanged since 3.2):
 * 1. split off the query at the first `?` (it is kept and re-attached);
 * 2. percent-decode the path once (`urllib.parse.unquote`, UTF-8 with
 *    `errors="replace"`), so an encoded `/` or `.` counts as a real one;
 * 3. walk the segments but the last: `..` pops, empty and `.` are dropped;
 * 4. the last segment: `..` pops and leaves an empty tail, `.` leaves an
 *    empty tail;
 * 5. rebuild `"/" + head` and the tail joined by `/`, plus `?query`.
 * A `..` with nothing left to pop is CPython's `IndexError`; here it throws
 * {@link PathAboveRootError}, and the handler refuses the request.
 *
 * The result always starts with `/`. It is only ever used to decide whether a
 * request names a script and to split it into directory and rest; the file
 * name itself still comes from `translate_path()`.
 */

/** A `..` would climb above the root: CPython raises `IndexError` here. */
export class PathAboveRootError extends Error {
  override name = "PathAboveRootError";
  readonly code = "ERR_PATH_ABOVE_ROOT";
  constructor() {
    super("the path climbs above the root with '..'");
  }
}

const ESCAPE_RUN = /(?:%[0-9a-fA-F]{2})+/g;

/**
 * `urllib.parse.unquote(s)` with its defaults (UTF-8, `errors="replace"`):
 * each run of `%XX` escapes becomes its bytes decoded as UTF-8, invalid
 * sequences as U+FFFD (one per maximal invalid subpart, as Python and the
 * WHATWG decoder both do); a `%` not followed by two hex digits stays literal.
 * Splitting at literal characters gives the same text as Python's ASCII runs,
 * because a literal ASCII character can never continue a multi-byte sequence.
 */
export function unquoteReplace(s: string): string {
  if (!s.includes("%")) return s;
  return s.replace(ESCAPE_RUN, (run) => Buffer.from(run.replace(/%/g, ""), "hex").toString("utf8"));
}

/**
 * CPython's `_url_collapse_path(path)`: removes extra `/`s and `.` segments
 * and collapses `..` (RFC 2396 §5.2 step 6, for URL paths); the query, if
 * any, is kept after a `?`.
 * @returns the collapsed path; it always starts with `/`.
 * @throws PathAboveRootError when a `..` has no segment before it to remove.
 */
export function collapsePath(path: string): string {
  // Query component should not be involved.
  const q = path.indexOf("?");
  const query = q === -1 ? "" : path.slice(q + 1);
  const decoded = unquoteReplace(q === -1 ? path : path.slice(0, q));

  const pathParts = decoded.split("/");
  const headParts: string[] = [];
  for (const part of pathParts.slice(0, -1)) {
    if (part === "..") {
      if (headParts.pop() === undefined) throw new PathAboveRootError();
    } else if (part !== "" && part !== ".") {
      headParts.push(part);
    }
  }
  // split() always yields at least one part, so CPython's `else` branch
  // (no parts at all) cannot happen.
  let tailPart = pathParts[pathParts.length - 1]!;
  if (tailPart === "..") {
    if (headParts.pop() === undefined) throw new PathAboveRootError();
    tailPart = "";
  } else if (tailPart === ".") {
    tailPart = "";
  }
  if (query !== "") tailPart = tailPart + "?" + query;
  return "/" + headParts.join("/") + "/" + tailPart;
}
