/**
 * The `Location` of a redirect the server builds from a request target (the
 * file server's 301 to a directory's slash form), made so that no browser can
 * resolve it to another host.
 *
 * Strategy: the target is split as CPython's `urllib.parse.urlsplit` splits
 * it (scheme and authority of an absolute-form target, path, query,
 * fragment). An absolute-form target keeps its scheme and authority, as
 * CPython's test for gh-87389 expects: the client named that host itself.
 * Otherwise the path is made path-absolute with one leading `/`: any run of
 * leading `/` and `\` (browsers read `/\host` as `//host`) and of their
 * percent-encodings (`%2f`, `%5c`, which proxies may decode) is collapsed
 * into one `/`, and a path that does not start with `/` (`https:host`,
 * `sub`) gets one. What follows the first `/` then never starts an
 * authority, so the Location names a path on this server.
 */

/** The parts of a request target a redirect is built from. */
export interface TargetParts {
  /** `scheme://authority` of an absolute-form target, else `""`. */
  readonly origin: string;
  readonly path: string;
  readonly query: string;
  readonly fragment: string;
}

const ABSOLUTE = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/;
/** A leading run of slashes, backslashes and their percent-encodings. */
const LEADING_SEPARATORS = /^(?:[/\\]|%2f|%5c)+/i;

/** `urlsplit(target)`: scheme+authority (absolute-form only), path, query, fragment. */
export function splitTarget(target: string): TargetParts {
  let rest = target;
  let fragment = "";
  let query = "";
  const hash = rest.indexOf("#");
  if (hash !== -1) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  const q = rest.indexOf("?");
  if (q !== -1) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const abs = ABSOLUTE.exec(rest);
  if (abs !== null) return { origin: abs[0], path: rest.slice(abs[0].length), query, fragment };
  return { origin: "", path: rest, query, fragment };
}

/** `path` as a path on this server: exactly one leading `/`, never `//` or `/\`. */
export function sameSitePath(path: string): string {
  const m = LEADING_SEPARATORS.exec(path);
  return "/" + (m === null ? path : path.slice(m[0].length));
}

/**
 * The `Location` for the 301 from a directory to its slash form, or `null`
 * when the target's path already ends with a slash (`/` or `%2f`).
 */
export function directoryLocation(target: string): string | null {
  const parts = splitTarget(target);
  const p = parts.path;
  if (p.endsWith("/") || p.endsWith("%2f") || p.endsWith("%2F")) return null;
  // After an authority the path is empty or starts with "/" (the pattern stops there).
  let location = parts.origin !== "" ? parts.origin + p + "/" : sameSitePath(p + "/");
  if (parts.query !== "") location += "?" + parts.query;
  if (parts.fragment !== "") location += "#" + parts.fragment;
  return location;
}
