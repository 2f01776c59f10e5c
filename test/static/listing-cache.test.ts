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
import fc from "fast-check";
import { LISTING_TAIL, renderListing, renderListingHead, sortEntries, type ListingEntry } from "../../src/static/directory-listing.js";
import { _lastBuild, _tuning, BuffersSource, listingItems, readNames, Slicer, sortSliced } from "../../src/static/listing-cache.js";
import { fsDecode, fsEncode } from "../../src/static/url.js";

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

test("listing cache: links to names in the same directory are not re-checked, yet every change to them is seen", async (t) => {
  _tuning.racyMs = 0;
  t.after(() => {
    _tuning.racyMs = 2000;
  });
  const dir = join(root, "local-links");
  const elsewhere = join(root, "local-links-elsewhere");
  mkdirSync(dir);
  mkdirSync(elsewhere);
  writeFileSync(join(dir, "t"), "");
  symlinkSync("t", join(dir, "to-t")); // a local name
  symlinkSync("to-t", join(dir, "to-to-t")); // a chain of local names
  symlinkSync("missing", join(dir, "dangling")); // a local name not there (yet)
  symlinkSync(".", join(dir, "self"));
  symlinkSync("loop-b", join(dir, "loop-a"));
  symlinkSync("loop-a", join(dir, "loop-b"));
  symlinkSync(join(elsewhere, "x"), join(dir, "away")); // leaves the directory: checked
  symlinkSync("away", join(dir, "to-away")); // a chain that leaves it: checked
  mkdirSync(join(elsewhere, "x"));
  await tick();
  let html = await page(dir);
  assert.equal(_lastBuild.checkedLinks, 2);
  for (const name of ["to-t", "to-to-t", "dangling", "loop-a", "loop-b"]) assert.ok(html.includes(`<a href="${name}">${name}@</a>`), name);
  for (const name of ["self", "away", "to-away"]) assert.ok(html.includes(`<a href="${name}/">${name}@</a>`), name);

  await tick();
  unlinkSync(join(dir, "t"));
  mkdirSync(join(dir, "t"));
  mkdirSync(join(dir, "missing"));
  html = await page(dir);
  for (const name of ["to-t", "to-to-t", "dangling"]) assert.ok(html.includes(`<a href="${name}/">${name}@</a>`), name);

  await tick();
  rmdirSync(join(elsewhere, "x"));
  writeFileSync(join(elsewhere, "x"), "");
  html = await page(dir);
  for (const name of ["away", "to-away"]) assert.ok(html.includes(`<a href="${name}">${name}@</a>`), name);
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

test("listing cache: names that are not UTF-8 keep their bytes", async () => {
  const dir = join(root, "bytes");
  mkdirSync(dir);
  const names = [Buffer.from("caf\xc3\xa9 & <x>.txt", "latin1"), Buffer.from("bad\xff\xfe.txt", "latin1"), Buffer.from("\xe6\x97\xa5\xe6\x9c\xac", "latin1")];
  for (const name of names) writeFileSync(Buffer.concat([Buffer.from(dir + "/"), name]), "");
  symlinkSync(".", join(dir, "self"));
  const entries: ListingEntry[] = names.map((raw) => ({ name: fsDecode(raw), isDir: false, isSymlink: false }));
  entries.push({ name: "self", isDir: true, isSymlink: true });
  assert.ok(entries.some((e) => /[\uDC80-\uDCFF]/.test(e.name)), "a name that is not UTF-8 decodes to lone surrogates");
  const { items } = await listingItems(fsEncode(dir)!, false);
  const want = renderListing("/d/", sortEntries(entries));
  assert.deepEqual(Buffer.concat([renderListingHead("/d/"), ...items, LISTING_TAIL]), want);
  assert.ok(want.includes(Buffer.from(">bad\xff\xfe.txt<", "latin1")), "the bytes as on disk");
});

test("listing cache: building a big folder gives the event loop turns, and still gives renderListing()'s bytes", async (t) => {
  _tuning.sliceMs = 0; // a turn at every check
  t.after(() => {
    _tuning.sliceMs = 4;
  });
  const dir = join(root, "sliced");
  mkdirSync(dir);
  const entries: ListingEntry[] = [];
  for (let i = 0; i < 3000; i++) {
    const name = `${i % 3 === 0 ? "A" : "a"}${(i * 7919) % 3000}-${i}`;
    writeFileSync(join(dir, name), "");
    entries.push({ name, isDir: false, isSymlink: false });
  }
  for (let i = 0; i < 100; i++) {
    symlinkSync(i % 2 === 0 ? "." : "nowhere", join(dir, `link-${i}`));
    entries.push({ name: `link-${i}`, isDir: i % 2 === 0, isSymlink: true });
  }
  let turns = 0;
  let building = true;
  const spin = (): void => {
    turns++;
    if (building) setImmediate(spin);
  };
  setImmediate(spin);
  const built = await listingItems(fsEncode(dir)!, false);
  building = false;
  assert.ok(_lastBuild.slices > 100, `${_lastBuild.slices} slices`);
  assert.ok(turns > 100, `the event loop turned ${turns} times while the listing was built`);
  assert.ok(built.items.length >= 2, "a 200 KB listing is kept in more than one part");
  const body = Buffer.concat([renderListingHead("/d/"), ...built.items, LISTING_TAIL]);
  assert.deepEqual(body, renderListing("/d/", sortEntries(entries)));
});

test("sortSliced() orders exactly as sortEntries() (stable, code points), however it is sliced", async () => {
  const name = fc.oneof(
    fc.constantFrom("a", "A", "b", "B", "\u0130", "i\u0307", "\u03A3", "\u03C3", "\u03C2", "\uFF21", "\u{1D400}", "\uDCFF", "\uE000", "\u{10000}"),
    fc.string({ maxLength: 4 }),
    fc.string({ unit: "binary", maxLength: 3 }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(name, name), { maxLength: 1500 }), fc.constantFrom(0, 4), async (pairs, sliceMs) => {
      _tuning.sliceMs = sliceMs;
      try {
        const entries = pairs.map(([a, b], i) => ({ name: a + b, i }));
        assert.deepEqual(await sortSliced(entries, new Slicer()), sortEntries(entries));
      } finally {
        _tuning.sliceMs = 4;
      }
    }),
    { numRuns: 60 },
  );
});

test("sortSliced() pauses in every stage: keys, runs and merges", async () => {
  const entries = Array.from({ length: 5000 }, (_, i) => ({ name: `n${(i * 7919) % 5000}` }));
  let checks = 0;
  let pauses = 0;
  const pacer = {
    due: () => ++checks % 2 === 0,
    pause: async () => {
      pauses++;
    },
  };
  const got = await sortSliced(entries, pacer);
  assert.deepEqual(got, sortEntries(entries));
  // keys: 5000/256 checks; runs: 10; merges: 4 levels of 5000/256 checks each.
  assert.ok(checks >= 19 + 10 + 4 * 19, `${checks} checks`);
  assert.equal(pauses, Math.floor(checks / 2));
});

test("readNames(): latin1 names from Dirents; a runtime giving bare names falls back to the Buffer path", async () => {
  const dir = join(root, "names");
  mkdirSync(dir);
  writeFileSync(Buffer.concat([Buffer.from(dir + "/"), Buffer.from("\xc3\xa9\xff", "latin1")]), "");
  mkdirSync(join(dir, "sub"));
  const describe = (es: { name: string; isDirectory(): boolean }[]): string[] => es.map((e) => `${Buffer.from(e.name, "latin1").toString("hex")}:${e.isDirectory()}`).sort();
  const want = ["737562:true", "c3a9ff:false"];
  assert.deepEqual(describe(await readNames(fsEncode(dir)!)), want);
  assert.deepEqual(describe(await readNames(fsEncode(dir)!, async () => ["sub", "\xc3\xa9\xff"])), want);
});

test("renderListingHead(): one buffer per request path, reused", () => {
  const a = renderListingHead("/a%20b/?x#y");
  assert.equal(renderListingHead("/a%20b/?x#y"), a);
  assert.match(a.toString("utf8"), /<title>Directory listing for \/a b\/<\/title>/);
  assert.notEqual(renderListingHead("/c/"), a);
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
