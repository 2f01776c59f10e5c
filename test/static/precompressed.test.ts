/** `precompressed.ts`: which variant files are tried, in what order. */

import { test } from "node:test";
import assert from "node:assert/strict";
import { isVariantName, precompressedCandidates } from "../../src/static/precompressed.js";

test("precompressedCandidates() ranks by the client's qvalues, then br, zstd, gzip", () => {
  const rows: [string | undefined, string[]][] = [
    [undefined, []],
    ["", []],
    ["identity", []],
    ["gzip, deflate, br, zstd", [".br", ".zst", ".gz"]],
    ["gzip", [".gz"]],
    ["gzip, br;q=0.5", [".gz", ".br"]],
    ["*", [".br", ".zst", ".gz"]],
    ["*, br;q=0", [".zst", ".gz"]],
    ["x-gzip", [".gz"]],
  ];
  for (const [field, want] of rows) {
    assert.deepEqual(precompressedCandidates(field).map(([, suffix]) => suffix), want, String(field));
  }
});

test("isVariantName() recognises the variant suffixes", () => {
  assert.equal(isVariantName("/srv/app.js.gz"), true);
  assert.equal(isVariantName("/srv/app.js.br"), true);
  assert.equal(isVariantName("/srv/app.js.zst"), true);
  assert.equal(isVariantName("/srv/app.js"), false);
});
