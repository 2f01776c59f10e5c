/**
 * Tests of `parseArgs()`: one table of argument lists and what CPython 3.14's
 * `http.server` parser makes of them, then the same rows side by side with
 * Python's real `argparse` (the machine's `python3`, given the 3.14 parser's
 * definition) for every row that does not involve our additions.
 */

import { spawnSync } from "node:child_process";
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULTS, HELP, OPTIONS, USAGE, parseArgs, parsePyInt, type CliOptions, type ParseResult } from "../../src/cli/args.js";

interface Row {
  argv: string[];
  /** The options that differ from the defaults, `"help"`, `"version"`, or an error message. */
  want: Partial<CliOptions> | "help" | "version" | { error: string };
  /** `false` when the row depends on our checks or options, which CPython's parser lacks. */
  py?: false;
}

const ROWS: Row[] = [
  // Defaults and the positional port.
  { argv: [], want: {} },
  { argv: ["8080"], want: { port: 8080 } },
  { argv: ["0"], want: { port: 0 } },
  { argv: [" 80 "], want: { port: 80 } },
  { argv: ["+80"], want: { port: 80 } },
  { argv: ["1_000"], want: { port: 1000 } },
  { argv: ["0080"], want: { port: 80 } },
  { argv: ["abc"], want: { error: "argument port: invalid int value: 'abc'" } },
  { argv: ["0x10"], want: { error: "argument port: invalid int value: '0x10'" } },
  { argv: ["80.0"], want: { error: "argument port: invalid int value: '80.0'" } },
  { argv: [""], want: { error: "argument port: invalid int value: ''" } },
  { argv: ["1__0"], want: { error: "argument port: invalid int value: '1__0'" } },
  { argv: ["it's"], want: { error: `argument port: invalid int value: "it's"` } },
  { argv: ["80", "90"], want: { error: "unrecognized arguments: 90" } },
  { argv: ["80", "90", "-x"], want: { error: "unrecognized arguments: 90 -x" } },
  { argv: ["-x", "80", "90"], want: { error: "unrecognized arguments: -x 90" } },
  { argv: ["-1.5"], want: { error: "argument port: invalid int value: '-1.5'" } },
  // Options, in every spelling argparse accepts.
  { argv: ["-b", "127.0.0.1"], want: { bind: "127.0.0.1" } },
  { argv: ["-b127.0.0.1"], want: { bind: "127.0.0.1" } },
  { argv: ["-b=127.0.0.1"], want: { bind: "127.0.0.1" } },
  { argv: ["--bind", "::1"], want: { bind: "::1" } },
  { argv: ["--bind=::1"], want: { bind: "::1" } },
  { argv: ["--bi", "::1"], want: { bind: "::1" } },
  { argv: ["--b=::1"], want: { bind: "::1" } },
  { argv: ["-b", "-1"], want: { bind: "-1" } },
  { argv: ["-b", "a b"], want: { bind: "a b" } },
  { argv: ["-b", "-"], want: { bind: "-" } },
  { argv: ["-b", ""], want: { bind: "" } },
  { argv: ["-b", "x", "-b", "y"], want: { bind: "y" } },
  { argv: ["-d", "/srv"], want: { directory: "/srv" } },
  { argv: ["--dir", "public", "9000"], want: { directory: "public", port: 9000 } },
  { argv: ["9000", "--directory=public"], want: { directory: "public", port: 9000 } },
  { argv: ["-p", "HTTP/1.1"], want: { protocol: "HTTP/1.1" } },
  { argv: ["--protocol=HTTP/1.1"], want: { protocol: "HTTP/1.1" } },
  { argv: ["--prot", "HTTP/1.1"], want: { protocol: "HTTP/1.1" } },
  { argv: ["--cgi"], want: { cgi: true } },
  // 3.15's --content-type (and our --cors, --compress) make "--c" ambiguous, as it is in 3.15.
  { argv: ["--c"], want: { error: "ambiguous option: --c could match --cgi, --content-type, --cors, --compress" }, py: false },
  { argv: ["--cg"], want: { cgi: true } },
  { argv: ["--cgi", "--cgi"], want: { cgi: true } },
  { argv: ["--tls-cert", "c.pem", "--tls-key", "k.pem"], want: { tls_cert: "c.pem", tls_key: "k.pem" } },
  { argv: ["--tls-cert=c.pem", "--tls-password-file", "pw"], want: { tls_cert: "c.pem", tls_password_file: "pw" } },
  { argv: ["--tls-c", "c.pem"], want: { tls_cert: "c.pem" } },
  { argv: ["--follow-symlinks"], want: { follow_symlinks: true }, py: false },
  { argv: ["--fol"], want: { follow_symlinks: true }, py: false },
  { argv: ["--exclude-dotfiles"], want: { exclude_dotfiles: true }, py: false },
  { argv: ["--ex"], want: { exclude_dotfiles: true }, py: false },
  // "--" ends the options.
  { argv: ["--", "8001"], want: { port: 8001 } },
  { argv: ["--", "-5"], want: { error: "argument port: -5 is not in the range 0-65535" }, py: false },
  { argv: ["8000", "--", "9"], want: { error: "unrecognized arguments: 9" } },
  { argv: ["--", "--cgi"], want: { error: "argument port: invalid int value: '--cgi'" } },
  // Help wins over what follows it, not over what comes before.
  { argv: ["-h"], want: "help" },
  { argv: ["--help"], want: "help" },
  { argv: ["--he"], want: { error: "ambiguous option: --he could match --help, --header" }, py: false },
  { argv: ["--hel"], want: "help" },
  { argv: ["--help", "abc"], want: "help" },
  // Issue #14: CPython 3.15's -H/--header (gh-135056) and --content-type (gh-113471), then ours.
  { argv: ["-H", "Cache-Control: no-cache"], want: { header: [["Cache-Control", "no-cache"]] }, py: false },
  { argv: ["-H", "X-A:1", "--header=X-B:  two words  "], want: { header: [["X-A", "1"], ["X-B", "two words"]] }, py: false },
  { argv: ["-HX-A: 1"], want: { header: [["X-A", "1"]] }, py: false },
  { argv: ["-H", "X-Empty:"], want: { header: [["X-Empty", ""]] }, py: false },
  { argv: ["-H", "X-A", "1", "8080"], want: { header: [["X-A", "1"]], port: 8080 }, py: false }, // CPython's two-argument form
  { argv: ["-H", "X-A: 1", "8080"], want: { header: [["X-A", "1"]], port: 8080 }, py: false },
  { argv: ["-H", "X-A"], want: { error: "argument -H/--header: expected 'Name: value', got 'X-A'" }, py: false },
  { argv: ["-H"], want: { error: "argument -H/--header: expected one argument" }, py: false },
  { argv: ["-H", "Bad Name: v"], want: { error: "argument -H/--header: invalid header name: 'Bad Name'" }, py: false },
  { argv: ["-H", ": v"], want: { error: "argument -H/--header: invalid header name: ''" }, py: false },
  { argv: ["-H", "X-A: a\r\nSet-Cookie: x"], want: { error: "argument -H/--header: invalid value for header X-A: 'a\\r\\nSet-Cookie: x'" }, py: false },
  { argv: ["-H", "X-A: a\nb"], want: { error: "argument -H/--header: invalid value for header X-A: 'a\\nb'" }, py: false },
  { argv: ["-H", "Content-Length: 5"], want: { error: "argument -H/--header: header Content-Length is set by the server and cannot be given" }, py: false },
  { argv: ["-H", "connection: close"], want: { error: "argument -H/--header: header connection is set by the server and cannot be given" }, py: false },
  { argv: ["--content-type", "text/plain"], want: { content_type: "text/plain" }, py: false },
  { argv: ["--content-type=text/plain; charset=latin-1"], want: { content_type: "text/plain; charset=latin-1" }, py: false },
  {
    argv: ["--content-type", "text"],
    want: { error: "argument --content-type: invalid media type: 'text' (expected type/subtype, such as text/plain)" },
    py: false,
  },
  {
    argv: ["--content-type", "text/html\r\nX: y"],
    want: { error: "argument --content-type: invalid media type: 'text/html\\r\\nX: y' (expected type/subtype, such as text/plain)" },
    py: false,
  },
  { argv: ["--cors"], want: { cors: true }, py: false },
  { argv: ["--spa"], want: { spa: "index.html" }, py: false },
  { argv: ["--spa", "app.html"], want: { spa: "app.html" }, py: false },
  { argv: ["--spa=dist/app.html", "9000"], want: { spa: "dist/app.html", port: 9000 }, py: false },
  { argv: ["--spa", "9000"], want: { spa: "index.html", port: 9000 }, py: false }, // a number stays the port
  { argv: ["--spa", "--cors"], want: { spa: "index.html", cors: true }, py: false },
  { argv: ["--spa", "../index.html"], want: { error: "argument --spa: '../index.html' must be a file inside the served directory (a relative path without '..')" }, py: false },
  { argv: ["--spa=/etc/passwd"], want: { error: "argument --spa: '/etc/passwd' must be a file inside the served directory (a relative path without '..')" }, py: false },
  { argv: ["--not-found", "404.html"], want: { not_found: "404.html" }, py: false },
  { argv: ["--not-found", "a/../../x"], want: { error: "argument --not-found: 'a/../../x' must be a file inside the served directory (a relative path without '..')" }, py: false },
  { argv: ["--not-found"], want: { error: "argument --not-found: expected one argument" }, py: false },
  { argv: ["--precompressed", "--compress"], want: { precompressed: true, compress: true }, py: false },
  { argv: ["--compress=yes"], want: { error: "argument --compress: ignored explicit argument 'yes'" }, py: false },
  { argv: ["-q"], want: { quiet: true }, py: false },
  { argv: ["--quiet", "-q"], want: { quiet: true }, py: false },
  { argv: ["-qH", "X: 1"], want: { quiet: true, header: [["X", "1"]] }, py: false },
  { argv: ["--version"], want: "version", py: false },
  { argv: ["--vers", "--bogus"], want: "version", py: false },
  { argv: ["-x", "--help"], want: "help" },
  { argv: ["--help", "-b"], want: "help" },
  { argv: ["abc", "--help"], want: { error: "argument port: invalid int value: 'abc'" } },
  { argv: ["-b", "--help"], want: { error: "argument -b/--bind: expected one argument" } },
  { argv: ["-hb"], want: { error: "argument -b/--bind: expected one argument" } },
  { argv: ["-hb", "x"], want: "help" },
  { argv: ["--help=x"], want: { error: "argument -h/--help: ignored explicit argument 'x'" } },
  // Option errors.
  { argv: ["-b"], want: { error: "argument -b/--bind: expected one argument" } },
  { argv: ["--directory"], want: { error: "argument -d/--directory: expected one argument" } },
  { argv: ["-p", "-x"], want: { error: "argument -p/--protocol: expected one argument" } },
  { argv: ["-d", "--"], want: { error: "argument -d/--directory: expected one argument" } },
  { argv: ["--cgi=yes"], want: { error: "argument --cgi: ignored explicit argument 'yes'" } },
  { argv: ["-x"], want: { error: "unrecognized arguments: -x" } },
  { argv: ["--bogus=1"], want: { error: "unrecognized arguments: --bogus=1" } },
  { argv: ["-t"], want: { error: "unrecognized arguments: -t" } },
  { argv: ["--t"], want: { error: "ambiguous option: --t could match --tls-cert, --tls-key, --tls-password-file" } },
  { argv: ["--tls=x"], want: { error: "ambiguous option: --tls=x could match --tls-cert, --tls-key, --tls-password-file" } },
  { argv: ["--help", "--tls"], want: { error: "ambiguous option: --tls could match --tls-cert, --tls-key, --tls-password-file" } },
  // CPython's checks after parsing.
  { argv: ["--tls-key", "k.pem"], want: { error: "--tls-key requires --tls-cert to be set" } },
  { argv: ["--tls-password-file", "pw"], want: { error: "--tls-password-file requires --tls-cert to be set" } },
  { argv: ["--tls-key", "k.pem", "--tls-password-file", "pw"], want: { error: "--tls-key requires --tls-cert to be set" } },
  // Ours: CPython would fail later (a traceback from bind(), an unparseable status line).
  { argv: ["65535"], want: { port: 65535 } },
  { argv: ["65536"], want: { error: "argument port: 65536 is not in the range 0-65535" }, py: false },
  { argv: ["-1"], want: { error: "argument port: -1 is not in the range 0-65535" }, py: false },
  { argv: ["99999999999999999999"], want: { error: "argument port: 99999999999999999999 is not in the range 0-65535" }, py: false },
  { argv: ["+8_0000"], want: { error: "argument port: +8_0000 is not in the range 0-65535" }, py: false },
  { argv: ["-p", "HTTP/0.9"], want: { protocol: "HTTP/0.9" } },
  {
    argv: ["-p", "HTTP/2"],
    want: { error: "argument -p/--protocol: invalid version: 'HTTP/2' (expected HTTP/<major>.<minor>, such as HTTP/1.1)" },
    py: false,
  },
  {
    argv: ["-p", "http/1.1"],
    want: { error: "argument -p/--protocol: invalid version: 'http/1.1' (expected HTTP/<major>.<minor>, such as HTTP/1.1)" },
    py: false,
  },
  {
    argv: ["-p", "HTTP/1.1\r\nX: y"],
    want: { error: "argument -p/--protocol: invalid version: 'HTTP/1.1\\r\\nX: y' (expected HTTP/<major>.<minor>, such as HTTP/1.1)" },
    py: false,
  },
];

function expected(row: Row): ParseResult {
  if (row.want === "help") return { kind: "help" };
  if (row.want === "version") return { kind: "version" };
  if ("error" in row.want) return { kind: "error", message: row.want.error as string };
  return { kind: "run", options: { ...DEFAULTS, ...row.want } };
}

test("parseArgs() reads each argument list as CPython 3.14's parser does", () => {
  for (const row of ROWS) {
    assert.deepEqual(parseArgs(row.argv), expected(row), `argv ${JSON.stringify(row.argv)}`);
  }
});

test("parsePyInt() accepts what Python's int() accepts in base 10", () => {
  const rows: [string, number | null][] = [
    ["0", 0],
    ["-0", 0],
    ["\t42\n", 42],
    ["-7", -7],
    ["1_2_3", 123],
    ["_1", null],
    ["1_", null],
    ["1e3", null],
    ["", null],
    ["+", null],
    ["٣", null], // Python accepts non-ASCII digits; a port never needs them
  ];
  for (const [text, want] of rows) assert.equal(parsePyInt(text), want, `int(${JSON.stringify(text)})`);
});

test("HELP and USAGE name every option", () => {
  for (const option of OPTIONS) {
    for (const flag of option.flags) {
      assert.ok(HELP.includes(flag), `--help lacks ${flag}`);
      if (flag.startsWith("--") && option.flags.length === 1) assert.ok(USAGE.includes(`[${flag}`), `usage lacks ${flag}`);
    }
  }
  assert.ok(HELP.startsWith(USAGE));
  for (const line of HELP.split("\n")) assert.ok(line.length <= 80, `help line longer than 80 columns: ${line}`);
});

// CPython 3.14's `_main()` parser, rebuilt on the machine's argparse; errors
// and help are caught instead of exiting. Only --cgi differs from 3.14 in
// where it comes (first, as in 3.14 as well).
const PY_PARSER = String.raw`
import argparse, json, sys
class Help(Exception): pass
class Error(Exception): pass
class P(argparse.ArgumentParser):
    def error(self, message): raise Error(message)
    def print_help(self, file=None): raise Help()
def parse(argv):
    p = P(prog='http.server')
    p.add_argument('--cgi', action='store_true')
    p.add_argument('-b', '--bind', metavar='ADDRESS')
    p.add_argument('-d', '--directory', default=None)
    p.add_argument('-p', '--protocol', metavar='VERSION', default='HTTP/1.0')
    p.add_argument('--tls-cert', metavar='PATH')
    p.add_argument('--tls-key', metavar='PATH')
    p.add_argument('--tls-password-file', metavar='PATH')
    p.add_argument('port', default=8000, type=int, nargs='?')
    try:
        a = p.parse_args(argv)
    except Help:
        return {'kind': 'help'}
    except Error as e:
        return {'kind': 'error', 'message': str(e)}
    if not a.tls_cert and a.tls_key:
        return {'kind': 'error', 'message': '--tls-key requires --tls-cert to be set'}
    if a.tls_password_file and not a.tls_cert:
        return {'kind': 'error', 'message': '--tls-password-file requires --tls-cert to be set'}
    return {'kind': 'run', 'options': dict(port=a.port, bind=a.bind, directory=a.directory, protocol=a.protocol,
            cgi=a.cgi, tls_cert=a.tls_cert, tls_key=a.tls_key, tls_password_file=a.tls_password_file)}
print(json.dumps([parse(argv) for argv in json.load(sys.stdin)]))
`;

test("parseArgs() agrees with Python's argparse side by side", (t) => {
  const rows = ROWS.filter((r) => r.py !== false);
  const py = spawnSync("python3", ["-c", PY_PARSER], { input: JSON.stringify(rows.map((r) => r.argv)), encoding: "utf8", timeout: 20_000 });
  if (py.error !== undefined || py.status !== 0) {
    t.skip(`python3 unavailable: ${py.error?.message ?? py.stderr}`);
    return;
  }
  const got = JSON.parse(py.stdout) as ParseResult[];
  rows.forEach((row, i) => {
    const ours = parseArgs(row.argv);
    const theirs = got[i]!;
    if (ours.kind === "run") {
      // Only CPython's options: our extensions have no counterpart there.
      const pyKeys = theirs.kind === "run" ? Object.keys(theirs.options) : [];
      const options = Object.fromEntries(Object.entries(ours.options).filter(([k]) => pyKeys.includes(k)));
      assert.deepEqual({ kind: "run", options }, theirs, `argv ${JSON.stringify(row.argv)}`);
    } else {
      assert.deepEqual(ours, theirs, `argv ${JSON.stringify(row.argv)}`);
    }
  });
});
