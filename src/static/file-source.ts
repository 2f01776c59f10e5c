/**
 * The readable sources `send_head()` resolves to, and `copyfile()` copies to
 * the client: Python's file object, reduced to what is used.
 *
 * Strategy: a body is either bytes already in memory (`BytesSource`: a
 * directory listing, a small file read whole before its head was sent) or an
 * open file sent as a list of pieces (`FileSource`: byte ranges of the file
 * and, for multipart responses, the bytes between them). A file is read in
 * large chunks at explicit positions, the next chunk while the current one is
 * being sent, so a file of any size streams in bounded memory; closing the
 * source closes the file at once, after any read in flight.
 */

import { read, readSync } from "node:fs";
import { closeFile } from "./confine.js";
import type { Range } from "./ranges.js";

/** Something `send_head()` hands to `copyfile()`: Python's file object, reduced to what is used. */
export interface Source {
  /** Resolves to up to `n` bytes; an empty Buffer at the end. */
  read(n: number): Promise<Buffer>;
  /** Releases the source (closes the file). Safe to call twice. */
  close(): Promise<void>;
}

/** Files up to this size are read whole before their head is sent (and may be cached). */
export const SMALL_FILE = 64 * 1024;

/** Bytes per read when copying a file: large reads keep syscalls few. */
export const COPY_CHUNK = 512 * 1024;

/** An in-memory source (a directory listing, a small file). */
export class BytesSource implements Source {
  #data: Buffer | null;
  constructor(data: Buffer) {
    this.#data = data;
  }
  async read(n: number): Promise<Buffer> {
    const data = this.#data;
    if (data === null || data.length === 0) return Buffer.alloc(0);
    const out = data.subarray(0, n);
    this.#data = data.subarray(out.length);
    return out;
  }
  async close(): Promise<void> {
    this.#data = null;
  }
  /** What is left to read, all at once; the source is closed after. */
  _take(): Buffer {
    const data = this.#data ?? Buffer.alloc(0);
    this.#data = null;
    return data;
  }
}

/** Reads a small file whole, synchronously (it is in the page cache or nearly so). */
export function readSmall(fd: number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  const n = readSync(fd, buf, 0, size, 0);
  return n === size ? buf : buf.subarray(0, n);
}

/** Reads up to `length` bytes at `position` into `into` if it is large enough, else a new Buffer. */
function readAt(fd: number, length: number, position: number, into: Buffer | null = null): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const buf = into !== null && into.length >= length ? into.subarray(0, length) : Buffer.allocUnsafe(length);
    read(fd, buf, 0, length, position, (err, n) => (err ? reject(err) : resolve(n === length ? buf : buf.subarray(0, n))));
  });
}

/**
 * The file could not be read to the length already announced (it shrank, or
 * the disk failed): the response can only be cut short.
 */
export class FileReadError extends Error {
  override name = "FileReadError";
}

/**
 * An open file, sent as a sequence of pieces: byte ranges of the file and,
 * for multipart responses, the bytes between them. The next chunk is read
 * while the current one is being sent.
 */
export class FileSource implements Source {
  #fd: number;
  /** What is left to send, in order: raw bytes, or a byte range of the file. */
  readonly #pieces: (Buffer | Range)[];
  #ahead: Promise<Buffer> | null = null;
  /**
   * A chunk buffer the socket is done with (see `_recycle`), read into next
   * instead of a fresh allocation: a fresh 512 KiB buffer is an mmap, 128
   * page faults and a munmap, per chunk.
   */
  #spare: Buffer | null = null;

  /**
   * @param fd an open descriptor, owned (and closed) by the source from now on.
   * @param pieces what to send, in order; ranges are consumed in place.
   */
  constructor(fd: number, pieces: (Buffer | Range)[]) {
    this.#fd = fd;
    this.#pieces = pieces;
  }

  read(n: number): Promise<Buffer> {
    const current = this.#ahead ?? this.#next(n);
    this.#ahead = null;
    return current.then((chunk) => {
      if (chunk.length > 0 && this.#fd !== -1) {
        this.#ahead = this.#next(n);
        this.#ahead.catch(() => {}); // surfaced by the next read()
      }
      return chunk;
    });
  }

  async #next(n: number): Promise<Buffer> {
    for (;;) {
      const piece = this.#pieces[0];
      if (piece === undefined || this.#fd === -1) return Buffer.alloc(0);
      if (Buffer.isBuffer(piece)) {
        this.#pieces.shift();
        if (piece.length > 0) return piece;
        continue;
      }
      const want = Math.min(n, piece.end - piece.start + 1);
      if (want <= 0) {
        this.#pieces.shift();
        continue;
      }
      const position = piece.start;
      piece.start += want;
      const into = this.#spare;
      this.#spare = null;
      const chunk = await readAt(this.#fd, want, position, into).catch((e: unknown) => {
        throw new FileReadError(`read failed: ${(e as { code?: string }).code ?? String(e)}`);
      });
      // The file shrank under us: what was promised cannot be sent.
      if (chunk.length < want) throw new FileReadError("file changed while being sent");
      return chunk;
    }
  }

  /**
   * Hands back a chunk this source returned, once nothing refers to its bytes
   * any more (the socket has passed them to the kernel): the next read may
   * overwrite it.
   */
  _recycle(chunk: Buffer): void {
    const whole = chunk.buffer;
    if (chunk.byteOffset === 0 && whole.byteLength === COPY_CHUNK) this.#spare = Buffer.from(whole, 0, COPY_CHUNK);
  }

  async close(): Promise<void> {
    this.#spare = null;
    if (this.#fd === -1) return;
    const fd = this.#fd;
    this.#fd = -1;
    // A read in flight finishes before the descriptor is released.
    await this.#ahead?.catch(() => {});
    this.#ahead = null;
    closeFile(fd);
  }
}
