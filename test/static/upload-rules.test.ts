/**
 * The pure upload rules: the hostile name table, write paths, sizes, entity
 * tag lists and the precondition table (RFC 9110 §13.1.1, §13.1.2, §13.2.2).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { checkFileName, decideWrite, isUploadTemp, parseEtagList, parseSize, splitWritePath, UPLOAD_TEMP_PREFIX } from "../../src/static/upload-rules.js";

test("checkFileName: the hostile table", () => {
  const refused = ["", ".", "..", "a/b", "/abs", "a\0b", "a\nb", "a\rb", "a\x7fb", "\uD800x", "x".repeat(256), "é".repeat(128), `${UPLOAD_TEMP_PREFIX}x.part`];
  for (const name of refused) assert.notEqual(checkFileName(name, false), null, JSON.stringify(name));
  const accepted = ["a", "a b.txt", "...", "..a", "a..", "-rf", "\\..\\x", "ü.txt", "x".repeat(255), "é".repeat(127), ".env", "a:b", "<script>.html"];
  for (const name of accepted) assert.equal(checkFileName(name, false), null, JSON.stringify(name));
  assert.match(checkFileName(".env", true)!, /hidden/);
  assert.match(checkFileName(`${UPLOAD_TEMP_PREFIX}1`, false)!, /reserved/);
});

test("splitWritePath: traversal in any spelling is refused, not dropped", () => {
  const refused = ["/../x", "/%2e%2e/x", "/%2E%2E/x", "/a/./x", "/a/%2e/x", "/a/../../x", "/a%2f..%2fx", "/a%00/x", "/x%00", "/a%0a/x"];
  for (const p of refused) assert.ok("problem" in splitWritePath(p, false), p);
  assert.deepEqual(splitWritePath("/a//b%20c/d.txt?q=1#f", false), { dirs: ["a", "b c"], name: "d.txt" });
  assert.deepEqual(splitWritePath("/dir/", false), { dirs: ["dir"], name: "" });
  assert.deepEqual(splitWritePath("/a%2Fb", false), { dirs: ["a"], name: "b" });
  assert.ok("problem" in splitWritePath("/.git/config", true));
  assert.deepEqual(splitWritePath("/.git/config", false), { dirs: [".git"], name: "config" });
});

test("splitWritePath never yields a component that leaves the directory (property)", () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom("a", ".", "..", "%2e", "%2E%2e", "/", "%2f", "%00", "b c", "é"), { maxLength: 12 }), (pieces) => {
      const r = splitWritePath("/" + pieces.join(""), false);
      if ("problem" in r) return true;
      return [...r.dirs, r.name].every((c) => c !== "." && c !== ".." && !c.includes("/") && !c.includes("\0"));
    }),
  );
});

test("isUploadTemp on strings and bytes", () => {
  assert.ok(isUploadTemp(`${UPLOAD_TEMP_PREFIX}abc.part`));
  assert.ok(isUploadTemp(Buffer.from(`${UPLOAD_TEMP_PREFIX}abc.part`)));
  assert.ok(!isUploadTemp(".http.server"));
  assert.ok(!isUploadTemp(Buffer.from("x")));
});

test("parseSize", () => {
  const cases: [string, number | null][] = [
    ["1024", 1024],
    ["1K", 1024],
    ["1k", 1024],
    ["512KiB", 512 * 1024],
    ["100M", 100 * 1024 ** 2],
    ["1G", 1024 ** 3],
    ["1.5G", 1.5 * 1024 ** 3],
    ["2T", 2 * 1024 ** 4],
    [" 7 MB ", 7 * 1024 ** 2],
    ["-1", null],
    ["1X", null],
    ["", null],
    ["G", null],
    ["1e3", null],
    ["99999999999T", null],
  ];
  for (const [text, want] of cases) assert.equal(parseSize(text), want, text);
});

test("parseEtagList", () => {
  assert.equal(parseEtagList(" * "), "*");
  assert.deepEqual(parseEtagList('"a", W/"b" ,"c"'), ['"a"', 'W/"b"', '"c"']);
  assert.deepEqual(parseEtagList(""), []);
});

test("decideWrite: the precondition table", () => {
  const E = 'W/"5-1"';
  const rows: [current: string | null, ifMatch: string | undefined, ifNoneMatch: string | undefined, overwrite: boolean, want: string][] = [
    [null, undefined, undefined, false, "create"],
    [null, undefined, undefined, true, "create"],
    [E, undefined, undefined, false, "412"],
    [E, undefined, undefined, true, "replace:null"],
    [E, E, undefined, false, `replace:${E}`],
    [E, `"x", ${E}`, undefined, false, `replace:${E}`],
    [E, "*", undefined, false, `replace:${E}`],
    [E, 'W/"5-2"', undefined, false, "412"],
    [E, 'W/"5-2"', undefined, true, "412"],
    [E, '"5-1"', undefined, false, "412"],
    [null, "*", undefined, false, "412"],
    [null, E, undefined, true, "412"],
    [null, undefined, "*", false, "create"],
    [E, undefined, "*", false, "412"],
    [E, undefined, "*", true, "412"],
    [E, undefined, '"5-1"', true, "412"],
    [E, undefined, 'W/"9-9"', true, "replace:null"],
    [E, E, "*", false, "412"],
  ];
  for (const [current, ifMatch, ifNoneMatch, overwrite, want] of rows) {
    const d = decideWrite(current, ifMatch, ifNoneMatch, overwrite);
    const got = d.kind === "refuse" ? String(d.status) : d.kind === "replace" ? `replace:${d.expect}` : d.kind;
    assert.equal(got, want, JSON.stringify({ current, ifMatch, ifNoneMatch, overwrite }));
  }
});
