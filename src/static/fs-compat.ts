/**
 * File-system calls whose results differ between Node.js, Bun and Deno, made
 * to give Node.js's answer on all three.
 *
 * Strategy: call the ordinary node:fs API and repair its result only where a
 * runtime is known to differ, checking the result's shape rather than the
 * runtime's name, so a runtime that fixes its behaviour takes the fast path:
 * - Deno's `readlinkSync(path, { encoding: "buffer" })` returns a plain
 *   `Uint8Array`, which lacks `Buffer#equals`: it is wrapped (no copy).
 * - Bun's `readdir(path, { withFileTypes: true, encoding: "buffer" })`
 *   returns bare name Buffers, not `Dirent`s: each name is then `lstat`ed.
 */

import { readlinkSync } from "node:fs";
import { lstat, readdir } from "node:fs/promises";

/** A directory entry: its name as bytes and its type (the link itself for a symlink). */
export interface DirEntry {
  name: Buffer;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/** The bytes as a Buffer, sharing their memory. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `readlinkSync(path, { encoding: "buffer" })`, always a Buffer. */
export function readlinkBuffer(path: string): Buffer {
  return asBuffer(readlinkSync(path, { encoding: "buffer" }));
}

/** What `readdir(path, { withFileTypes: true, encoding: "buffer" })` returns: Dirents, or (Bun) bare names. */
type ReadTyped = (path: Buffer) => Promise<(DirEntry | Uint8Array)[]>;

const readTyped: ReadTyped = (path) => readdir(path, { withFileTypes: true, encoding: "buffer" }) as unknown as Promise<(DirEntry | Uint8Array)[]>;

/** `readdir(path, { withFileTypes: true, encoding: "buffer" })`, always with entry types (`read`: for tests). */
export async function readdirTyped(path: Buffer, read: ReadTyped = readTyped): Promise<DirEntry[]> {
  const entries = await read(path);
  if (entries.every((e) => !(e instanceof Uint8Array))) return entries as DirEntry[];
  const slash = Buffer.from("/");
  return Promise.all(
    entries.map(async (e): Promise<DirEntry> => {
      if (!(e instanceof Uint8Array)) return e;
      const name = asBuffer(e);
      const stats = await lstat(Buffer.concat([path, slash, name])).catch(() => null);
      return {
        name,
        isDirectory: () => stats?.isDirectory() ?? false,
        isSymbolicLink: () => stats?.isSymbolicLink() ?? false,
      };
    }),
  );
}
