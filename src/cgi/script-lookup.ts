/**
 * Which script a CGI request names, and what follows it: CPython's
 * `run_cgi()` lookup as a pure function (the file system is asked only
 * through the `isDirectory` callback), so its cases are tested directly.
 *
 * Strategy: CPython 3.14's steps, in its order, on `cgi_info` (the script
 * directory and the rest of the collapsed path after it):
 *   1. the deepest existing directory holds the script: `/cgi-bin/sub/x.sh`
 *      is `x.sh` in `/cgi-bin/sub` when that is a directory;
 *   2. an explicit query string (from the first `?` of the rest) is split off;
 *   3. the script's name is the rest up to the first `/`; what follows it,
 *      slash included, is `PATH_INFO`.
 */

/** A script request resolved to its parts. */
export interface ScriptRequest {
  /** The URL directory holding the script, e.g. `/cgi-bin/sub`. */
  dir: string;
  /** The script's file name, e.g. `x.sh`. */
  script: string;
  /** `dir + "/" + script`: the script's URL path (`SCRIPT_NAME`). */
  scriptname: string;
  /** What follows the script's name (`PATH_INFO`), `""` or starting with `/`. */
  rest: string;
  /** The query string without its `?` (`QUERY_STRING`), `""` if none. */
  query: string;
}

/**
 * Resolves `cgi_info` to the script and its `PATH_INFO` and query, as
 * CPython's `run_cgi()` does before it looks at the script file.
 *
 * @param cgiInfo `[dir, rest]` as `is_cgi()` set it.
 * @param isDirectory whether a URL path (e.g. `/cgi-bin/sub`) is an existing
 *   directory; the handler answers it with `translate_path()` and `stat()`.
 */
export function findScript(cgiInfo: readonly [dir: string, rest: string], isDirectory: (urlPath: string) => boolean): ScriptRequest {
  let [dir, rest] = cgiInfo;
  const path = dir + "/" + rest;
  // 1. The deepest existing directory holds the script.
  let i = path.indexOf("/", dir.length + 1);
  while (i >= 0) {
    const nextdir = path.slice(0, i);
    const nextrest = path.slice(i + 1);
    if (!isDirectory(nextdir)) break;
    dir = nextdir;
    rest = nextrest;
    i = path.indexOf("/", dir.length + 1);
  }
  // 2. An explicit query string, if present.
  const q = rest.indexOf("?");
  const query = q === -1 ? "" : rest.slice(q + 1);
  if (q !== -1) rest = rest.slice(0, q);
  // 3. The script's name, then what follows it: PATH_INFO.
  const slash = rest.indexOf("/");
  const script = slash === -1 ? rest : rest.slice(0, slash);
  rest = slash === -1 ? "" : rest.slice(slash);
  return { dir, script, scriptname: dir + "/" + script, rest, query };
}

/**
 * Whether `path` is a Python script: its extension (as `os.path.splitext`
 * finds it, leading dots not starting one) is `.py` or `.pyw`, any case.
 */
export function isPythonScript(path: string): boolean {
  const slash = path.lastIndexOf("/");
  const base = path.slice(slash + 1);
  const dot = base.lastIndexOf(".");
  if (dot <= 0 || /^\.+$/.test(base.slice(0, dot + 1))) return false;
  const ext = base.slice(dot).toLowerCase();
  return ext === ".py" || ext === ".pyw";
}
