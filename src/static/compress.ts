/**
 * On-the-fly compression for `--compress` / `compress` (issue #14): which
 * responses are compressed, with what, and the bytes.
 *
 * Strategy: compression is node:zlib's (gzip, brotli, and zstd where this
 * Node has `zlib.createZstdCompress`), never ours. A response is a candidate
 * only when its type is compressible (mime-db's `compressible` flag, else
 * text-like), it is at least `COMPRESS_MIN_SIZE` bytes (below that the coding
 * costs more than it saves), and it is a GET or HEAD without `Range` (a range
 * of an on-the-fly coding has no stable offsets; such requests get identity).
 * Candidates carry `Vary: Accept-Encoding` whatever the client asked, since
 * the answer depends on it.
 *
 * Files up to `WHOLE_LIMIT` are compressed whole, off the event loop (zlib's
 * thread pool), and the result kept in a small cache keyed by the file's
 * identity (device, inode, size, mtime, ctime) and the coding: the response
 * then has a `Content-Length` and a repeat costs a stat, not a compression.
 * Larger files stream through a zlib transform, pulled chunk by chunk as the
 * socket takes them (backpressure), framed with chunked transfer coding when
 * both sides speak HTTP/1.1, else ended by closing the connection.
 *
 * The encoded representation's entity-tag is the identity one with the coding
 * appended (`W/"size-mtime-br"`), so a cache never confuses the two.
 */

import { Readable, pipeline } from "node:stream";
import * as zlib from "node:zlib";
import mimeDb from "mime-db";

/** Bodies smaller than this are sent as they are (a coding would not pay). */
export const COMPRESS_MIN_SIZE = 1024;

/** Files up to this size are compressed whole (and cached); larger ones stream. */
export const WHOLE_LIMIT = 1024 * 1024;

/** The encoded-bytes cache holds at most this many bytes and entries. */
const CACHE_BYTES = 16 * 1024 * 1024;
const CACHE_ENTRIES = 512;

/** Output chunk size of the streaming encoders: fewer, larger writes. */
const STREAM_CHUNK = 64 * 1024;

type ZstdFactory = (options?: { params?: Record<number, number> }) => zlib.BrotliCompress;
const createZstd = (zlib as unknown as { createZstdCompress?: ZstdFactory }).createZstdCompress;
const zstdCompress = (zlib as unknown as { zstdCompress?: (b: Buffer, cb: (e: Error | null, r: Buffer) => void) => void }).zstdCompress;

/**
 * The codings this process can produce, most preferred first: brotli (the
 * smallest at a speed close to gzip's at the levels used), zstd when present,
 * then gzip, which every client has.
 */
export const COMPRESS_CODINGS: readonly string[] = createZstd !== undefined ? ["br", "zstd", "gzip"] : ["br", "gzip"];

/**
 * Brotli quality 4: faster than gzip -6 with smaller output (quality 11,
 * zlib's default, is for precompression and is ~50x slower).
 */
const BROTLI_QUALITY = 4;
const GZIP_LEVEL = 6;

function brotliOptions(size: number): zlib.BrotliOptions {
  return {
    chunkSize: STREAM_CHUNK,
    params: {
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
      [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size,
    },
  };
}

const compressibleCache = new Map<string, boolean>();

/**
 * Whether a body of this type is worth compressing: mime-db's `compressible`
 * flag when it has one (except for `application/octet-stream`, which it
 * calls compressible), else text-like types (`text/*`, `+json`, `+xml`,
 * `+text`). Images, audio, video, archives and fonts already compressed
 * (woff2) are not. Parameters (`; charset=…`) are ignored.
 */
export function isCompressible(type: string): boolean {
  const known = compressibleCache.get(type);
  if (known !== undefined) return known;
  const semi = type.indexOf(";");
  const essence = (semi === -1 ? type : type.slice(0, semi)).trim().toLowerCase();
  // mime-db flags application/octet-stream compressible; unknown bytes are not worth a try.
  const flag = essence === "application/octet-stream" ? false : (mimeDb as Record<string, { compressible?: boolean }>)[essence]?.compressible;
  const result = flag ?? (essence.startsWith("text/") || /\+(?:json|xml|text)$/.test(essence));
  if (compressibleCache.size < 256) compressibleCache.set(type, result);
  return result;
}

/** Whether a response of this type and size is a candidate for compression (and so varies on Accept-Encoding). */
export function compressionApplies(type: string, size: number): boolean {
  return size >= COMPRESS_MIN_SIZE && isCompressible(type);
}

/** The entity-tag of `coding`'s representation: the identity tag with `-coding` inside the quotes. */
export function encodedEtag(identityEtag: string, coding: string): string {
  return identityEtag.endsWith('"') ? `${identityEtag.slice(0, -1)}-${coding}"` : `${identityEtag}-${coding}`;
}

/** A streaming encoder for `coding` (one of `COMPRESS_CODINGS`). */
export function createEncoder(coding: string, sizeHint = 0): zlib.Gzip | zlib.BrotliCompress {
  switch (coding) {
    case "br":
      return zlib.createBrotliCompress(brotliOptions(sizeHint));
    case "gzip":
      return zlib.createGzip({ level: GZIP_LEVEL, chunkSize: STREAM_CHUNK });
    case "zstd":
      if (createZstd !== undefined) return createZstd();
  }
  throw new Error(`unsupported coding: ${coding}`);
}

/** Compresses `data` whole with `coding`, in zlib's thread pool. */
export function encodeWhole(coding: string, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (e: Error | null, out: Buffer): void => (e ? reject(e) : resolve(out));
    if (coding === "br") zlib.brotliCompress(data, brotliOptions(data.length), done);
    else if (coding === "gzip") zlib.gzip(data, { level: GZIP_LEVEL }, done);
    else if (coding === "zstd" && zstdCompress !== undefined) zstdCompress(data, done);
    else reject(new Error(`unsupported coding: ${coding}`));
  });
}

// ---- the encoded-bytes cache ------------------------------------------------------

/** What identifies one version of one file. */
export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

const encodedCache = new Map<string, Buffer>();
let encodedBytes = 0;

function keyOf(f: FileIdentity, coding: string): string {
  return `${f.dev}:${f.ino}:${f.size}:${f.mtimeMs}:${f.ctimeMs}:${coding}`;
}

/** The cached encoding of this file version, if any (a hit moves it to the young end). */
export function cachedEncoding(f: FileIdentity, coding: string): Buffer | undefined {
  const key = keyOf(f, coding);
  const hit = encodedCache.get(key);
  if (hit !== undefined) {
    encodedCache.delete(key);
    encodedCache.set(key, hit);
  }
  return hit;
}

/** Remembers an encoding; the oldest entries go first when full. */
export function rememberEncoding(f: FileIdentity, coding: string, encoded: Buffer): void {
  if (encoded.length > CACHE_BYTES / 4) return;
  const key = keyOf(f, coding);
  const old = encodedCache.get(key);
  if (old !== undefined) {
    encodedCache.delete(key);
    encodedBytes -= old.length;
  }
  while (encodedCache.size > 0 && (encodedCache.size >= CACHE_ENTRIES || encodedBytes + encoded.length > CACHE_BYTES)) {
    const [k, v] = encodedCache.entries().next().value as [string, Buffer];
    encodedCache.delete(k);
    encodedBytes -= v.length;
  }
  encodedCache.set(key, encoded);
  encodedBytes += encoded.length;
}

/** Empties the encoded-bytes cache (tests). */
export function _clearEncodedCache(): void {
  encodedCache.clear();
  encodedBytes = 0;
}

// ---- streaming --------------------------------------------------------------------

/** What the encoder reads from: `send_head()`'s Source. */
export interface ChunkSource {
  read(n: number): Promise<Buffer>;
  close(): Promise<void>;
}

const CRLF = Buffer.from("\r\n");
const LAST_CHUNK = Buffer.from("0\r\n\r\n");
const EMPTY = Buffer.alloc(0);

/**
 * A source that reads `inner` through an encoder, chunk by chunk as it is
 * asked for (the encoder pulls input only as its output is taken), framing
 * each chunk for `Transfer-Encoding: chunked` when `chunked`.
 */
export class EncodingSource implements ChunkSource {
  readonly #inner: ChunkSource;
  readonly #chunked: boolean;
  readonly #encoder: zlib.Gzip | zlib.BrotliCompress;
  readonly #output: AsyncIterator<Buffer>;
  #done = false;

  constructor(inner: ChunkSource, coding: string, chunked: boolean, sizeHint = 0) {
    this.#inner = inner;
    this.#chunked = chunked;
    this.#encoder = createEncoder(coding, sizeHint);
    const input = Readable.from(pull(inner), { objectMode: false, highWaterMark: 1 });
    // Errors (a file that fails to read) reach the reader through the encoder.
    pipeline(input, this.#encoder, () => {});
    this.#output = this.#encoder[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  async read(_n: number): Promise<Buffer> {
    for (;;) {
      if (this.#done) return EMPTY;
      const next = await this.#output.next();
      if (next.done === true) {
        this.#done = true;
        return this.#chunked ? LAST_CHUNK : EMPTY;
      }
      const chunk = next.value;
      // An empty chunk would end a chunked body early.
      if (chunk.length === 0) continue;
      return this.#chunked ? Buffer.concat([Buffer.from(chunk.length.toString(16) + "\r\n", "latin1"), chunk, CRLF]) : chunk;
    }
  }

  async close(): Promise<void> {
    this.#done = true;
    this.#encoder.destroy();
    await this.#inner.close();
  }
}

/** `source`'s chunks as an async iterable, ending at its empty read. */
async function* pull(source: ChunkSource): AsyncGenerator<Buffer> {
  for (;;) {
    const chunk = await source.read(STREAM_CHUNK);
    if (chunk.length === 0) return;
    yield chunk;
  }
}
