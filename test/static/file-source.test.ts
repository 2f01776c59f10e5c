/**
 * The sources `send_head()` returns: `BytesSource` in memory, `FileSource`
 * reading pieces of an open file (ranges and the bytes between them), ahead
 * of the writer, failing loudly when the file shrinks, and closing once.
 * Over real temp files, no sockets.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, fstatSync, openSync } from "node:fs";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BytesSource, COPY_CHUNK, FileReadError, FileSource, readSmall, type Source } from "../../src/static/file-source.js";

/** Everything a source yields, in chunks of at most `n`. */
async function drain(source: Source, n: number): Promise<{ data: Buffer; chunks: number[] }> {
  const parts: Buffer[] = [];
  for (;;) {
    const chunk = await source.read(n);
    if (chunk.length === 0) break;
    assert.ok(chunk.length <= n, `chunk of ${chunk.length} > ${n}`);
    parts.push(Buffer.from(chunk));
  }
  return { data: Buffer.concat(parts), chunks: parts.map((p) => p.length) };
}

async function tempFile(t: { after(fn: () => unknown): void }, content: string | Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "file-source-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, "f");
  await writeFile(path, content);
  return path;
}

test("BytesSource yields its bytes in chunks, then empty reads, also after close()", async () => {
  const s = new BytesSource(Buffer.from("0123456789"));
  assert.deepEqual(await drain(s, 4), { data: Buffer.from("0123456789"), chunks: [4, 4, 2] });
  assert.equal((await s.read(4)).length, 0);
  await s.close();
  await s.close();
  assert.equal((await s.read(4)).length, 0);
});

test("FileSource sends ranges and the bytes between them in order", async (t) => {
  const path = await tempFile(t, "0123456789");
  const s = new FileSource(openSync(path, "r"), [Buffer.from("<"), { start: 2, end: 4 }, Buffer.alloc(0), Buffer.from("|"), { start: 9, end: 9 }, Buffer.from(">")]);
  const { data } = await drain(s, 2);
  assert.equal(data.toString(), "<234|9>");
  await s.close();
});

test("FileSource of a whole file larger than one chunk reads it all, chunk by chunk", async (t) => {
  const size = COPY_CHUNK * 2 + 123;
  const content = Buffer.alloc(size, 7);
  content.write("end", size - 3);
  const path = await tempFile(t, content);
  const s = new FileSource(openSync(path, "r"), [{ start: 0, end: size - 1 }]);
  const { data, chunks } = await drain(s, COPY_CHUNK);
  assert.deepEqual(chunks, [COPY_CHUNK, COPY_CHUNK, 123]);
  assert.ok(data.equals(content));
  await s.close();
});

test("FileSource rejects with FileReadError when the file shrank below what was announced", async (t) => {
  const path = await tempFile(t, "0123456789");
  const fd = openSync(path, "r");
  const s = new FileSource(fd, [{ start: 0, end: 9 }]);
  await truncate(path, 5);
  await assert.rejects(s.read(100), FileReadError);
  await s.close();
});

test("FileSource.close() closes the descriptor once, and later reads are empty", async (t) => {
  const path = await tempFile(t, "0123456789");
  const fd = openSync(path, "r");
  const s = new FileSource(fd, [{ start: 0, end: 9 }]);
  assert.equal((await s.read(3)).toString(), "012");
  await s.close();
  await s.close();
  assert.throws(() => fstatSync(fd), { code: "EBADF" });
  assert.equal((await s.read(3)).length, 0);
});

test("readSmall() reads a file whole, or what is there when it shrank", async (t) => {
  const path = await tempFile(t, "hello");
  const fd = openSync(path, "r");
  t.after(() => closeSync(fd));
  assert.equal(readSmall(fd, 5).toString(), "hello");
  assert.equal(readSmall(fd, 8).toString(), "hello");
});
