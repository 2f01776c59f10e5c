/**
 * The `<li>` lines of directory listings, built once per directory version and
 * shared by every request that lists it (the page's head, which shows the
 * request path, is rendered per request).
 *
 * Strategy: a listing is keyed by the directory's path and the dot-file rule,
 * and is valid for one version of the directory: its device, inode, mtime and
 * ctime (nanoseconds) as `stat` gives them when the request arrives. A name
 * added, removed or renamed changes the mtime; a permission change the ctime.
 * What a version stamp cannot see is where a symbolic link points, so each
 * listing keeps its links and every request re-stats them (a link whose
 * target turned from directory to file or back rebuilds the listing).
 * A listing of a directory changed within the last 2 s is not kept (a
 * change within the same clock tick would not move the mtime, as with git's
 * "racy" index entries); one being built is shared by the requests that
 * arrive meanwhile for the same version. Building is sliced: the lines are
 * rendered `SLICE` entries at a time with a turn of the event loop between
 * slices, so a listing of tens of thousands of names does not hold up other
 * connections. Kept listings are bounded by `CACHE_BYTES` (least recently used
 * dropped first). The bytes are exactly those `renderListing()` gives.
 */

import { stat } from "node:fs/promises";
import { setImmediate as turn } from "node:timers/promises";
import { renderListingItems, sortEntries, type ListingEntry } from "./directory-listing.js";
import type { Source } from "./file-source.js";
import { readdirTyped, type DirEntry } from "./fs-compat.js";
import { isUploadTemp } from "./upload-rules.js";
import { fsDecode } from "./url.js";

/** Entries rendered per slice before yielding to other connections. */
const SLICE = 2000;
/** Total bytes of kept listings. */
const CACHE_BYTES = 32 * 1024 * 1024;
/** A directory changed this recently (ms) is listed but not kept; settable for tests only. */
export const _tuning = { racyMs: 2000 };

interface Listing {
  stamp: string;
  /** The `<li>` lines, in slices. */
  items: Buffer[];
  bytes: number;
  /** Symbolic links in the listing: their full path and whether they pointed to a directory. */
  links: { path: Buffer; isDir: boolean }[];
}

const kept = new Map<string, Listing>();
let keptBytes = 0;
const building = new Map<string, Promise<Listing>>();

/** Whether `path` (following links) is a directory now. */
async function isDirectory(path: Buffer): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/** The `<li>` lines of the directory `fsPath` (dot-files left out if `excludeDotfiles`); rejects as `readdir` does. */
export async function listingItems(fsPath: Buffer, excludeDotfiles: boolean): Promise<{ items: Buffer[]; bytes: number }> {
  const st = await stat(fsPath, { bigint: true });
  const stamp = `${st.dev}:${st.ino}:${st.mtimeNs}:${st.ctimeNs}`;
  const key = `${excludeDotfiles ? 1 : 0}${fsPath.toString("latin1")}`;
  const hit = kept.get(key);
  if (hit !== undefined && hit.stamp === stamp) {
    const now = await Promise.all(hit.links.map((l) => isDirectory(l.path)));
    if (now.every((isDir, i) => isDir === hit.links[i]!.isDir)) {
      kept.delete(key); // most recently used goes last
      kept.set(key, hit);
      return hit;
    }
  }
  const inFlight = key + "\0" + stamp;
  let pending = building.get(inFlight);
  if (pending === undefined) {
    pending = build(fsPath, excludeDotfiles, stamp);
    building.set(inFlight, pending);
    const done = (): void => {
      building.delete(inFlight);
    };
    pending.then(done, done);
    const changedMs = Number((st.mtimeNs > st.ctimeNs ? st.mtimeNs : st.ctimeNs) / 1_000_000n);
    if (Date.now() - changedMs > _tuning.racyMs) pending.then((listing) => keep(key, listing), () => {});
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

async function build(fsPath: Buffer, excludeDotfiles: boolean, stamp: string): Promise<Listing> {
  let dirents: DirEntry[] = await readdirTyped(fsPath);
  if (excludeDotfiles) dirents = dirents.filter((d) => d.name[0] !== 0x2e);
  dirents = dirents.filter((d) => !isUploadTemp(d.name)); // an upload's temporary file is never listed
  const slash = Buffer.from("/");
  const links: Listing["links"] = [];
  const entries: ListingEntry[] = new Array(dirents.length);
  const linkChecks: Promise<void>[] = [];
  for (let i = 0; i < dirents.length; i++) {
    const d = dirents[i]!;
    const isSymlink = d.isSymbolicLink();
    // Names that are not UTF-8 keep their bytes (Python's surrogateescape).
    const entry: ListingEntry = { name: fsDecode(d.name), isDir: d.isDirectory(), isSymlink };
    entries[i] = entry;
    if (isSymlink) {
      const link = { path: Buffer.concat([fsPath, slash, d.name]), isDir: false };
      links.push(link);
      linkChecks.push(
        isDirectory(link.path).then((isDir) => {
          link.isDir = isDir;
          entry.isDir = isDir;
        }),
      );
    }
    if (i % SLICE === SLICE - 1) await turn();
  }
  await Promise.all(linkChecks);
  const sorted = sortEntries(entries);
  const items: Buffer[] = [];
  let bytes = 0;
  for (let from = 0; from < sorted.length; from += SLICE) {
    if (from > 0) await turn();
    const slice = renderListingItems(sorted, from, Math.min(sorted.length, from + SLICE));
    items.push(slice);
    bytes += slice.length;
  }
  return { stamp, items, bytes, links };
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
