/**
 * The `<li>` lines of directory listings, built once per directory version and
 * shared by every request that lists it (the page's head, which shows the
 * request path, is rendered per request path).
 *
 * Strategy: a listing is keyed by the directory's path and the dot-file rule,
 * and is valid for one version of the directory: its device, inode, mtime and
 * ctime as `stat` gives them when the request arrives. A name added, removed
 * or renamed changes the mtime; a permission change the ctime. What a version
 * stamp cannot see is whether a symbolic link's target turned from directory
 * to file or back, so each listing keeps its links and every request checks
 * them (a change rebuilds the listing) — all but the links whose target is a
 * plain name in the same directory (`a -> b`, no `/`; or `.`, `..`): a link's
 * own text never changes in place, and that target can only be made, removed
 * or replaced by changing this directory, which its version already shows
 * (followed through chains of such links; a chain leaving the directory is
 * checked). The checks are synchronous, as the file server's own opens are:
 * `stat` for the directory, `access("link/")` (which succeeds only for a
 * directory, and makes no Stats object) for a link; a round trip through
 * libuv's thread pool would cost more than the call.
 * A listing of a directory changed within the last 2 s is not kept (a
 * change within the same clock tick would not move the mtime, as with git's
 * "racy" index entries); one being built is shared by the requests that
 * arrive meanwhile for the same version. Kept listings are bounded by
 * `CACHE_BYTES` (least recently used dropped first). The bytes are exactly
 * those `renderListing()` gives.
 *
 * Building never holds the event loop for long, so a folder of tens of
 * thousands of names does not hold up other connections: the names are read
 * as latin1 strings (one byte per char, so no bytes are lost, and far cheaper
 * for the runtime to make than one Buffer per name), then decoding, the links'
 * `stat`s (`LINK_BATCH` at a time, in the thread pool), sorting (runs sorted
 * separately, then merged) and rendering run in steps that give the event loop
 * a turn whenever `SLICE_MS` of work has gone by.
 */

import { existsSync, statSync, type Stats } from "node:fs";
import { readdir, readlink, stat } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { setImmediate as turn } from "node:timers/promises";
import { compareCodePoints, renderListingItems, type ListingEntry } from "./directory-listing.js";
import type { Source } from "./file-source.js";
import { readdirTyped } from "./fs-compat.js";
import { isUploadTemp } from "./upload-rules.js";
import { fsDecode } from "./url.js";

/** Total bytes of kept listings. */
const CACHE_BYTES = 32 * 1024 * 1024;
/** Tunables: `racyMs`, a directory changed this recently (ms) is listed but not kept; `sliceMs`, the longest stretch (ms) of building between two turns of the event loop; settable for tests only. */
export const _tuning = { racyMs: 2000, sliceMs: 4 };
/** How many time slices the last build took, and how many of its links are checked per request (for tests). */
export const _lastBuild = { slices: 0, checkedLinks: 0 };
/** Symbolic links `stat`ed and read at a time while building. */
const LINK_BATCH = 64;
/** Entries per run sorted in one go (then runs are merged); entries rendered per encoded piece. */
const RUN = 512;
/** The `<li>` lines are kept in parts of about this many bytes (fewer, larger writes per response). */
const PART_BYTES = 128 * 1024;

interface Listing {
  /** The directory's version: what `stat` said when the build started. */
  dev: number;
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
  /** The `<li>` lines, in parts. */
  items: Buffer[];
  bytes: number;
  /** Symbolic links to check per request: their full path with a `/` appended, and whether they pointed to a directory. */
  links: { probe: Buffer; isDir: boolean }[];
}

const kept = new Map<string, Listing>();
let keptBytes = 0;
const building = new Map<string, Promise<Listing>>();


/** Whether `path` (following links) is a directory now. */
async function isDirectory(path: Buffer): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/** Whether `hit` is still the listing of the directory `st` describes. */
function stillValid(hit: Listing, st: Stats): boolean {
  if (hit.dev !== st.dev || hit.ino !== st.ino || hit.mtimeMs !== st.mtimeMs || hit.ctimeMs !== st.ctimeMs) return false;
  // `existsSync("link/")`: true only if the link leads to a directory. Were it ever
  // to disagree with `stat` (used to build), the listing would only be rebuilt.
  for (const link of hit.links) if (existsSync(link.probe) !== link.isDir) return false;
  return true;
}

/** The `<li>` lines of the directory `fsPath` (dot-files left out if `excludeDotfiles`); rejects as `readdir` does. */
export async function listingItems(fsPath: Buffer, excludeDotfiles: boolean): Promise<{ items: Buffer[]; bytes: number }> {
  const st = statSync(fsPath); // throws as readdir would for a missing or unreadable path
  const key = `${excludeDotfiles ? 1 : 0}${fsPath.toString("latin1")}`;
  const hit = kept.get(key);
  if (hit !== undefined && stillValid(hit, st)) {
    kept.delete(key); // most recently used goes last
    kept.set(key, hit);
    return hit;
  }
  const inFlight = `${key}\0${st.dev}:${st.ino}:${st.mtimeMs}:${st.ctimeMs}`;
  let pending = building.get(inFlight);
  if (pending === undefined) {
    pending = build(fsPath, excludeDotfiles, st);
    building.set(inFlight, pending);
    const done = (): void => {
      building.delete(inFlight);
    };
    pending.then(done, done);
    if (Date.now() - Math.max(st.mtimeMs, st.ctimeMs) > _tuning.racyMs) pending.then((listing) => keep(key, listing), () => {});
    else forget(key);
  }
  return pending;
}

function forget(key: string): void {
  const old = kept.get(key);
  if (old === undefined) return;
  kept.delete(key);
  keptBytes -= old.bytes;
}

function keep(key: string, listing: Listing): void {
  forget(key);
  if (listing.bytes > CACHE_BYTES / 4) return;
  kept.set(key, listing);
  keptBytes += listing.bytes;
  for (const [k, l] of kept) {
    if (keptBytes <= CACHE_BYTES) break;
    kept.delete(k);
    keptBytes -= l.bytes;
  }
}

/** Time-sliced work: `due()` says when `sliceMs` has gone by since the last turn, `pause()` gives the event loop one. */
/** What sliced work asks of its clock. */
export interface Pacer {
  /** Whether the current slice's time is spent. */
  due(): boolean;
  /** Gives the event loop a turn and starts a new slice. */
  pause(): Promise<void>;
}

export class Slicer implements Pacer {
  #until = performance.now() + _tuning.sliceMs;
  /** Slices started (the first included). */
  slices = 1;
  due(): boolean {
    return performance.now() >= this.#until;
  }
  async pause(): Promise<void> {
    await turn();
    this.slices++;
    this.#until = performance.now() + _tuning.sliceMs;
  }
}

/** A directory's names and types; names as latin1 strings (each char one byte of the name). */
export interface RawEntry {
  name: string;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/** What `readdir(path, { withFileTypes: true, encoding: "latin1" })` returns: Dirents, or (some runtime) bare names. */
type ReadLatin1 = (path: Buffer) => Promise<(RawEntry | string)[]>;

const readLatin1: ReadLatin1 = (path) => readdir(path, { withFileTypes: true, encoding: "latin1" }) as unknown as Promise<(RawEntry | string)[]>;

/**
 * `readdir` with types and latin1 names (Node.js, Bun and Deno all give
 * Dirents for it); should a runtime give bare names, fs-compat.ts's Buffer
 * path (`read`: for tests).
 */
export async function readNames(fsPath: Buffer, read: ReadLatin1 = readLatin1): Promise<RawEntry[]> {
  const dirents = await read(fsPath);
  if (dirents.every((d) => typeof d !== "string" && typeof d.name === "string")) return dirents as RawEntry[];
  return (await readdirTyped(fsPath)).map((d) => ({ name: d.name.toString("latin1"), isDirectory: () => d.isDirectory(), isSymbolicLink: () => d.isSymbolicLink() }));
}

/** Any byte above 0x7f: the name is not ASCII, so its latin1 string is not its decoded name. */
const NOT_ASCII = /[^\x00-\x7f]/;

async function build(fsPath: Buffer, excludeDotfiles: boolean, st: Stats): Promise<Listing> {
  const dirents = await readNames(fsPath);
  const time = new Slicer();
  if (time.due()) await time.pause();
  const slash = Buffer.from("/");
  const links: { raw: string; path: Buffer; entry: ListingEntry }[] = [];
  const entries: ListingEntry[] = [];
  for (let i = 0; i < dirents.length; i++) {
    const d = dirents[i]!;
    const raw = d.name;
    if (excludeDotfiles && raw.charCodeAt(0) === 0x2e) continue;
    if (isUploadTemp(raw)) continue; // an upload's temporary file is never listed (the prefix is ASCII)
    const isSymlink = d.isSymbolicLink();
    // Names that are not UTF-8 keep their bytes (Python's surrogateescape).
    const name = NOT_ASCII.test(raw) ? fsDecode(Buffer.from(raw, "latin1")) : raw;
    const entry: ListingEntry = { name, isDir: d.isDirectory(), isSymlink };
    entries.push(entry);
    if (isSymlink) {
      links.push({ raw, path: Buffer.concat([fsPath, slash, Buffer.from(raw, "latin1")]), entry });
    }
    if ((i & 63) === 63 && time.due()) await time.pause();
  }
  const targets = new Map<string, string | null>();
  for (let from = 0; from < links.length; from += LINK_BATCH) {
    await Promise.all(
      links.slice(from, from + LINK_BATCH).map(async (l) => {
        const [isDir, target] = await Promise.all([isDirectory(l.path), readlink(l.path, { encoding: "latin1" }).catch(() => null)]);
        l.entry.isDir = isDir;
        targets.set(l.raw, target);
      }),
    );
  }
  const checked: Listing["links"] = [];
  if (links.length > 0) {
    const byName = new Map<string, RawEntry>();
    for (let i = 0; i < dirents.length; i++) {
      byName.set(dirents[i]!.name, dirents[i]!);
      if ((i & 1023) === 1023 && time.due()) await time.pause();
    }
    for (const l of links) if (!staysWithDirectory(l.raw, targets, byName)) checked.push({ probe: Buffer.concat([l.path, slash]), isDir: l.entry.isDir });
  }
  const sorted = await sortSliced(entries, time);
  const items: Buffer[] = [];
  let pieces: Buffer[] = [];
  let pending = 0;
  let bytes = 0;
  for (let from = 0; from < sorted.length; from += RUN) {
    const piece = renderListingItems(sorted, from, Math.min(sorted.length, from + RUN));
    pieces.push(piece);
    pending += piece.length;
    if (pending >= PART_BYTES || from + RUN >= sorted.length) {
      const part = pieces.length === 1 ? piece : Buffer.concat(pieces, pending);
      items.push(part);
      bytes += part.length;
      pieces = [];
      pending = 0;
    }
    if (time.due()) await time.pause();
  }
  _lastBuild.slices = time.slices;
  _lastBuild.checkedLinks = checked.length;
  return { dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, items, bytes, links: checked };
}

/**
 * Whether the link `raw` leads, through plain names in the same directory
 * only, to a name of that directory that is not a link, or to one that does
 * not exist, or to `.` or `..`, or round a loop: then whether it leads to a
 * directory can only change with the directory itself.
 * `targets`: the links' texts (`null`: unreadable); `byName`: every name in the directory.
 */
function staysWithDirectory(raw: string, targets: Map<string, string | null>, byName: Map<string, RawEntry>): boolean {
  const seen = new Set<string>();
  for (let name = raw; ; ) {
    if (seen.has(name)) return true; // a loop: ELOOP, whatever happens elsewhere
    seen.add(name);
    const target = targets.get(name);
    if (target === undefined || target === null || target === "" || target.includes("/")) return false;
    if (target === "." || target === "..") return true;
    const next = byName.get(target);
    if (next === undefined || !next.isSymbolicLink()) return true;
    name = target;
  }
}

/**
 * `sortEntries(entries)` (CPython's `sort(key=str.lower)`: stable, by code
 * point) in time slices: the keys are made, runs of `RUN` entries sorted, and
 * the runs merged pairwise (left first on equal keys, so the merge is stable),
 * with a turn of the event loop whenever `time` says the slice is spent.
 */
export async function sortSliced<T extends { name: string }>(entries: readonly T[], time: Pacer = new Slicer()): Promise<T[]> {
  const n = entries.length;
  let a: { entry: T; key: string }[] = new Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = { entry: entries[i]!, key: entries[i]!.name.toLowerCase() };
    if ((i & 255) === 255 && time.due()) await time.pause();
  }
  const byKey = (x: { key: string }, y: { key: string }): number => compareCodePoints(x.key, y.key);
  for (let from = 0; from < n; from += RUN) {
    const run = a.slice(from, from + RUN).sort(byKey); // Array.prototype.sort is stable
    for (let i = 0; i < run.length; i++) a[from + i] = run[i]!;
    if (time.due()) await time.pause();
  }
  let b: { entry: T; key: string }[] = new Array(n);
  for (let width = RUN; width < n; width *= 2) {
    let k = 0;
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width);
      const hi = Math.min(n, lo + 2 * width);
      let i = lo;
      let j = mid;
      while (i < mid || j < hi) {
        b[k++] = j >= hi || (i < mid && byKey(a[i]!, a[j]!) <= 0) ? a[i++]! : a[j++]!;
        if ((k & 255) === 0 && time.due()) await time.pause();
      }
    }
    [a, b] = [b, a];
  }
  return a.map((k) => k.entry);
}

/** A response body made of buffers sent one after the other, never copied into one. */
export class BuffersSource implements Source {
  #parts: Buffer[];
  #i = 0;
  constructor(parts: Buffer[]) {
    this.#parts = parts;
  }
  async read(n: number): Promise<Buffer> {
    while (this.#i < this.#parts.length) {
      const part = this.#parts[this.#i]!;
      if (part.length === 0) {
        this.#i++;
        continue;
      }
      if (part.length <= n) {
        this.#i++;
        return part;
      }
      this.#parts = this.#parts.slice(); // parts may be shared: replace, never change, an element
      this.#parts[this.#i] = part.subarray(n);
      return part.subarray(0, n);
    }
    return Buffer.alloc(0);
  }
  async close(): Promise<void> {
    this.#parts = [];
  }
}
