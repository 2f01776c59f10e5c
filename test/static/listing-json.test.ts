/**
 * The JSON listing: when a client gets it (content negotiation), and what
 * each entry says.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { jsonEntry, renderJson, wantsJson } from "../../src/static/listing-json.js";

describe("wantsJson()", () => {
  const cases: [string | null, boolean, string][] = [
    [null, false, "no Accept: CPython's page"],
    ["*/*", false, "curl's default"],
    ["text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8", false, "a browser"],
    ["application/json", true, "JSON only"],
    ["Application/JSON", true, "case-insensitive"],
    ["application/json, text/plain, */*", true, "axios's default"],
    ["application/json;q=0.5, text/html", false, "HTML preferred"],
    ["text/html;q=0.5, application/json", true, "JSON preferred"],
    ["application/json, text/html", false, "a tie keeps HTML"],
    ["application/json;q=0", false, "q=0 refuses"],
    ["application/*", false, "a wildcard alone does not ask for JSON"],
    ["application/*;q=0.9, text/html;q=0.1, application/json", true, "the most specific range wins"],
    ["text/html;q=0, application/json;q=0.1", true, "HTML refused"],
    ["application/jsonx", false, "another type"],
  ];
  for (const [accept, want, why] of cases) {
    test(`wantsJson(${JSON.stringify(accept)}) is ${want} (${why})`, () => assert.equal(wantsJson(accept), want));
  }
});

test("jsonEntry() gives name, type, size, mtime and href", () => {
  const mtimeMs = Date.UTC(2026, 11, 4, 16, 0, 0, 250);
  assert.deepEqual(jsonEntry({ name: "a b.txt", raw: Buffer.from("a b.txt"), type: "file", isSymlink: false, size: 12, mtimeMs }), {
    name: "a b.txt",
    type: "file",
    size: 12,
    mtime: "2026-12-04T16:00:00.250Z",
    href: "a%20b.txt",
  });
  assert.deepEqual(jsonEntry({ name: "d", raw: Buffer.from("d"), type: "directory", isSymlink: true, size: null, mtimeMs: null }), {
    name: "d",
    type: "directory",
    size: null,
    mtime: null,
    href: "d/",
  });
});

test("renderJson() is a JSON array in the given order; names that are not UTF-8 keep their escapes", () => {
  const body = renderJson([
    { name: "z", raw: Buffer.from("z"), type: "file", isSymlink: false, size: 1, mtimeMs: 0 },
    { name: "bad\uDCFF", raw: Buffer.from([0x62, 0x61, 0x64, 0xff]), type: "symlink", isSymlink: true, size: null, mtimeMs: 0 },
  ]);
  const text = body.toString("utf8");
  assert.ok(text.endsWith("\n"));
  assert.ok(text.includes("bad\\udcff"), text);
  const parsed = JSON.parse(text) as { name: string; href: string; type: string }[];
  assert.deepEqual(
    parsed.map((e) => [e.name, e.type, e.href]),
    [
      ["z", "file", "z"],
      ["bad\uDCFF", "symlink", "bad%ED%B3%BF"],
    ],
  );
});
