/**
 * readEntries() and openServable(): the hidden-file and symlink rules shared
 * by the rich listing, the JSON listing and the archives.
 */

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { closeSync } from "node:fs";
import { realpath } from "node:fs/promises";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { joinBytes, openServable, readEntries, type EntryRules } from "../../src/static/dir-entries.js";
import { buildShareTree, type ShareTree } from "../fixtures/share-tree.js";

let tree: ShareTree;
let rules: EntryRules;
before(async () => {
  tree = await buildShareTree();
  rules = { root: await realpath(tree.root, { encoding: "buffer" }), exclude_dotfiles: false, follow_symlinks: false };
});
after(() => tree.remove());

const byName = async (r: EntryRules) =>
  Object.fromEntries((await readEntries(Buffer.from(tree.root), r)).map((e) => [e.name, e]));

test("readEntries() follows links inside the root and marks others as symlink", async () => {
  const e = await byName(rules);
  const rows: [string, string, boolean][] = [
    ["a.txt", "file", false],
    ["sub", "directory", false],
    ["to-sub", "directory", true],
    ["to-a", "file", true],
    ["escape", "symlink", true],
    ["escape-file", "symlink", true],
    ["dangling", "symlink", true],
    [".env", "file", false],
    [".hidden", "directory", false],
  ];
  for (const [name, type, isSymlink] of rows) {
    assert.equal(e[name]?.type, type, `${name}: type`);
    assert.equal(e[name]?.isSymlink, isSymlink, `${name}: isSymlink`);
  }
  assert.equal(e["to-a"]!.size, 6);
  assert.equal(e["escape-file"]!.size, null);
  assert.equal(e["sub"]!.size, null);
  assert.equal(e["a.txt"]!.mtimeMs, 1_000_000_000);
});

test("readEntries() keeps a name that is not UTF-8 as its bytes", async () => {
  const e = await byName(rules);
  assert.equal(e["bad\uDCFFname"]?.type, "file");
  assert.deepEqual(e["bad\uDCFFname"]!.raw, Buffer.from("bad\xffname", "latin1"));
});

test("readEntries() with follow_symlinks follows links out of the root", async () => {
  const e = await byName({ ...rules, follow_symlinks: true });
  assert.equal(e["escape"]!.type, "directory");
  assert.equal(e["escape-file"]!.type, "file");
  assert.equal(e["dangling"]!.type, "symlink");
});

test("readEntries() with exclude_dotfiles leaves out names starting with '.'", async () => {
  const e = await byName({ ...rules, exclude_dotfiles: true });
  assert.equal(e[".env"], undefined);
  assert.equal(e[".hidden"], undefined);
  assert.ok(e["a.txt"]);
});

test("openServable() opens files and folders inside the root only, never a FIFO", async () => {
  const at = (name: string) => joinBytes(Buffer.from(tree.root), Buffer.from(name));
  spawnSync("mkfifo", [join(tree.root, "fifo")]);
  const rows: [string, boolean][] = [
    ["a.txt", true],
    ["sub", true],
    ["to-a", true],
    ["to-sub", true],
    ["escape", false],
    ["escape-file", false],
    ["dangling", false],
    ["missing", false],
    ["fifo", false],
  ];
  for (const [name, ok] of rows) {
    const opened = await openServable(at(name), rules);
    assert.equal(opened !== null, ok, name);
    if (opened !== null) closeSync(opened.fd);
  }
  const followed = await openServable(at("escape-file"), { ...rules, follow_symlinks: true });
  assert.ok(followed !== null);
  closeSync(followed.fd);
});

test("joinBytes() adds one slash", () => {
  assert.equal(joinBytes(Buffer.from("/a/"), Buffer.from("b")).toString(), "/a/b");
  assert.equal(joinBytes(Buffer.from("/a"), Buffer.from("b")).toString(), join("/a", "b"));
});
