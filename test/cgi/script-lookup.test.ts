/**
 * `findScript()` and `isPythonScript()`: CPython's `run_cgi()` lookup and
 * `is_python()`, as pure functions, one row per case.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { findScript, isPythonScript } from "../../src/cgi/script-lookup.js";

test("findScript() table", () => {
  /** Directories that exist, as URL paths. */
  const dirs = new Set(["/cgi-bin/sub", "/cgi-bin/sub/deeper", "/cgi-bin/x.sh.d"]);
  const rows: { info: [string, string]; want: [dir: string, script: string, rest: string, query: string]; why: string }[] = [
    { info: ["/cgi-bin", "env.sh"], want: ["/cgi-bin", "env.sh", "", ""], why: "a script" },
    { info: ["/cgi-bin", "env.sh?a=1&b"], want: ["/cgi-bin", "env.sh", "", "a=1&b"], why: "with a query" },
    { info: ["/cgi-bin", "env.sh/a/b?q"], want: ["/cgi-bin", "env.sh", "/a/b", "q"], why: "PATH_INFO keeps its leading /" },
    { info: ["/cgi-bin", "sub/x.sh"], want: ["/cgi-bin/sub", "x.sh", "", ""], why: "a subdirectory holds the script" },
    { info: ["/cgi-bin", "sub/deeper/x.sh/p"], want: ["/cgi-bin/sub/deeper", "x.sh", "/p", ""], why: "the deepest existing directory" },
    { info: ["/cgi-bin", "nosuch/x.sh"], want: ["/cgi-bin", "nosuch", "/x.sh", ""], why: "a missing directory is the script's name" },
    { info: ["/cgi-bin", "x.sh?q=/a/b"], want: ["/cgi-bin", "x.sh", "", "q=/a/b"], why: "a / in the query is not PATH_INFO" },
    { info: ["/cgi-bin", ""], want: ["/cgi-bin", "", "", ""], why: "no script name" },
    { info: ["/cgi-bin", "a?b?c"], want: ["/cgi-bin", "a", "", "b?c"], why: "the first ? splits" },
  ];
  for (const row of rows) {
    const got = findScript(row.info, (p) => dirs.has(p));
    const [dir, script, rest, query] = row.want;
    assert.deepEqual(got, { dir, script, scriptname: dir + "/" + script, rest, query }, `${row.info.join(" + ")}: ${row.why}`);
  }
});

test("findScript() asks only about the prefixes of the path, deepest last", () => {
  const asked: string[] = [];
  findScript(["/cgi-bin", "a/b/c.sh/d"], (p) => {
    asked.push(p);
    return p !== "/cgi-bin/a/b/c.sh";
  });
  assert.deepEqual(asked, ["/cgi-bin/a", "/cgi-bin/a/b", "/cgi-bin/a/b/c.sh"]);
});

test("isPythonScript() is os.path.splitext's extension in .py/.pyw, any case", () => {
  const rows: [string, boolean][] = [
    ["/cgi-bin/a.py", true],
    ["/cgi-bin/a.PYW", true],
    ["/cgi-bin/a.py.sh", false],
    ["/cgi-bin/.py", false],
    ["/cgi-bin/..py", false],
    ["/cgi-bin/a.pyc", false],
    ["/cgi-bin.py/a", false],
    ["a.Py", true],
  ];
  for (const [path, want] of rows) assert.equal(isPythonScript(path), want, path);
});
