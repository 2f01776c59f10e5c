/**
 * The small-file cache of `SimpleHTTPRequestHandler`: a file served before is
 * answered from memory only while `stat()` shows it unchanged (device, inode,
 * size, mtime, ctime), a file too recently written is never cached, and any
 * change, replacement or symlink swap is served fresh (or refused) at once.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdtemp, rename, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { _clearFileCache, _fileCacheConfig, _fileCacheInfo } from "../../src/static/file-cache.js";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { exchange, LogCapture, serve, splitResponse } from "../helpers/net.js";

const OLD = new Date("2020-01-02T03:04:05Z");

/**
 * A served directory; `racyMs` is how old a file must be to be cached (the
 * default 2 s, lowered to 0 so that tests need not wait for a ctime to age).
 */
async function fixture(t: { after(fn: () => unknown): void }, racyMs = 0): Promise<{ dir: string; port: number; get(path: string, extra?: string): Promise<ReturnType<typeof splitResponse>> }> {
  _clearFileCache();
  _fileCacheConfig.racyMs = racyMs;
  t.after(() => {
    _fileCacheConfig.racyMs = 2000;
  });
  const log = new LogCapture().start();
  t.after(() => log.stop());
  const root = await mkdtemp(join(tmpdir(), "file-cache-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = join(root, "www");
  await writeOld(join(root, "outside.txt"), "SECRET-1");
  await import("node:fs/promises").then((fs) => fs.mkdir(dir));
  class Handler extends SimpleHTTPRequestHandler {
    override directory = dir;
  }
  const s = await serve(Handler);
  t.after(() => s.close());
  return {
    dir,
    port: s.port,
    async get(path: string, extra = "") {
      return splitResponse(await exchange(s.port, `GET ${path} HTTP/1.0\r\n${extra}\r\n`));
    },
  };
}

/** Writes `text` to `path` with an mtime well in the past, so the cache may keep it. */
async function writeOld(path: string, text: string): Promise<void> {
  await writeFile(path, text);
  await utimes(path, OLD, OLD);
}

test("a file changed in the last racyMs is read from disk each time, never cached", async (t) => {
  const f = await fixture(t, 60_000);
  await writeOld(join(f.dir, "a.txt"), "hello-1"); // utimes sets ctime to now
  assert.equal((await f.get("/a.txt")).body, "hello-1");
  assert.equal((await f.get("/a.txt")).body, "hello-1");
  assert.deepEqual(_fileCacheInfo(), { entries: 0, bytes: 0, hits: 0 });
});

test("a small file is served from the cache once served and unchanged", async (t) => {
  const f = await fixture(t);
  await writeOld(join(f.dir, "a.txt"), "hello-1");
  assert.equal((await f.get("/a.txt")).body, "hello-1");
  assert.deepEqual(_fileCacheInfo(), { entries: 1, bytes: 7, hits: 0 });
  const r = await f.get("/a.txt");
  assert.equal(r.body, "hello-1");
  assert.equal(r.headers["content-length"], "7");
  assert.equal(_fileCacheInfo().hits, 1);
});

test("a cached file rewritten with the same size and mtime is served fresh (ctime differs)", async (t) => {
  const f = await fixture(t);
  const path = join(f.dir, "b.txt");
  await writeOld(path, "AAAA");
  await f.get("/b.txt");
  assert.equal((await f.get("/b.txt")).body, "AAAA");
  assert.equal(_fileCacheInfo().hits, 1);
  // Same size, same mtime: only ctime tells. Rewritten until the coarse
  // file clock has moved on, so that ctime does differ.
  const before = (await stat(path)).ctimeMs;
  do await writeOld(path, "BBBB");
  while ((await stat(path)).ctimeMs === before);
  assert.equal((await f.get("/b.txt")).body, "BBBB");
  assert.equal(_fileCacheInfo().hits, 1);
});

test("a cached file grown, replaced by rename, or removed is never served stale", async (t) => {
  const f = await fixture(t);
  const path = join(f.dir, "c.txt");
  await writeOld(path, "one");
  await f.get("/c.txt");
  assert.equal((await f.get("/c.txt")).body, "one");
  assert.equal(_fileCacheInfo().hits, 1);
  await writeFile(path, "three");
  assert.equal((await f.get("/c.txt")).body, "three");
  const tmp = join(f.dir, "c.tmp");
  await writeOld(tmp, "tres!");
  await rename(tmp, path);
  assert.equal((await f.get("/c.txt")).body, "tres!");
  await rm(path);
  assert.match((await f.get("/c.txt")).status, / 404 /);
});

test("a cached file swapped for a symlink leading outside the directory gets 404", async (t) => {
  const f = await fixture(t);
  const path = join(f.dir, "d.txt");
  const outside = join(f.dir, "..", "outside.txt");
  // Both files with the same size, mtime and ctime (ctime set within one tick
  // of the file clock, retried until it is), so that only the inode differs.
  for (let i = 0; i < 100; i++) {
    await writeOld(path, "PUBLIC-1");
    await utimes(outside, OLD, OLD);
    if ((await stat(path)).ctimeMs === (await stat(outside)).ctimeMs) break;
  }
  await f.get("/d.txt");
  assert.equal((await f.get("/d.txt")).body, "PUBLIC-1");
  assert.equal(_fileCacheInfo().hits, 1);
  await rm(path);
  await symlink(outside, path);
  assert.match((await f.get("/d.txt")).status, / 404 /);
});

test("a cached file made unreadable is no longer served from memory", { skip: process.getuid?.() === 0 ? "root reads any file" : false }, async (t) => {
  const f = await fixture(t);
  const path = join(f.dir, "e.txt");
  await writeOld(path, "private");
  await f.get("/e.txt");
  assert.equal((await f.get("/e.txt")).body, "private");
  await chmod(path, 0o000);
  t.after(() => chmod(path, 0o644));
  assert.match((await f.get("/e.txt")).status, / 404 /);
});

test("a range of a cached file is still a 206 with the right bytes", async (t) => {
  const f = await fixture(t);
  await writeOld(join(f.dir, "r.txt"), "0123456789");
  await f.get("/r.txt");
  await f.get("/r.txt");
  const r = await f.get("/r.txt", "Range: bytes=2-4\r\n");
  assert.match(r.status, / 206 /);
  assert.equal(r.body, "234");
  const m = await f.get("/r.txt", "Range: bytes=0-0,8-9\r\n");
  assert.match(m.status, / 206 /);
  assert.match(m.body, /\r\n\r\n0\r\n[\s\S]*\r\n\r\n89\r\n/);
});

test("a large file arrives intact, fast or slow reader (chunk buffers are reused only once the socket is done with them)", async (t) => {
  const f = await fixture(t);
  const { createHash, randomBytes } = await import("node:crypto");
  const data = randomBytes(6 * 1024 * 1024 + 12345);
  await writeFile(join(f.dir, "big.bin"), data);
  const want = createHash("sha256").update(data).digest("hex");
  const { open } = await import("../helpers/net.js");
  for (const slow of [false, true]) {
    const socket = await open(f.port);
    const got = await new Promise<Buffer>((resolve, reject) => {
      const parts: Buffer[] = [];
      socket.on("data", (d: Buffer) => {
        parts.push(d);
        if (slow) {
          // A reader slower than the server: every chunk meets a full socket.
          socket.pause();
          setImmediate(() => socket.resume());
        }
      });
      socket.on("close", () => resolve(Buffer.concat(parts)));
      socket.on("error", reject);
      socket.write("GET /big.bin HTTP/1.0\r\n\r\n");
    });
    const body = got.subarray(got.indexOf("\r\n\r\n") + 4);
    assert.equal(body.length, data.length, `slow=${slow}`);
    assert.equal(createHash("sha256").update(body).digest("hex"), want, `slow=${slow}`);
  }
});
