/**
 * Tests of src/static/fs-compat.ts: the repairs for Bun's and Deno's
 * node:fs differences give Node.js's answer. Node.js takes the direct path;
 * the runtimes' shapes (bare name Buffers, a plain Uint8Array) are fed in.
 */

import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirTyped, readlinkBuffer } from "../../src/static/fs-compat.js";

async function tree(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "http-server-fs-compat-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "file.txt"), "x");
  await mkdir(join(dir, "sub"));
  await symlink(join(dir, "sub"), join(dir, "link"));
  return dir;
}

const summary = (entries: { name: Buffer; isDirectory(): boolean; isSymbolicLink(): boolean }[]) =>
  entries.map((e) => `${e.name.toString("latin1")}:${e.isDirectory() ? "d" : "-"}${e.isSymbolicLink() ? "l" : "-"}`).sort();

test("readdirTyped gives Dirent-like entries on Node.js", async (t) => {
  const dir = await tree(t);
  const entries = await readdirTyped(Buffer.from(dir));
  assert.ok(entries.every((e) => Buffer.isBuffer(e.name)));
  assert.deepEqual(summary(entries), ["file.txt:--", "link:-l", "sub:d-"]);
});

test("readdirTyped lstats each name when the runtime returns bare names (Bun)", async (t) => {
  const dir = await tree(t);
  const real = await readdirTyped(Buffer.from(dir));
  const bare = async () => real.map((e) => new Uint8Array(e.name)); // Bun's shape: names only, not even Buffers
  const repaired = await readdirTyped(Buffer.from(dir), bare);
  assert.ok(repaired.every((e) => Buffer.isBuffer(e.name)));
  assert.deepEqual(summary(repaired), summary(real));
  // A name that vanished between readdir and lstat is listed as a plain file, not an error.
  const gone = await readdirTyped(Buffer.from(dir), async () => [Buffer.from("vanished")]);
  assert.deepEqual(summary(gone), ["vanished:--"]);
});

test("readlinkBuffer returns a Buffer with the link's bytes", async (t) => {
  const dir = await tree(t);
  const target = readlinkBuffer(join(dir, "link"));
  assert.ok(Buffer.isBuffer(target));
  assert.ok(target.equals(Buffer.from(join(dir, "sub"))));
});
