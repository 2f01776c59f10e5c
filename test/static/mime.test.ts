/**
 * `guessType()` against a table of file names with CPython 3.14's answers,
 * `splitext()` and `isTextType()` tables, and a side-by-side run of CPython
 * 3.11's real `SimpleHTTPRequestHandler.guess_type` (with the machine's
 * `/etc/mime.types` switched off) in one python3 process.
 */

import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { DEFAULT_EXTENSIONS_MAP, guessFileType, guessType, isTextType, splitext } from "../../src/static/mime.js";
import { NO_PYTHON, runPython } from "./run-python.js";

/** File name → what `python3.14 -m http.server` sends (mime-db where CPython has nothing). */
const GUESS_ROWS: Array<[path: string, want: string]> = [
  ["index.html", "text/html"],
  ["page.htm", "text/html"],
  ["INDEX.HTML", "text/html"],
  ["style.css", "text/css"],
  ["app.js", "text/javascript"],
  ["module.mjs", "text/javascript"],
  ["data.json", "application/json"],
  ["site.webmanifest", "application/manifest+json"],
  ["readme.txt", "text/plain"],
  ["notes.md", "text/markdown"],
  ["script.py", "text/x-python"],
  ["main.c", "text/plain"],
  ["feed.xml", "text/xml"],
  ["table.csv", "text/csv"],
  ["logo.svg", "image/svg+xml"],
  ["logo.svgz", "image/svg+xml"],
  ["photo.jpg", "image/jpeg"],
  ["photo.JPEG", "image/jpeg"],
  ["anim.gif", "image/gif"],
  ["pic.png", "image/png"],
  ["pic.webp", "image/webp"],
  ["pic.avif", "image/avif"],
  ["favicon.ico", "image/vnd.microsoft.icon"],
  ["font.woff2", "font/woff2"],
  ["font.ttf", "font/ttf"],
  ["lib.wasm", "application/wasm"],
  ["clip.mp4", "video/mp4"],
  ["clip.webm", "video/webm"],
  ["clip.avi", "video/vnd.avi"],
  ["song.mp3", "audio/mpeg"],
  ["sound.wav", "audio/vnd.wave"],
  ["doc.pdf", "application/pdf"],
  ["config.yaml", "application/yaml"],
  ["archive.zip", "application/zip"],
  ["archive.tar", "application/x-tar"],
  ["archive.tar.gz", "application/gzip"],
  ["archive.tgz", "application/x-tar"],
  ["archive.TGZ", "application/x-tar"],
  ["archive.tar.bz2", "application/x-bzip2"],
  ["archive.tar.xz", "application/x-xz"],
  ["archive.tar.Z", "application/octet-stream"],
  ["archive.tar.z", "application/octet-stream"],
  ["file.GZ", "application/gzip"],
  ["app.js.br", "text/javascript"],
  ["blob.br", "application/octet-stream"],
  ["blob.zst", "application/octet-stream"],
  ["program.exe", "application/octet-stream"],
  ["Makefile", "application/octet-stream"],
  [".bashrc", "application/octet-stream"],
  ["..hidden.txt", "text/plain"],
  ["dir.d/README", "application/octet-stream"],
  ["/srv/www/a.b/c.html", "text/html"],
  ["trailing.", "application/octet-stream"],
  ["component.ts", "video/mp2t"],
  ["legacy.cjs", "application/node"],
  ["pyproject.toml", "application/toml"],
  ["anim.apng", "image/apng"],
  ["bundle.js.map", "application/json"],
  ["unknown.zzzz", "application/octet-stream"],
];

/**
 * Names where CPython 3.11 (the Python on this machine) gives another type,
 * and why ours is right.
 */
const PY311_DIFFERS: Record<string, string> = {
  "app.js": "3.14 says text/javascript (RFC 9239); 3.11 says application/javascript",
  "module.mjs": "as app.js",
  "app.js.br": "as app.js: the inner name's type",
  "notes.md": "text/markdown added to CPython's defaults after 3.11",
  "pic.webp": "image/webp added after 3.11",
  "font.woff2": "font types added in 3.14",
  "font.ttf": "font types added in 3.14",
  "clip.avi": "3.14 uses the registered video/vnd.avi; 3.11 video/x-msvideo",
  "sound.wav": "3.14 uses the registered audio/vnd.wave; 3.11 audio/x-wav",
  "config.yaml": "application/yaml added after 3.11",
  "component.ts": "CPython has no .ts type (octet-stream); mime-db's video/mp2t, as nginx and Apache",
  "legacy.cjs": "CPython 3.14 has no .cjs type (3.15 adds application/node); mime-db's application/node",
  "pyproject.toml": "CPython 3.14 has no .toml type (3.15 adds application/toml); mime-db's application/toml",
  "anim.apng": "CPython has no .apng type; mime-db's image/apng",
  "bundle.js.map": "CPython has no .map type; mime-db's application/json",
};

describe("guessType()", () => {
  for (const [path, want] of GUESS_ROWS) {
    test(`guessType() of ${JSON.stringify(path)} is ${want}`, () => {
      assert.equal(guessType(path, DEFAULT_EXTENSIONS_MAP), want);
    });
  }

  test("guessType() tries extensions_map as is, then lower-cased, before the database", () => {
    const map = { ".Foo": "x/exact", ".bar": "x/lower", ".html": "x/override", "": "x/no-extension" };
    assert.equal(guessType("a.Foo", map), "x/exact");
    assert.equal(guessType("a.FOO", map), "application/octet-stream");
    assert.equal(guessType("a.BAR", map), "x/lower");
    assert.equal(guessType("a.html", map), "x/override");
    assert.equal(guessType("README", map), "x/no-extension");
    assert.equal(guessType("a.tar.gz", {}), "application/x-tar", "without extensions_map, .gz is an encoding");
  });

  test("guessType() ignores keys inherited through the prototype", () => {
    assert.equal(guessType("a.constructor", {}), "application/octet-stream");
    assert.equal(guessType("x.toString", Object.create({ ".toString": "x/inherited" })), "application/octet-stream");
  });

  test("DEFAULT_EXTENSIONS_MAP is CPython 3.14's and stays mutable like Python's class attribute", () => {
    assert.deepEqual(DEFAULT_EXTENSIONS_MAP, {
      ".gz": "application/gzip",
      ".Z": "application/octet-stream",
      ".bz2": "application/x-bzip2",
      ".xz": "application/x-xz",
    });
    assert.ok(!Object.isFrozen(DEFAULT_EXTENSIONS_MAP), "Handler.extensions_map['.x'] = ... must work, as in Python");
  });
});

describe("guessFileType()", () => {
  const ROWS: Array<[path: string, type: string | null, encoding: string | null]> = [
    ["a.tar.gz", "application/x-tar", "gzip"],
    ["a.tgz", "application/x-tar", "gzip"],
    ["a.tbz2", "application/x-tar", "bzip2"],
    ["a.txz", "application/x-tar", "xz"],
    ["a.svgz", "image/svg+xml", "gzip"],
    ["a.css.br", "text/css", "br"],
    ["a.Z", null, "compress"],
    ["a.GZ", "application/gzip", null],
    ["a.gz", null, "gzip"],
    ["a.txt", "text/plain", null],
    ["README", null, null],
  ];
  for (const [path, type, encoding] of ROWS) {
    test(`guessFileType() of ${JSON.stringify(path)} is [${type}, ${encoding}]`, () => {
      assert.deepEqual(guessFileType(path), [type, encoding]);
    });
  }
});

describe("splitext()", () => {
  const ROWS: Array<[path: string, root: string, ext: string]> = [
    ["a.txt", "a", ".txt"],
    ["a.tar.gz", "a.tar", ".gz"],
    [".bashrc", ".bashrc", ""],
    ["..", "..", ""],
    ["...", "...", ""],
    ["..a.b", "..a", ".b"],
    ["a.", "a", "."],
    ["a..", "a.", "."],
    ["dir.d/file", "dir.d/file", ""],
    ["dir.d/.hidden", "dir.d/.hidden", ""],
    ["/x/.a.b", "/x/.a", ".b"],
    ["", "", ""],
  ];
  for (const [path, root, ext] of ROWS) {
    test(`splitext(${JSON.stringify(path)}) is [${JSON.stringify(root)}, ${JSON.stringify(ext)}]`, () => {
      assert.deepEqual(splitext(path), [root, ext]);
    });
  }
  test("splitext() agrees with posixpath.splitext's definition (last '.' after the last '/', not only leading dots) on any name of '.', '/', 'a'", () => {
    const reference = (p: string): [string, string] => {
      const sep = p.lastIndexOf("/");
      const dot = p.lastIndexOf(".");
      if (dot > sep && /[^.]/.test(p.slice(sep + 1, dot))) return [p.slice(0, dot), p.slice(dot)];
      return [p, ""];
    };
    const name = fc.array(fc.constantFrom(".", "/", "a", "é"), { maxLength: 12 }).map((cs) => cs.join(""));
    fc.assert(fc.property(name, (p) => assert.deepEqual(splitext(p), reference(p))), { numRuns: 2000 });
  });
});

/** More names for `splitext()`, checked only against Python. */
const SPLITEXT_EXTRA = [".a.", "a/.", "a/..b", "/.", "./a.b/c", "a.b/.c.d", "....x", ".x.", "a.b.c/", "/"];

describe("isTextType()", () => {
  const ROWS: Array<[type: string, want: boolean]> = [
    ["text/html", true],
    ["text/plain", true],
    ["text/css", true],
    ["text/javascript", true],
    ["text/markdown", true],
    ["TEXT/HTML", true],
    ["text/html; charset=latin-1", true],
    ["application/json", true],
    ["application/manifest+json", true],
    ["application/ld+json", true],
    ["model/gltf+json", true],
    ["application/javascript", true],
    ["application/x-javascript", true],
    ["application/ecmascript", true],
    ["application/xml", true],
    ["image/svg+xml", true],
    ["application/xhtml+xml", true],
    ["application/octet-stream", false],
    ["application/gzip", false],
    ["image/png", false],
    ["video/mp4", false],
    ["application/wasm", false],
    ["application/pdf", false],
    ["application/jsonp", false],
    ["application/vnd.openxmlformats-officedocument.wordprocessingml.document", false],
    ["model/gltf-binary", false],
    ["", false],
  ];
  for (const [type, want] of ROWS) {
    test(`isTextType(${JSON.stringify(type)}) is ${want}`, () => {
      assert.equal(isTextType(type), want);
    });
  }
});

const PY_MIME = String.raw`
import json, posixpath, sys, mimetypes
# CPython's own defaults only: no /etc/mime.types or other system files.
mimetypes.knownfiles = []
mimetypes.init()
from http.server import SimpleHTTPRequestHandler
h = SimpleHTTPRequestHandler.__new__(SimpleHTTPRequestHandler)
job = json.load(sys.stdin)
json.dump({
    "guess_type": [h.guess_type(p) for p in job["guess_type"]],
    "splitext": [list(posixpath.splitext(p)) for p in job["splitext"]],
}, sys.stdout)
`;

describe("side by side with CPython", () => {
  const names = GUESS_ROWS.map((r) => r[0]);
  const splitextPaths = [...GUESS_ROWS.map((r) => r[0]), ...SPLITEXT_EXTRA];
  /** CPython's answers, from one python3 run; `null` without python3. */
  let py: { guess_type: string[]; splitext: Array<[string, string]> } | null = null;
  before(() => {
    py = runPython(PY_MIME, { guess_type: names, splitext: splitextPaths });
  });

  test("splitext() matches Python's posixpath.splitext", (t) => {
    if (py === null) return t.skip(NO_PYTHON);
    assert.deepEqual(splitextPaths.map(splitext), py.splitext);
  });

  test("CPython 3.11's guess_type agrees except where 3.14 or mime-db is followed", (t) => {
    if (py === null) return t.skip(NO_PYTHON);
    const theirs = py.guess_type;
    const problems: string[] = [];
    names.forEach((name, i) => {
      const ours = guessType(name, DEFAULT_EXTENSIONS_MAP);
      const differs = Object.hasOwn(PY311_DIFFERS, name);
      if ((ours === theirs[i]) === differs) {
        problems.push(`${name}: ours ${ours}, CPython 3.11 ${theirs[i]}${differs ? " (allow-listed, but equal)" : ""}`);
      }
    });
    assert.deepEqual(problems, []);
  });
});
