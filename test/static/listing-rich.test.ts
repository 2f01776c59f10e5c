/**
 * The rich listing's pure half: sort parsing and order, sizes, escaping, and
 * what the page holds with each feature on or off.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { DirEntry } from "../../src/static/dir-entries.js";
import { escapeHtml, humanSize, parseSort, pathSegments, renderRich, sortRich, typeLabel, type RichPage } from "../../src/static/listing-rich.js";

function entry(name: string, type: DirEntry["type"], size: number | null = null, mtimeMs: number | null = 0): DirEntry {
  return { name, raw: Buffer.from(name), type, isSymlink: type === "symlink", size, mtimeMs };
}

const ENTRIES = [
  entry("b.txt", "file", 2000, 3000),
  entry("A.md", "file", 10, 1000),
  entry("zeta", "directory", null, 500),
  entry("alpha", "directory", null, 9000),
  entry("c.bin", "file", 5, 2000),
];

describe("parseSort()", () => {
  const cases: [string, string, string][] = [
    ["", "name", "asc"],
    ["sort=size&order=desc", "size", "desc"],
    ["sort=mtime", "mtime", "asc"],
    ["sort=type&order=asc", "type", "asc"],
    ["sort=bogus&order=sideways", "name", "asc"],
    ["order=desc", "name", "desc"],
    ["sort=SIZE", "name", "asc"],
  ];
  for (const [query, key, order] of cases) {
    test(`parseSort(${JSON.stringify(query)}) is ${key} ${order}`, () => {
      assert.deepEqual(parseSort(query), { key, order });
    });
  }
});

describe("sortRich()", () => {
  const names = (key: "name" | "size" | "mtime" | "type", order: "asc" | "desc"): string[] =>
    sortRich(ENTRIES, { key, order }).map((e) => e.name);
  test("sortRich() puts folders first, then names case-insensitively", () => {
    assert.deepEqual(names("name", "asc"), ["alpha", "zeta", "A.md", "b.txt", "c.bin"]);
  });
  test("sortRich() descending keeps folders first", () => {
    assert.deepEqual(names("name", "desc"), ["zeta", "alpha", "c.bin", "b.txt", "A.md"]);
  });
  test("sortRich() by size, both directions", () => {
    assert.deepEqual(names("size", "asc"), ["alpha", "zeta", "c.bin", "A.md", "b.txt"]);
    assert.deepEqual(names("size", "desc"), ["zeta", "alpha", "b.txt", "A.md", "c.bin"]);
  });
  test("sortRich() by modification time", () => {
    assert.deepEqual(names("mtime", "asc"), ["zeta", "alpha", "A.md", "c.bin", "b.txt"]);
  });
  test("sortRich() by type label", () => {
    assert.deepEqual(names("type", "asc"), ["alpha", "zeta", "c.bin", "A.md", "b.txt"]);
  });
  test("sortRich() returns a new array", () => {
    const input = [...ENTRIES];
    sortRich(input, { key: "size", order: "desc" });
    assert.deepEqual(input, ENTRIES);
  });
});

describe("humanSize()", () => {
  const cases: [number, string][] = [
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1.0 KiB"],
    [1536, "1.5 KiB"],
    [10 * 1024, "10 KiB"],
    [1024 * 1024 - 1, "1023 KiB"],
    [5 * 1024 ** 3, "5.0 GiB"],
    [2 ** 53, "8.0 PiB"],
  ];
  for (const [n, want] of cases) test(`humanSize(${n}) is ${want}`, () => assert.equal(humanSize(n), want));
});

test("escapeHtml() escapes markup and quotes and replaces lone surrogates", () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;");
  assert.equal(escapeHtml("bad\uDCFFname"), "bad\uFFFDname");
  assert.equal(escapeHtml("😀"), "😀");
});

test("typeLabel() names folders, links, special files and extensions", () => {
  assert.equal(typeLabel(entry("x", "directory")), "folder");
  assert.equal(typeLabel(entry("x", "symlink")), "link");
  assert.equal(typeLabel(entry("x", "other")), "special");
  assert.equal(typeLabel(entry("Photo.JPG", "file")), "jpg");
  assert.equal(typeLabel(entry(".bashrc", "file")), "file");
  assert.equal(typeLabel(entry("trailing.", "file")), "file");
});

test("pathSegments() drops the base, the query and empty segments, and decodes", () => {
  assert.deepEqual(pathSegments("/a/b%20c/?sort=size", "/"), ["a", "b c"]);
  assert.deepEqual(pathSegments("/SECRET/a/", "/SECRET/"), ["a"]);
  assert.deepEqual(pathSegments("/SECRET", "/SECRET/"), []);
  assert.deepEqual(pathSegments("/", "/"), []);
});

describe("renderRich()", () => {
  const page = (over: Partial<RichPage> = {}): string =>
    renderRich({
      requestPath: "/docs/sub/?sort=size&order=desc",
      base: "/",
      entries: [entry(`x<y>"z'&.txt`, "file", 1536, Date.UTC(2026, 0, 2, 3, 4)), entry("line\nbreak", "directory"), entry("gone", "symlink")],
      sort: { key: "size", order: "desc" },
      uploads: false,
      archives: false,
      qrSvg: null,
      ...over,
    }).toString("utf8");

  test("renderRich() has a viewport, dark mode, a breadcrumb and a parent link", () => {
    const html = page();
    assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
    assert.match(html, /prefers-color-scheme:dark/);
    assert.match(html, /<a href="\/">Home<\/a><span class="sep">\/<\/span><a href="\/docs\/">docs<\/a><span class="sep">\/<\/span><a href="\/docs\/sub\/">sub<\/a>/);
    assert.match(html, /<a href="\.\.\/" rel="up">/);
    assert.match(html, /<title>Index of \/docs\/sub\/<\/title>/);
  });

  test("renderRich() has no parent link at the base", () => {
    assert.doesNotMatch(page({ requestPath: "/" }), /rel="up"/);
  });

  test("renderRich() escapes every name in text and attributes", () => {
    const html = page();
    assert.ok(!html.includes(`x<y>`), "raw < in the page");
    assert.match(html, /data-name="x&lt;y&gt;&quot;z&#x27;&amp;\.txt"/);
    assert.match(html, /href="x%3Cy%3E%22z%27%26\.txt"/);
    assert.match(html, /data-name="line\nbreak"/);
    assert.match(html, /href="line%0Abreak\/"/);
  });

  test("renderRich() shows sizes human-readable with the exact bytes in a title", () => {
    assert.match(page(), /<td class="size" title="1536 bytes">1\.5 KiB<\/td>/);
    assert.match(page(), /<time datetime="2026-01-02T03:04:00\.000Z">2026-01-02 03:04<\/time>/);
  });

  test("renderRich() column links sort without JavaScript and toggle the current column", () => {
    const html = page();
    assert.match(html, /<th class="size" aria-sort="descending"><a href="\?sort=size&amp;order=asc">Size ▼<\/a><\/th>/);
    assert.match(html, /<th class="name"><a href="\?sort=name&amp;order=asc">Name<\/a><\/th>/);
    assert.match(html, /<th class="mtime"><a href="\?sort=mtime&amp;order=asc">/);
    assert.match(html, /<th class="type"><a href="\?sort=type&amp;order=asc">/);
  });

  test("renderRich() does not link a link the server does not follow", () => {
    assert.match(page(), /<span class="muted">gone<span class="muted"> ↪<\/span><\/span>/);
    assert.doesNotMatch(page(), /href="gone"/);
  });

  test("renderRich() shows the filter box only through its script", () => {
    const html = page();
    assert.match(html, /<input type="search" id="filter"[^>]* hidden>/);
    assert.match(html, /f\.hidden=false/);
  });

  test("renderRich() has the upload form only when uploads are on", () => {
    assert.doesNotMatch(page(), /<form/);
    assert.match(
      page({ uploads: true }),
      /<form class="upload" method="post" enctype="multipart\/form-data" action=""><input type="file" name="file" multiple required>/,
    );
  });

  test("renderRich() has archive links only when archives are on", () => {
    assert.doesNotMatch(page(), /download=/);
    const html = page({ archives: true });
    assert.match(html, /href="\?download=zip" download/);
    assert.match(html, /href="\?download=tar\.gz" download/);
    assert.match(html, /href="line%0Abreak\/\?download=zip" download>zip</);
  });

  test("renderRich() shows the QR code when given, the breadcrumb from the base", () => {
    const html = page({ qrSvg: "<svg>QR</svg>", base: "/s3cr3t/", requestPath: "/s3cr3t/a/" });
    assert.match(html, /<details class="qr"><summary>QR code<\/summary><svg>QR<\/svg><\/details>/);
    assert.match(html, /<a href="\/s3cr3t\/">Home<\/a><span class="sep">\/<\/span><a href="\/s3cr3t\/a\/">a<\/a>/);
  });

  test("renderRich() says when a folder is empty", () => {
    assert.match(page({ entries: [] }), /This folder is empty\./);
  });
});
