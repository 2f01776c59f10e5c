/**
 * The directory listing page: its exact bytes, the escaping of hostile names,
 * CPython's sort order, and a side-by-side run of CPython's real
 * `list_directory` (and `sorted(key=str.lower)`) over a temporary directory
 * with files, a subdirectory, symlinks and a non-UTF-8 name, in one python3
 * process.
 */

import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listingDisplayPath, renderListing, sortEntries, type ListingEntry } from "../../src/static/directory-listing.js";
import { fsDecode, fsEncode } from "../../src/static/url.js";
import { NO_PYTHON, runPython } from "./run-python.js";

const file = (name: string): ListingEntry => ({ name, isDir: false, isSymlink: false });
const dir = (name: string): ListingEntry => ({ name, isDir: true, isSymlink: false });

/** The 3.14 style block, absent from CPython 3.11–3.13. */
const STYLE_BLOCK = '<style type="text/css">\n:root {\ncolor-scheme: light dark;\n}\n</style>\n';

describe("renderListing()", () => {
  test("renderListing() produces CPython 3.14's page byte for byte", () => {
    const got = renderListing("/docs/", [
      dir("sub"),
      file("a b.txt"),
      { name: "to-dir", isDir: true, isSymlink: true },
      { name: "to-file", isDir: false, isSymlink: true },
    ]);
    const want =
      "<!DOCTYPE HTML>\n" +
      '<html lang="en">\n' +
      "<head>\n" +
      '<meta charset="utf-8">\n' +
      '<style type="text/css">\n:root {\ncolor-scheme: light dark;\n}\n</style>\n' +
      "<title>Directory listing for /docs/</title>\n</head>\n" +
      "<body>\n<h1>Directory listing for /docs/</h1>\n" +
      "<hr>\n<ul>\n" +
      '<li><a href="sub/">sub/</a></li>\n' +
      '<li><a href="a%20b.txt">a b.txt</a></li>\n' +
      '<li><a href="to-dir/">to-dir@</a></li>\n' +
      '<li><a href="to-file">to-file@</a></li>\n' +
      "</ul>\n<hr>\n</body>\n</html>\n";
    assert.ok(Buffer.isBuffer(got));
    assert.equal(got.toString("utf8"), want);
  });

  test("renderListing() of an empty directory has an empty list", () => {
    assert.match(renderListing("/", []).toString(), /<hr>\n<ul>\n<\/ul>\n<hr>\n<\/body>\n<\/html>\n$/);
  });

  test("renderListing() renders entries in the order given", () => {
    const html = renderListing("/", [file("b"), file("a")]).toString();
    assert.ok(html.indexOf(">b<") < html.indexOf(">a<"));
  });

  const NAME_ROWS: Array<{ name: string; entry: ListingEntry; href: string; text: string }> = [
    { name: "space", entry: file("with space.txt"), href: "with%20space.txt", text: "with space.txt" },
    { name: "unicode", entry: file("café 日本.txt"), href: "caf%C3%A9%20%E6%97%A5%E6%9C%AC.txt", text: "café 日本.txt" },
    { name: "emoji", entry: file("😀.png"), href: "%F0%9F%98%80.png", text: "😀.png" },
    { name: "HTML specials", entry: file(`&<>"'.txt`), href: "%26%3C%3E%22%27.txt", text: `&amp;&lt;&gt;"'.txt` },
    { name: "script injection", entry: file("<script>alert(1)</script>"), href: "%3Cscript%3Ealert%281%29%3C/script%3E", text: "&lt;script&gt;alert(1)&lt;/script&gt;" },
    { name: "attribute breakout", entry: file('x" onmouseover="alert(1)'), href: "x%22%20onmouseover%3D%22alert%281%29", text: 'x" onmouseover="alert(1)' },
    { name: "percent", entry: file("100%.txt"), href: "100%25.txt", text: "100%.txt" },
    { name: "hash", entry: file("a#b"), href: "a%23b", text: "a#b" },
    { name: "question mark", entry: file("a?b"), href: "a%3Fb", text: "a?b" },
    { name: "directory with specials", entry: dir("a&b"), href: "a%26b/", text: "a&amp;b/" },
    { name: "symlink to directory", entry: { name: "l<", isDir: true, isSymlink: true }, href: "l%3C/", text: "l&lt;@" },
    { name: "unreserved kept", entry: file("A-z_0.9~"), href: "A-z_0.9~", text: "A-z_0.9~" },
    { name: "surrogate escape", entry: file("bad\uDCFF"), href: "bad%ED%B3%BF", text: "bad\uFFFD" },
  ];
  for (const row of NAME_ROWS) {
    test(`renderListing() quotes the link and escapes the text: ${row.name}`, () => {
      const html = renderListing("/", [row.entry]).toString("utf8");
      const li = html.split("\n").find((l) => l.startsWith("<li>"));
      assert.equal(li, `<li><a href="${row.href}">${row.text}</a></li>`, `row ${row.name}`);
    });
  }

  test("renderListing() writes a surrogate-escaped name as its original byte", () => {
    const name = fsDecode(Buffer.from([0x62, 0xff])); // b'b\xff'
    const body = renderListing("/", [file(name)]);
    assert.ok(body.includes(Buffer.from('<a href="b%ED%B3%BF">b\xff</a>', "latin1")));
  });

  test("renderListing() writes U+FFFD for a lone surrogate CPython cannot encode", () => {
    const body = renderListing("/%ED%A0%80/", []).toString("utf8");
    assert.ok(body.includes("<title>Directory listing for /\uFFFD/</title>"));
  });
});

describe("listingDisplayPath()", () => {
  const ROWS: Array<[name: string, path: string, want: string]> = [
    ["plain", "/a/b/", "/a/b/"],
    ["unquoted", "/a%20b/caf%C3%A9/", "/a b/café/"],
    ["query dropped", "/d/?q=<x>", "/d/"],
    ["fragment dropped", "/d/#<frag>", "/d/"],
    ["fragment before query", "/d#x?y", "/d"],
    ["escaped after unquoting", "/%3Cscript%3E&amp;/", "/&lt;script&gt;&amp;amp;/"],
    ["quotes left alone", "/%22'/", "/\"'/"],
    ["encoded ? and # kept", "/a%3Fb%23c/", "/a?b#c/"],
    ["invalid UTF-8 replaced", "/%FF/", "/\uFFFD/"],
    ["surrogatepass", "/%ED%B2%80/", "/\uDC80/"],
  ];
  for (const [name, path, want] of ROWS) {
    test(`listingDisplayPath() ${name}: ${JSON.stringify(path)}`, () => {
      assert.equal(listingDisplayPath(path), want);
    });
  }
});

/** Names whose order exercises case folding, code-point order and stability. */
const SORT_NAMES = [
  "b", "B", "a", "A", "Zeta", "alpha", "_under", "~tilde", "10", "9", "a.txt", "a-b", "a b",
  "\uFF21 fullwidth", // U+FF21, lower U+FF41: above U+E000 but below the astral plane
  "\u{1D400} math bold", // U+1D400: UTF-16 would put it before U+FF21, Python after
  "\uE000 private", "\u{1F600} grin", "\u{10000} linear b",
  "İstanbul", "istanbul", "ISTANBUL", // 'İ'.lower() is 'i̇' (two code points)
  "ΣΊΣΥΦΟΣ", "σίσυφος", "Straße", "STRASSE", "é", "E", "e", "É", "Ω", "ω",
  "\uD800 lone high", "\uDC80 lone low", "\uDBFF\uDFFF max",
  // same high surrogate first: pair vs pair, pair vs lone, lone vs lone
  "x\uD83D\uDE00", "x\uD83D\uDE01", "x\uD83Da", "x\uD83Db", "x\uD83D\uFF21", "x\uD83D",
];

describe("sortEntries()", () => {
  test("sortEntries() orders by lower-cased code points, stably", () => {
    const got = sortEntries(["b", "B", "a", "\u{1D400}", "\uFF21", "A"].map(file)).map((e) => e.name);
    assert.deepEqual(got, ["a", "A", "b", "B", "\uFF21", "\u{1D400}"]);
  });

  test("sortEntries() returns a new array and leaves its input alone", () => {
    const input = [file("b"), file("a")];
    const out = sortEntries(input);
    assert.notEqual(out, input);
    assert.deepEqual(input.map((e) => e.name), ["b", "a"]);
  });
});

// ---- side by side with CPython's list_directory ---------------------------

const PY_LIST_DIRECTORY = String.raw`
import base64, json, os, sys
from http.server import SimpleHTTPRequestHandler

class Quiet(SimpleHTTPRequestHandler):
    # list_directory sends its headers; here only the body matters.
    def send_response(self, *a): pass
    def send_header(self, *a): pass
    def end_headers(self): pass

job = json.load(sys.stdin)
root = job["root"]
out = {
    "listdir": os.listdir(root),
    "pages": [],
    "sorted": sorted(job["sort"], key=lambda a: a.lower()),
}
for request_path in job["requests"]:
    h = Quiet.__new__(Quiet)
    h.directory = root
    h.path = request_path
    f = h.list_directory(root)
    out["pages"].append(base64.b64encode(f.read()).decode("ascii"))
json.dump(out, sys.stdout)
`;

interface PyAnswer {
  /** `os.listdir(root)`, in the filesystem's order. */
  listdir: string[];
  /** Base64 of `list_directory(root).read()` for each of `REQUESTS`. */
  pages: string[];
  /** `sorted(SORT_NAMES, key=lambda a: a.lower())`. */
  sorted: string[];
}

/**
 * Request paths for the side-by-side pages. CPython 3.11 shows `self.path`
 * unquoted without first cutting `?` and `#` (3.14 cuts them), so these
 * paths have neither; `listingDisplayPath()` covers that difference above.
 */
const REQUESTS = ["/", "/some%20dir/", "/caf%C3%A9/%E6%97%A5/", "/%3Cb%3E&amp;/", "/a%2Fb/", "/100%/", "/%ED%B2%80/"];

describe("side by side with CPython's list_directory and sort", () => {
  let root = "";
  /** CPython's answers, from one python3 run; `null` without python3. */
  let py: PyAnswer | null = null;

  before(() => {
    root = mkdtempSync(join(tmpdir(), "listing-"));
    const names = [
      "plain.txt", "with space.txt", "café.txt", "日本語", `&<>"'.txt`, "100%.txt", "hash#name", "q?mark",
      "UPPER.TXT", "lower.txt", "Readme", "readme", "Zeta", "alpha", "😀.txt", "\uFF21", "\u{1D400}", "İx", "ix",
    ];
    for (const name of names) writeFileSync(join(root, name), name);
    mkdirSync(join(root, "sub dir"));
    mkdirSync(join(root, "Sub<2>"));
    symlinkSync("plain.txt", join(root, "link-to-file"));
    symlinkSync("sub dir", join(root, "link-to-dir"));
    symlinkSync("does-not-exist", join(root, "dangling"));
    // A name that is not UTF-8: CPython lists it surrogate-escaped.
    writeFileSync(Buffer.concat([fsEncode(root + "/")!, Buffer.from([0x62, 0x61, 0x64, 0xff])]), "x");
    py = runPython<PyAnswer>(PY_LIST_DIRECTORY, { root, requests: REQUESTS, sort: SORT_NAMES });
  });

  after(() => rmSync(root, { recursive: true, force: true }));

  /** What a handler does: read names as bytes, decode like Python, stat each. */
  function readEntries(order: string[]): ListingEntry[] {
    const names = readdirSync(root, { encoding: "buffer" }).map(fsDecode);
    assert.deepEqual([...names].sort(), [...order].sort(), "Node and Python list the same names");
    return order.map((name) => {
      const full = Buffer.concat([fsEncode(root + "/")!, fsEncode(name)!]);
      let isDir = false;
      try {
        isDir = statSync(full).isDirectory();
      } catch {
        // os.path.isdir is False for a dangling link
      }
      return { name, isDir, isSymlink: lstatSync(full).isSymbolicLink() };
    });
  }

  test("sortEntries() matches Python's sorted(key=str.lower)", (t) => {
    if (py === null) return t.skip(NO_PYTHON);
    assert.deepEqual(sortEntries(SORT_NAMES.map(file)).map((e) => e.name), py.sorted);
  });

  test("CPython 3.11's list_directory gives the same bytes, less the 3.14 style block", (t) => {
    const answer = py;
    if (answer === null) return t.skip(NO_PYTHON);
    // Entries in os.listdir order, so names equal under lower() keep CPython's tie order.
    const entries = sortEntries(readEntries(answer.listdir));
    REQUESTS.forEach((requestPath, i) => {
      const ours = renderListing(requestPath, entries);
      const theirs = Buffer.from(answer.pages[i]!, "base64");
      assert.equal(ours.indexOf(STYLE_BLOCK), ours.lastIndexOf(STYLE_BLOCK));
      const oursWithoutStyle = Buffer.from(ours.toString("latin1").replace(STYLE_BLOCK, ""), "latin1");
      assert.equal(oursWithoutStyle.toString("latin1"), theirs.toString("latin1"), `request ${requestPath}`);
    });
  });
});
