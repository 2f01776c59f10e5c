/**
 * Tests for src/static/listing-cache.ts over real directories: the cached and
 * sliced `<li>` lines are exactly renderListing()'s, a kept listing is reused,
 * and every change a client could see (a name added, removed, renamed, a
 * link's target turning from directory to file) is seen by the next request.
 * The page over HTTP, side by side with CPython: directory-listing.test.ts and
 * the conformance suites.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, renameSync, rmSync, rmdirSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { LISTING_TAIL, renderListing, renderListingHead, sortEntries, type ListingEntry } from "../../src/static/directory-listing.js";
import { _tuning, BuffersSource, listingItems } from "../../src/static/listing-cache.js";
import { fsEncode } from "../../src/static/url.js";

const root = mkdtempSync(join(tmpdir(), "listing-cache-"));
after(() => rmSync(root, { recursive: true, force: true }));

async function page(dir: string, hidden = false): Promise<string> {
  const { items } = await listingItems(fsEncode(dir)!, hidden);
  return Buffer.concat([renderListingHead("/d/"), ...items, LISTING_TAIL]).toString("utf8");
}

/** A change in the same clock tick as the listing would not move the mtime: wait past a tick. */
const tick = (): Promise<void> => sleep(30);

test("listing cache: 4,500 names (several slices) give renderListing()'s bytes, hidden names left out on request", async () => {
  const dir = join(root, "big");
  mkdirSync(dir);
  const entries: ListingEntry[] = [];
  for (let i = 0; i < 4500; i++) {
    const name = `F-${String(i).padStart(4, "0")} & <é>${i % 7 === 0 ? "😀" : ""}.txt`;
    writeFileSync(join(dir, name), "");
    entries.push({ name, isDir: false, isSymlink: false });
  }
  mkdirSync(join(dir, "Sub dir"));
  entries.push({ name: "Sub dir", isDir: true, isSymlink: false });
  symlinkSync("Sub dir", join(dir, "to-sub"));
  entries.push({ name: "to-sub", isDir: true, isSymlink: true });
  symlinkSync("missing", join(dir, "dangling"));
  entries.push({ name: "dangling", isDir: false, isSymlink: true });
  writeFileSync(join(dir, ".hidden"), "");
  const want = renderListing("/d/", sortEntries(entries)).toString("utf8");
  assert.equal(await page(dir, true), want);
  const all = renderListing("/d/", sortEntries([...entries, { name: ".hidden", isDir: false, isSymlink: false }])).toString("utf8");
  assert.equal(await page(dir, false), all);
});

test("listing cache: kept and reused while the directory is unchanged; every change is seen", async (t) => {
  _tuning.racyMs = 0;
  t.after(() => {
    _tuning.racyMs = 2000;
  });
  const dir = join(root, "changing");
  const elsewhere = join(root, "elsewhere");
  mkdirSync(dir);
  mkdirSync(elsewhere);
  writeFileSync(join(dir, "a.txt"), "");
  mkdirSync(join(elsewhere, "target"));
  symlinkSync(join(elsewhere, "target"), join(dir, "link"));
  await tick();
  const first = await listingItems(fsEncode(dir)!, false);
  const again = await listingItems(fsEncode(dir)!, false);
  assert.equal(again.items, first.items, "the same kept lines");
  assert.match(await page(dir), /<a href="link\/">link@<\/a>/);

  await tick();
  writeFileSync(join(dir, "b.txt"), "");
  assert.match(await page(dir), /b\.txt/);
  await tick();
  renameSync(join(dir, "b.txt"), join(dir, "c.txt"));
  const renamed = await page(dir);
  assert.ok(renamed.includes("c.txt") && !renamed.includes("b.txt"));
  await tick();
  unlinkSync(join(dir, "a.txt"));
  assert.doesNotMatch(await page(dir), /a\.txt/);

  // The listed directory is unchanged; only the link's target changes kind.
  await tick();
  rmdirSync(join(elsewhere, "target"));
  writeFileSync(join(elsewhere, "target"), "");
  assert.match(await page(dir), /<a href="link">link@<\/a>/);
});

test("listing cache: a directory changed within the racy window is listed afresh each time", async () => {
  const dir = join(root, "fresh");
  mkdirSync(dir);
  writeFileSync(join(dir, "x"), "");
  const first = await listingItems(fsEncode(dir)!, false);
  const second = await listingItems(fsEncode(dir)!, false);
  assert.notEqual(second.items, first.items);
  assert.deepEqual(Buffer.concat(second.items), Buffer.concat(first.items));
});

test("listing cache: a missing directory rejects as readdir would", async () => {
  await assert.rejects(listingItems(fsEncode(join(root, "nope"))!, false), { code: "ENOENT" });
});

test("BuffersSource: reads in pieces of at most n without changing the shared buffers", async () => {
  const shared = [Buffer.from("hello "), Buffer.alloc(0), Buffer.from("world")];
  const src = new BuffersSource(shared);
  const got: string[] = [];
  for (let b = await src.read(4); b.length > 0; b = await src.read(4)) got.push(b.toString());
  assert.deepEqual(got, ["hell", "o ", "worl", "d"]);
  assert.equal(shared[0]!.toString(), "hello ");
  assert.equal(shared[2]!.toString(), "world");
});
