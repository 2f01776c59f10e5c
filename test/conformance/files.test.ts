/**
 * The file server side by side with CPython's: the same raw requests go to
 * `python3 -m http.server --protocol HTTP/1.1 --bind 127.0.0.1 0` (a child
 * process, Python 3.11 on this machine) and to our `SimpleHTTPRequestHandler`
 * (in process), both serving the same fixture tree (test/fixtures/file-tree.ts),
 * and what a client sees must match byte for byte: status line, header names
 * in order and their values (`Date` and `Server` checked for shape, then
 * masked; `Last-Modified` equal), and the body.
 *
 * Strategy: one table, one row per request (or keep-alive conversation).
 * Differences are allowed in two ways only, both listed in ALLOW_LIST at the
 * bottom and each asserting what OUR response must be:
 * - generic ones, applied to every row by files-side-by-side.ts, each
 *   checked for its exact form before it is taken out:
 *     (a) our extra `ETag` and `Accept-Ranges` after `Last-Modified` (and
 *         `ETag` on 304), (b) `; charset=utf-8` after text types, (c) the 3.14
 *         `color-scheme` style block in error pages and listings (and the
 *         Content-Length it adds), (f) reason phrases renamed in 3.13;
 * - per-row ones (`allowed`), each with its reason: (d) the symlink policy,
 *   (e) MIME types where 3.11's `mimetypes` (which reads /etc/mime.types)
 *   differs from our 3.14 table, (g) 3.14's `%2f` trailing-slash rule,
 *   (h) 3.14's listing title without the query, (i) NUL or a lone surrogate in the path,
 *   (j) `If-None-Match: *` (RFC 9110 wins), (k) Range (an extension a client
 *   asks for), (l) an absolute-form target serves its path (RFC 9112 §3.2.2). Most per-row allowances say "ours must be exactly what CPython
 *   sends for this other request" (`sameAsPythonFor`), which pins them down.
 * HTTP/0.9: CPython 3.11 reads a header block after `GET /path\r\n`, 3.14
 * does not; those rows give Python its own bytes (`\r\n\r\n`), as
 * python.test.ts does.
 *
 * Debugging: `CONFORMANCE_DUMP=/tmp/files.json` appends each row's raw
 * transcripts (first 3000 bytes) as JSON.
 */

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync } from "node:fs";
import type { Socket } from "node:net";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import type { ClientAddress, HandlerServer } from "../../src/handler/base-handler.js";
import { LogCapture, serve } from "../helpers/net.js";
import { buildFileTree, FIXED_HTTP_DATE, FIXED_MTIME_S, type FileTree } from "../fixtures/file-tree.js";
import { talk, type Step } from "./side-by-side.js";
import {
  header,
  normaliseOurs,
  normalisePython,
  OUR_SERVER,
  parseResponses,
  PYTHON_SERVER,
  renderResponses,
  responsesArrived,
  startPythonFileServer,
  type Resp,
} from "./files-side-by-side.js";

const MTIME_MS = FIXED_MTIME_S * 1000;

// ---- requests -----------------------------------------------------------------

/** An HTTP/1.1 request that asks the server to close after answering. */
function req(method: string, target: string, headers: string[] = []): string {
  return `${method} ${target} HTTP/1.1\r\n${headers.map((h) => h + "\r\n").join("")}Connection: close\r\n\r\n`;
}
const get = (target: string, headers: string[] = []): Step[] => [{ send: req("GET", target, headers) }];
const head = (target: string, headers: string[] = []): Step[] => [{ send: req("HEAD", target, headers) }];
const raw = (send: string | Buffer): Step[] => [{ send }];

// ---- rows -----------------------------------------------------------------------

/** What an allowance gets to decide with. */
interface Ctx {
  /** CPython's responses (normalised: (f)). */
  py: Resp[];
  /** Ours (normalised: (a), (b), (c)). */
  ours: Resp[];
  pyRaw: Buffer;
  oursRaw: Buffer;
  tree: FileTree;
  /** CPython's normalised responses to other steps. */
  python(steps: Step[], head?: boolean): Promise<Resp[]>;
  /** Asserts two normalised transcripts are equal (rendered, with a diff). */
  same(py: Resp[], ours: Resp[], what: string): void;
}

/** A difference we mean to have, and what must hold instead of equality. */
interface Allowance {
  /** The letter of the difference (see the file comment). */
  id: string;
  /** Why, with the rule it comes from. */
  note: string;
  check(ctx: Ctx): Promise<void> | void;
}

interface Row {
  name: string;
  steps: Step[];
  /** Bytes for Python 3.11 where it needs other ones than 3.14 would (HTTP/0.9). */
  python?: Step[];
  /** Every response answers a HEAD: no body follows its head. */
  head?: boolean;
  /** Our exact Content-type for this file (before normalisation): the MIME table, (b) included. */
  type?: string;
  /** A reason to skip the row here, or false. */
  skip?: (tree: FileTree) => string | false;
  allowed?: Allowance;
}

/**
 * Ours must be exactly what CPython sends for `steps` instead (normalised);
 * `onPython` may assert what CPython did for the row itself.
 */
function sameAsPythonFor(id: string, note: string, steps: Step[], onPython?: (ctx: Ctx) => void): Allowance {
  return {
    id,
    note,
    async check(ctx) {
      onPython?.(ctx);
      ctx.same(await ctx.python(steps), ctx.ours, `ours, against CPython's answer to ${JSON.stringify(steps.map((s) => s.send.toString()))}`);
    },
  };
}

const SYMLINK_NOTE =
  "(d) docs/api-contract.md §4 / README: the file handler refuses symlinks that resolve outside its directory " +
  "(404, the very page CPython sends for a missing file) unless follow_symlinks is set; CPython follows them anywhere";

/** (d): CPython serves what lies outside; ours is CPython's 404 for a missing file. */
function symlinkOutside(pythonStatus: number, leaksSecret: boolean): Allowance {
  return sameAsPythonFor("d", SYMLINK_NOTE, get("/no-such-file"), ({ py, pyRaw, oursRaw, tree }) => {
    assert.equal(py[0]?.status, pythonStatus, "what CPython does");
    if (leaksSecret) assert.ok(pyRaw.includes(tree.secret), "CPython serves the file outside the root");
    assert.ok(!oursRaw.includes(tree.secret), "no byte of the secret in our response");
  });
}

/** (e): 3.11's `mimetypes` (with /etc/mime.types) says otherwise; ours is 3.14's table. */
function mimeDiffers(ours: string, python311: readonly string[]): Allowance {
  return {
    id: "e",
    note:
      "(e) docs/api-contract.md 'MIME types': our table is CPython 3.14's defaults + mime-db, never the machine's " +
      "/etc/mime.types, which 3.11's mimetypes reads (and lets override its defaults)",
    check(ctx) {
      const p = ctx.py[0]!;
      const o = ctx.ours[0]!;
      assert.ok(python311.includes(header(p, "Content-type") ?? ""), `CPython 3.11's type: ${header(p, "Content-type")}`);
      assert.equal(`${header(o, "Content-type")}; charset=utf-8`, ours, "our type (charset taken out by (b))");
      const fixed = { ...p, headers: p.headers.map(([n, v]): [string, string] => [n, n === "Content-type" ? header(o, n)! : v]) };
      ctx.same([fixed], ctx.ours, "everything but the type");
    },
  };
}

const ROWS: Row[] = [
  // ---- directories --------------------------------------------------------------
  { name: "GET / lists the root: odd names quoted and escaped, / after directories, @ after symlinks", steps: get("/") },
  { name: "HEAD / sends the listing's head only", steps: head("/"), head: true },
  { name: "GET /sub (no trailing slash) → 301 to /sub/", steps: get("/sub") },
  { name: "GET /sub?x=1 → 301 whose Location keeps the query", steps: get("/sub?x=1") },
  { name: "GET /sub?x=1#top → 301 keeps query and fragment", steps: get("/sub?x=1#top") },
  { name: "HEAD /sub → 301", steps: head("/sub"), head: true },
  { name: "GET /sub/ lists sub, sorted by lower-cased name", steps: get("/sub/") },
  { name: "GET /sub/nested → 301 to /sub/nested/", steps: get("/sub/nested") },
  {
    name: "GET /sub/?x=1 lists sub; the title has no query (3.14)",
    steps: get("/sub/?x=1"),
    allowed: sameAsPythonFor(
      "h",
      "(h) docs/api-contract.md 'Which Python': CPython 3.12+ cuts the query and fragment off the listing's title; 3.11 shows /sub/?x=1",
      get("/sub/"),
      ({ py }) => assert.match(py[0]!.body.toString(), /<title>Directory listing for \/sub\/\?x=1<\/title>/),
    ),
  },
  { name: "GET /withindex/ serves index.html (before index.htm)", steps: get("/withindex/") },
  { name: "GET /withindex → 301", steps: get("/withindex") },
  { name: "GET /withindex/?q=1 serves index.html", steps: get("/withindex/?q=1") },
  { name: "GET /withhtm/ serves index.htm", steps: get("/withhtm/") },
  { name: "GET /empty-dir/ lists nothing", steps: get("/empty-dir/") },
  { name: "GET /link-sub/ lists sub through a symlink inside the root", steps: get("/link-sub/") },
  { name: "GET /latin1/ lists a non-UTF-8 file name (surrogateescape)", steps: get("/latin1/") },
  { name: "GET /latin1/caf%ED%B3%A9.txt serves the non-UTF-8 file name its listing links to", steps: get("/latin1/caf%ED%B3%A9.txt"), type: "text/plain; charset=utf-8" },
  {
    name: "GET /locked/ (chmod 000) → 404 No permission to list directory",
    steps: get("/locked/"),
    skip: (tree) => !tree.lockedIsUnreadable && "chmod 000 does not deny this process (running as root): the directory is readable",
  },
  {
    name: "GET /locked/inside.txt (in a chmod 000 directory) → 404",
    steps: get("/locked/inside.txt"),
    skip: (tree) => !tree.lockedIsUnreadable && "chmod 000 does not deny this process (running as root): the file is readable",
  },

  // ---- files and their types ------------------------------------------------------
  { name: "GET /a.txt", steps: get("/a.txt"), type: "text/plain; charset=utf-8" },
  { name: "HEAD /a.txt", steps: head("/a.txt"), head: true, type: "text/plain; charset=utf-8" },
  { name: "GET /with%20space.txt", steps: get("/with%20space.txt"), type: "text/plain; charset=utf-8" },
  {
    name: "GET a UTF-8 name, percent-encoded",
    steps: get("/%C3%BCn%C3%AFc%C3%B6d%C3%A9%20%E2%98%83.txt"),
    type: "text/plain; charset=utf-8",
  },
  { name: "GET a name with & < > \" ' percent-encoded", steps: get("/a%26b%3Cc%3Ed%22e%27f.txt"), type: "text/plain; charset=utf-8" },
  { name: "GET a name with & and ' raw, < > \" encoded", steps: get("/a&b%3Cc%3Ed%22e'f.txt"), type: "text/plain; charset=utf-8" },
  { name: "GET /100%25.txt (a % in the name)", steps: get("/100%25.txt"), type: "text/plain; charset=utf-8" },
  { name: "GET /%2541.txt is the file named %41.txt (decoded once)", steps: get("/%2541.txt"), type: "text/plain; charset=utf-8" },
  { name: "GET /%41.txt is A.txt → 404", steps: get("/%41.txt") },
  { name: "GET /.hidden (dotfiles are served)", steps: get("/.hidden"), type: "application/octet-stream" },
  { name: "GET /movie.mp4 (5 MB) byte for byte", steps: get("/movie.mp4"), type: "video/mp4" },
  { name: "HEAD /movie.mp4", steps: head("/movie.mp4"), head: true, type: "video/mp4" },
  { name: "GET /page.html", steps: get("/page.html"), type: "text/html; charset=utf-8" },
  { name: "GET /style.css", steps: get("/style.css"), type: "text/css; charset=utf-8" },
  { name: "GET /app.js", steps: get("/app.js"), type: "text/javascript; charset=utf-8" },
  { name: "GET /data.json", steps: get("/data.json"), type: "application/json; charset=utf-8" },
  { name: "GET /image.png", steps: get("/image.png"), type: "image/png" },
  { name: "GET /logo.svg", steps: get("/logo.svg"), type: "image/svg+xml; charset=utf-8" },
  { name: "GET /archive.gz is application/gzip (extensions_map)", steps: get("/archive.gz"), type: "application/gzip" },
  { name: "GET /bundle.tar.gz is application/gzip (extensions_map)", steps: get("/bundle.tar.gz"), type: "application/gzip" },
  { name: "GET /file.unknown", steps: get("/file.unknown"), type: "application/octet-stream" },
  { name: "GET /README (no extension)", steps: get("/README"), type: "application/octet-stream" },
  { name: "GET /UPPER.TXT (extension matched case-insensitively)", steps: get("/UPPER.TXT"), type: "text/plain; charset=utf-8" },
  {
    name: "GET /feed.xml",
    steps: get("/feed.xml"),
    type: "text/xml; charset=utf-8",
    allowed: mimeDiffers("text/xml; charset=utf-8", ["text/xml", "application/xml"]),
  },
  { name: "GET /empty.txt (zero bytes)", steps: get("/empty.txt"), type: "text/plain; charset=utf-8" },
  { name: "GET /link-inside.txt (a symlink to a file inside) is served", steps: get("/link-inside.txt"), type: "text/plain; charset=utf-8" },
  { name: "GET /a.txt?x=1&y=2 (query ignored)", steps: get("/a.txt?x=1&y=2"), type: "text/plain; charset=utf-8" },
  { name: "GET /a.txt/ (a file with a trailing slash) → 404", steps: get("/a.txt/") },
  { name: "GET /missing.txt → 404", steps: get("/missing.txt") },
  { name: "HEAD /missing.txt → 404 without a body", steps: head("/missing.txt"), head: true },
  { name: "GET /sub/missing/ → 404", steps: get("/sub/missing/") },
  { name: "GET /link-dangling → 404", steps: get("/link-dangling") },

  // ---- If-Modified-Since (every file's mtime is FIXED_HTTP_DATE) -----------------------
  { name: "If-Modified-Since equal to Last-Modified → 304", steps: get("/a.txt", [`If-Modified-Since: ${FIXED_HTTP_DATE}`]) },
  { name: "If-Modified-Since a second older → 200", steps: get("/a.txt", ["If-Modified-Since: Mon, 02 Jan 2023 03:04:04 GMT"]), type: "text/plain; charset=utf-8" },
  { name: "If-Modified-Since newer → 304", steps: get("/a.txt", ["If-Modified-Since: Tue, 03 Jan 2023 00:00:00 GMT"]) },
  { name: "If-Modified-Since garbage → 200", steps: get("/a.txt", ["If-Modified-Since: yesterday"]), type: "text/plain; charset=utf-8" },
  { name: "If-Modified-Since newer in a non-GMT zone (+0100) is ignored → 200", steps: get("/a.txt", ["If-Modified-Since: Tue, 03 Jan 2023 00:00:00 +0100"]), type: "text/plain; charset=utf-8" },
  { name: "If-Modified-Since newer in EST is ignored → 200", steps: get("/a.txt", ["If-Modified-Since: Tue, 03 Jan 2023 00:00:00 EST"]), type: "text/plain; charset=utf-8" },
  { name: "If-Modified-Since equal with +0000 → 304", steps: get("/a.txt", ["If-Modified-Since: Mon, 02 Jan 2023 03:04:05 +0000"]) },
  { name: "If-Modified-Since equal without a zone (taken as UTC) → 304", steps: get("/a.txt", ["If-Modified-Since: Mon, 02 Jan 2023 03:04:05"]) },
  { name: "If-Modified-Since in RFC 850 form → 304", steps: get("/a.txt", ["If-Modified-Since: Monday, 02-Jan-23 03:04:05 GMT"]) },
  { name: "If-Modified-Since in asctime form → 304", steps: get("/a.txt", ["If-Modified-Since: Mon Jan  2 03:04:05 2023"]) },
  { name: "If-Modified-Since on a listing is ignored → 200", steps: get("/sub/", [`If-Modified-Since: ${FIXED_HTTP_DATE}`]) },
  {
    name: "If-Modified-Since with a non-matching If-None-Match: IMS ignored → 200",
    steps: get("/a.txt", [`If-Modified-Since: ${FIXED_HTTP_DATE}`, 'If-None-Match: "nope"']),
    type: "text/plain; charset=utf-8",
  },

  // ---- paths ------------------------------------------------------------------
  { name: "GET /../a.txt (raw ..) stays inside → a.txt", steps: get("/../a.txt"), type: "text/plain; charset=utf-8" },
  { name: "GET /%2e%2e/%2e%2e/a.txt (encoded ..) stays inside → a.txt", steps: get("/%2e%2e/%2e%2e/a.txt"), type: "text/plain; charset=utf-8" },
  { name: "GET /..%2f..%2fa.txt stays inside → a.txt", steps: get("/..%2f..%2fa.txt"), type: "text/plain; charset=utf-8" },
  { name: "GET /sub/../a.txt", steps: get("/sub/../a.txt"), type: "text/plain; charset=utf-8" },
  { name: "GET /../root-private/secret.txt (the sibling) → 404", steps: get("/../root-private/secret.txt") },
  { name: "GET //a.txt (leading //)", steps: get("//a.txt"), type: "text/plain; charset=utf-8" },
  { name: "GET //sub → 301 to /sub/ (gh-87389)", steps: get("//sub") },
  { name: "GET /sub//b.txt", steps: get("/sub//b.txt"), type: "text/plain; charset=utf-8" },
  { name: "GET /./sub/./b.txt", steps: get("/./sub/./b.txt"), type: "text/plain; charset=utf-8" },
  { name: "GET /sub/. → 301 to /sub/./", steps: get("/sub/.") },
  { name: "GET /sub/.. (the root, no slash) → 301 to /sub/../", steps: get("/sub/..") },
  { name: "GET /sub?a=%20b&c=d → 301 keeps the query's escapes", steps: get("/sub?a=%20b&c=d") },
  {
    name: "GET http://127.0.0.1/sub (absolute form) → 301 to http://127.0.0.1/sub/",
    steps: get("http://127.0.0.1/sub"),
    allowed: {
      id: "l",
      note: "(l) README / RFC 9112 §3.2.2: an absolute-form target serves its path, and the redirect keeps its scheme and authority (CPython's gh-87389 test); CPython 3.11 translates the whole URL into a path of words → 404",
      check(ctx) {
        assert.equal(ctx.py[0]?.status, 404, "CPython 3.11: a path of words");
        const o = parseResponses(ctx.oursRaw)[0]!;
        assert.equal(o.statusLine, "HTTP/1.1 301 Moved Permanently");
        assert.equal(new Map(o.headers).get("Location"), "http://127.0.0.1/sub/");
      },
    },
  },
  {
    name: "GET http://127.0.0.1/sub/b.txt (absolute form) → the file",
    steps: get("http://127.0.0.1/sub/b.txt"),
    type: "text/plain; charset=utf-8",
    allowed: sameAsPythonFor("l", "(l) README / RFC 9112 §3.2.2: an absolute-form target serves its path; CPython 3.11 answers 404", get("/sub/b.txt"), ({ py }) =>
      assert.equal(py[0]?.status, 404, "CPython 3.11: a path of words"),
    ),
  },
  { name: "GET /%FF.txt (not UTF-8: decoded with U+FFFD) → 404", steps: get("/%FF.txt") },
  { name: "GET /sub%2fb.txt (an encoded inner slash)", steps: get("/sub%2fb.txt"), type: "text/plain; charset=utf-8" },
  { name: "GET /sub\\b.txt (a backslash is a name character) → 404", steps: get("/sub\\b.txt") },
  {
    name: "GET /sub%2f: %2f counts as the trailing slash (3.14) → the listing",
    steps: get("/sub%2f"),
    allowed: sameAsPythonFor(
      "g",
      "(g) docs/api-contract.md 'Which Python': CPython 3.14 decodes before testing for the trailing slash and accepts %2f " +
        "as one in the redirect test; 3.11 redirects /sub%2f to /sub%2f/",
      get("/sub/"),
      ({ py }) => assert.equal(header(py[0]!, "Location"), "/sub%2f/", "CPython 3.11 redirects"),
    ),
  },
  {
    name: "GET /a.txt%2f: a file with an encoded trailing slash → 404 (3.14)",
    steps: get("/a.txt%2f"),
    allowed: sameAsPythonFor(
      "g",
      "(g) docs/api-contract.md 'Which Python': CPython 3.14 tests for the trailing slash after decoding (gh-61528 / Issue17324), " +
        "so /a.txt%2f is /a.txt/ → 404; 3.11 tests before decoding and serves the file",
      get("/a.txt/"),
      ({ py }) => assert.equal(py[0]?.status, 200, "CPython 3.11 serves a.txt"),
    ),
  },
  {
    name: "GET /a.txt%00 (NUL) → 404",
    steps: get("/a.txt%00"),
    allowed: sameAsPythonFor(
      "i",
      "(i) docs/api-contract.md §4: CPython's open() raises ValueError on the NUL, the handler dies and the client gets " +
        "no response at all; ours answers the 404 CPython sends for a missing file",
      get("/no-such-file"),
      ({ pyRaw }) => assert.equal(pyRaw.length, 0, "CPython sends nothing"),
    ),
  },
  {
    name: "GET /%ED%A0%80 (a lone surrogate) → 404",
    steps: get("/%ED%A0%80"),
    allowed: sameAsPythonFor(
      "i",
      "(i) docs/api-contract.md §4: CPython's open() raises UnicodeEncodeError on the lone surrogate U+D800, the handler " +
        "dies and the client gets no response at all; ours answers the 404 CPython sends for a missing file",
      get("/no-such-file"),
      ({ pyRaw }) => assert.equal(pyRaw.length, 0, "CPython sends nothing"),
    ),
  },
  { name: "GET /link-outside.txt (symlink to a file outside)", steps: get("/link-outside.txt"), allowed: symlinkOutside(200, true) },
  { name: "GET /link-outside-dir/ (symlink to a directory outside)", steps: get("/link-outside-dir/"), allowed: symlinkOutside(200, false) },
  { name: "GET /link-outside-dir (no slash)", steps: get("/link-outside-dir"), allowed: symlinkOutside(301, false) },
  { name: "GET /link-outside-dir/secret.txt (through a symlinked parent)", steps: get("/link-outside-dir/secret.txt"), allowed: symlinkOutside(200, true) },
  { name: "GET /link-private.txt (symlink into the sibling root-private)", steps: get("/link-private.txt"), allowed: symlinkOutside(200, true) },

  // ---- methods and versions ------------------------------------------------------
  { name: "FOO / → 501", steps: raw("FOO / HTTP/1.1\r\n\r\n") },
  { name: "POST /a.txt → 501", steps: raw("POST /a.txt HTTP/1.1\r\nContent-Length: 0\r\n\r\n") },
  { name: "get /a.txt (methods are case-sensitive) → 501", steps: raw("get /a.txt HTTP/1.1\r\n\r\n") },
  { name: "GET /a.txt HTTP/1.0", steps: raw("GET /a.txt HTTP/1.0\r\n\r\n"), type: "text/plain; charset=utf-8" },
  { name: "GET /sub/ HTTP/1.0", steps: raw("GET /sub/ HTTP/1.0\r\n\r\n") },
  { name: "GET /sub HTTP/1.0 → 301", steps: raw("GET /sub HTTP/1.0\r\n\r\n") },
  { name: "HTTP/0.9 GET /a.txt → the bare body", steps: raw("GET /a.txt\r\n"), python: raw("GET /a.txt\r\n\r\n") },
  { name: "HTTP/0.9 GET /missing → the bare error page", steps: raw("GET /missing\r\n"), python: raw("GET /missing\r\n\r\n") },
  { name: "HTTP/0.9 GET /sub/ → the bare listing", steps: raw("GET /sub/\r\n"), python: raw("GET /sub/\r\n\r\n") },
  { name: "a request line over 65536 bytes → 414 (phrase renamed in 3.13)", steps: raw(`GET /${"a".repeat(70_000)} HTTP/1.1\r\n\r\n`) },
  {
    name: "keep-alive: a file, a 304, a listing, a 301 and a file on one connection",
    steps: [
      { send: "GET /a.txt HTTP/1.1\r\n\r\n", until: responsesArrived(1) },
      { send: `GET /a.txt HTTP/1.1\r\nIf-Modified-Since: ${FIXED_HTTP_DATE}\r\n\r\n`, until: responsesArrived(2) },
      { send: "GET /sub/ HTTP/1.1\r\n\r\n", until: responsesArrived(3) },
      { send: "GET /sub HTTP/1.1\r\n\r\n", until: responsesArrived(4) },
      { send: "GET /movie.mp4 HTTP/1.1\r\nConnection: close\r\n\r\n" },
    ],
  },

  // ---- extensions a client asks for ------------------------------------------------
  {
    name: "If-None-Match: * → 304 (RFC 9110), CPython 200",
    steps: get("/a.txt", ["If-None-Match: *"]),
    allowed: {
      id: "j",
      note: "(j) docs/api-contract.md 'Extensions': where RFC 9110 and CPython disagree on If-None-Match: *, the RFC wins (304 for an existing file)",
      async check(ctx) {
        assert.equal(ctx.py[0]?.status, 200, "CPython ignores If-None-Match");
        ctx.same(await ctx.python(get("/a.txt", [`If-Modified-Since: ${FIXED_HTTP_DATE}`])), ctx.ours, "ours, against CPython's 304");
      },
    },
  },
  {
    name: "Range: bytes=0-4 → 206 (extension), CPython 200",
    steps: get("/a.txt", ["Range: bytes=0-4"]),
    allowed: {
      id: "k",
      note: "(k) docs/api-contract.md §3: Range → 206 is an extension a client must ask for; CPython ignores Range",
      check(ctx) {
        const p = ctx.py[0]!;
        const o = parseResponses(ctx.oursRaw)[0]!;
        assert.equal(p.status, 200);
        assert.equal(o.statusLine, "HTTP/1.1 206 Partial Content");
        assert.deepEqual(
          o.headers.map(([n, v]) => `${n}: ${n === "Date" || n === "Server" ? "*" : v}`),
          [
            "Server: *",
            "Date: *",
            "Content-type: text/plain; charset=utf-8",
            "Content-Range: bytes 0-4/13",
            "Content-Length: 5",
            `Last-Modified: ${FIXED_HTTP_DATE}`,
            `ETag: W/"d-${MTIME_MS.toString(16)}"`,
            "Accept-Ranges: bytes",
          ],
        );
        assert.equal(o.body.toString(), p.body.subarray(0, 5).toString());
      },
    },
  },
];

/** Rows whose difference from CPython is intended, by name (see each row's `allowed.note`). */
const ALLOW_LIST: readonly [id: string, row: string][] = [
  ["h", "GET /sub/?x=1 lists sub; the title has no query (3.14)"],
  ["e", "GET /feed.xml"],
  ["l", "GET http://127.0.0.1/sub (absolute form) → 301 to http://127.0.0.1/sub/"],
  ["l", "GET http://127.0.0.1/sub/b.txt (absolute form) → the file"],
  ["g", "GET /sub%2f: %2f counts as the trailing slash (3.14) → the listing"],
  ["g", "GET /a.txt%2f: a file with an encoded trailing slash → 404 (3.14)"],
  ["i", "GET /a.txt%00 (NUL) → 404"],
  ["i", "GET /%ED%A0%80 (a lone surrogate) → 404"],
  ["d", "GET /link-outside.txt (symlink to a file outside)"],
  ["d", "GET /link-outside-dir/ (symlink to a directory outside)"],
  ["d", "GET /link-outside-dir (no slash)"],
  ["d", "GET /link-outside-dir/secret.txt (through a symlinked parent)"],
  ["d", "GET /link-private.txt (symlink into the sibling root-private)"],
  ["j", "If-None-Match: * → 304 (RFC 9110), CPython 200"],
  ["k", "Range: bytes=0-4 → 206 (extension), CPython 200"],
];

/** The generic allowances applied to every row by files-side-by-side.ts, with their reasons. */
const GENERIC_ALLOWANCES: readonly [id: string, note: string][] = [
  ["a", "docs/api-contract.md 'Extensions are on by default when they only add': ETag (weak, size-mtime) and Accept-Ranges: bytes follow Last-Modified; a 304 carries the ETag (RFC 9110 §15.4.5)"],
  ["b", "README: text types (text/*, JSON, XML, JavaScript, +json, +xml) get '; charset=utf-8' appended to CPython's Content-type"],
  ["c", "docs/api-contract.md 'Which Python': 3.14's error page and listing carry the color-scheme style block (gh-123430), 3.11's do not; Content-Length differs by its length"],
  ["f", "docs/api-contract.md 'Which Python': reason phrases renamed by RFC 9110 and CPython 3.13 (413, 414, 416, 422) are 3.14's"],
];

// ---- the run ---------------------------------------------------------------------

test("the file server side by side with CPython's python -m http.server", async (t: TestContext) => {
  const log = new LogCapture().start();
  t.after(() => log.stop());
  const tree = await buildFileTree();
  t.after(() => tree.remove());
  const python = await startPythonFileServer(tree.root);
  t.after(() => python.close());
  const root = tree.root;
  class Handler extends SimpleHTTPRequestHandler {
    override protocol_version = "HTTP/1.1";
    constructor(request: Socket, client_address: ClientAddress, server: HandlerServer) {
      super(request, client_address, server, { directory: root });
    }
  }
  const ours = await serve(Handler);
  t.after(() => ours.close());

  const same = (py: Resp[], o: Resp[], what: string): void => {
    assert.equal(renderResponses(o, OUR_SERVER), renderResponses(py, PYTHON_SERVER), `${what}: got ours, want CPython's`);
  };
  const pythonSays = async (steps: Step[], isHead = false): Promise<Resp[]> =>
    normalisePython(parseResponses(await talk(python.port, steps), isHead));

  for (const row of ROWS) {
    const reason = row.skip?.(tree) ?? false;
    await t.test(row.name, { skip: reason === false ? undefined : reason }, async () => {
      const [pyRaw, oursRaw] = await Promise.all([talk(python.port, row.python ?? row.steps), talk(ours.port, row.steps)]);
      if (process.env["CONFORMANCE_DUMP"] !== undefined) {
        const dump = (b: Buffer): string => b.subarray(0, 3000).toString("latin1");
        appendFileSync(process.env["CONFORMANCE_DUMP"], JSON.stringify({ row: row.name, py: dump(pyRaw), ours: dump(oursRaw) }, null, 1) + "\n");
      }
      const oursParsed = parseResponses(oursRaw, row.head);
      // Both checks run, so one failure report shows every difference of the row.
      const failures: Error[] = [];
      try {
        const ctx: Ctx = {
          py: normalisePython(parseResponses(pyRaw, row.head)),
          ours: normaliseOurs(oursParsed, MTIME_MS, row.head),
          pyRaw,
          oursRaw,
          tree,
          python: pythonSays,
          same,
        };
        if (row.allowed !== undefined) await row.allowed.check(ctx);
        else same(ctx.py, ctx.ours, row.name);
      } catch (e) {
        failures.push(e as Error);
      }
      if (row.type !== undefined) {
        try {
          assert.equal(header(oursParsed[0]!, "Content-type"), row.type, "our Content-type (the MIME table)");
        } catch (e) {
          failures.push(e as Error);
        }
      }
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) throw new assert.AssertionError({ message: failures.map((f) => f.message).join("\n\n") });
    });
  }

  await t.test("at least 40 requests are compared", () => {
    assert.ok(ROWS.reduce((n, r) => n + r.steps.length, 0) >= 40);
  });

  await t.test("allow-list: the intended differences, each with its reason", () => {
    const allowed = ROWS.filter((r) => r.allowed !== undefined);
    for (const row of allowed) assert.ok(row.allowed!.note.length > 20, row.name);
    // Adding an allowance is a decision: list it here (and in the README).
    assert.deepEqual(
      allowed.map((r) => [r.allowed!.id, r.name]),
      ALLOW_LIST,
    );
    assert.deepEqual(
      GENERIC_ALLOWANCES.map(([id]) => id),
      ["a", "b", "c", "f"],
    );
  });
});
