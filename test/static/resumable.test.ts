/**
 * Resumable uploads (draft-ietf-httpbis-resumable-upload-12, interop
 * version 8) with a small client written from the draft over raw sockets:
 * the creation PUT is cut mid-body after its 104, the client asks the
 * offset with HEAD, appends the rest with PATCH, and the stored bytes are
 * compared. Also: the offset mismatch (409), Upload-Complete: ?0 creation,
 * DELETE, the content type rule, expiry, OPTIONS, a draft-less PUT being a
 * plain upload, and a new request ending one still running.
 */

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "node:net";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { _activeUploads, _resumableConfig, INTEROP_VERSION, parseSfBoolean, parseSfInteger, UPLOAD_RESOURCE_PREFIX as UPLOAD_PREFIX } from "../../src/static/resumable.js";
import { UPLOAD_TEMP_PREFIX } from "../../src/static/upload-rules.js";
import { exchange, LogCapture, open, readUntil, serve, splitResponse, type Running } from "../helpers/net.js";
import { servingDir } from "../helpers/handlers.js";

const log = new LogCapture();
let root: string;
let srv: Running<any>;

before(async () => {
  log.start();
  root = await mkdtemp(join(tmpdir(), "http-server-resumable-"));
  const H = servingDir(root, SimpleHTTPRequestHandler, "HTTP/1.1");
  H.prototype.upload = true;
  srv = await serve(H);
});

after(async () => {
  await srv.close();
  log.stop();
  await rm(root, { recursive: true, force: true });
});

/** One parsed response head (interim or final) of a raw exchange. */
interface Head {
  status: number;
  headers: Record<string, string>;
}

/** The response heads in `raw`, in order (interim ones included). */
function heads(raw: Buffer): Head[] {
  const out: Head[] = [];
  const text = raw.toString("latin1");
  const re = /HTTP\/1\.[01] (\d{3})[^\r]*\r\n((?:[^\r]+\r\n)*)\r\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const headers: Record<string, string> = {};
    for (const line of m[2]!.split("\r\n").filter(Boolean)) {
      const i = line.indexOf(":");
      headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
    }
    out.push({ status: Number(m[1]), headers });
  }
  return out;
}

/** Sends a request and reads until a final (non-1xx) response head has arrived; closes. */
async function request(head: string, body: Buffer = Buffer.alloc(0)): Promise<Head[]> {
  const raw = await exchange(srv.port, [head + "Connection: close\r\n\r\n", body]);
  return heads(raw);
}

/** The data of the upload, deterministic. */
const DATA = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));

test("interrupted after the 104, resumed with HEAD + PATCH: the bytes match", async () => {
  // 1. Creation: the whole file announced, Upload-Complete: ?1; cut after 100,000 bytes.
  const s: Socket = await open(srv.port);
  s.write(
    `PUT /resumed.bin HTTP/1.1\r\nHost: x\r\nUpload-Draft-Interop-Version: ${INTEROP_VERSION}\r\nUpload-Complete: ?1\r\nContent-Length: ${DATA.length}\r\n\r\n`,
  );
  const interim = heads(await readUntil(s, (x) => x.includes("\r\n\r\n")));
  assert.equal(interim[0]!.status, 104);
  assert.equal(interim[0]!.headers["upload-draft-interop-version"], INTEROP_VERSION);
  assert.match(interim[0]!.headers["upload-limit"]!, /max-size=\d+/);
  const location = interim[0]!.headers["location"]!;
  assert.match(location, /^\/\.well-known\/resumable-upload\/[A-Za-z0-9_-]{22}$/);
  await new Promise<void>((resolve) => s.write(DATA.subarray(0, 100_000), () => resolve()));
  await new Promise((r) => setTimeout(r, 50));
  s.destroy();
  assert.ok(!existsSync(join(root, "resumed.bin")), "nothing under the real name yet");

  // 2. Offset retrieval.
  let offset = -1;
  for (let i = 0; i < 100; i++) {
    const [h] = await request(`HEAD ${location} HTTP/1.1\r\nHost: x\r\n`);
    assert.equal(h!.status, 204);
    assert.equal(h!.headers["upload-complete"], "?0");
    assert.equal(h!.headers["cache-control"], "no-store");
    assert.equal(h!.headers["upload-length"], String(DATA.length));
    offset = Number(h!.headers["upload-offset"]);
    if (offset > 0) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(offset > 0 && offset <= 100_000, `offset ${offset}`);

  // 3. A wrong offset: 409 with the right one.
  const [conflict] = await request(
    `PATCH ${location} HTTP/1.1\r\nHost: x\r\nContent-Type: application/partial-upload\r\nUpload-Offset: ${offset + 1}\r\nUpload-Complete: ?1\r\nContent-Length: 0\r\n`,
  );
  assert.equal(conflict!.status, 409);
  assert.equal(conflict!.headers["upload-offset"], String(offset));

  // 4. Append the rest and complete.
  const rest = DATA.subarray(offset);
  const final = await request(
    `PATCH ${location} HTTP/1.1\r\nHost: x\r\nUpload-Draft-Interop-Version: ${INTEROP_VERSION}\r\nContent-Type: application/partial-upload\r\nUpload-Offset: ${offset}\r\nUpload-Complete: ?1\r\nContent-Length: ${rest.length}\r\n`,
    rest,
  );
  const last = final[final.length - 1]!;
  assert.equal(last.status, 201);
  assert.equal(last.headers["upload-complete"], "?1");
  assert.equal(last.headers["location"], "/resumed.bin");
  assert.ok(readFileSync(join(root, "resumed.bin")).equals(DATA), "the stored bytes are the uploaded ones");
  assert.deepEqual(readdirSync(root).filter((n) => n.startsWith(UPLOAD_TEMP_PREFIX)), []);
  const [gone] = await request(`HEAD ${location} HTTP/1.1\r\nHost: x\r\n`);
  assert.equal(gone!.status, 404, "a completed upload resource is gone");
});

test("in parts: creation with Upload-Complete: ?0, then appends", async () => {
  const [created] = (await request(`PUT /parts.txt HTTP/1.1\r\nHost: x\r\nUpload-Draft-Interop-Version: 8\r\nUpload-Complete: ?0\r\nContent-Length: 3\r\n`, Buffer.from("abc"))).filter(
    (h) => h.status >= 200,
  );
  assert.equal(created!.status, 201);
  assert.equal(created!.headers["upload-complete"], "?0");
  assert.equal(created!.headers["upload-offset"], "3");
  const location = created!.headers["location"]!;
  const patch = (offset: number, complete: string, body: string, ctype = "application/partial-upload"): Promise<Head[]> =>
    request(
      `PATCH ${location} HTTP/1.1\r\nHost: x\r\nContent-Type: ${ctype}\r\nUpload-Offset: ${offset}\r\nUpload-Complete: ${complete}\r\nContent-Length: ${body.length}\r\n`,
      Buffer.from(body),
    );
  assert.equal((await patch(3, "?0", "def", "application/octet-stream"))[0]!.status, 415);
  const mid = await patch(3, "?0", "def");
  assert.equal(mid[0]!.status, 204);
  assert.equal(mid[0]!.headers["upload-offset"], "6");
  assert.ok(!existsSync(join(root, "parts.txt")));
  const done = await patch(6, "?1", "");
  assert.equal(done[0]!.status, 201);
  assert.equal(readFileSync(join(root, "parts.txt"), "utf8"), "abcdef");
});

test("DELETE cancels: the temporary file is gone, the resource is 404", async () => {
  const [created] = (await request(`PUT /cancel.txt HTTP/1.1\r\nHost: x\r\nUpload-Draft-Interop-Version: 8\r\nUpload-Complete: ?0\r\nContent-Length: 2\r\n`, Buffer.from("ab"))).filter(
    (h) => h.status >= 200,
  );
  const location = created!.headers["location"]!;
  const before = _activeUploads();
  assert.equal((await request(`DELETE ${location} HTTP/1.1\r\nHost: x\r\n`))[0]!.status, 204);
  assert.equal(_activeUploads(), before - 1);
  assert.equal((await request(`HEAD ${location} HTTP/1.1\r\nHost: x\r\n`))[0]!.status, 404);
  assert.deepEqual(readdirSync(root).filter((n) => n.startsWith(UPLOAD_TEMP_PREFIX)), []);
  assert.ok(!existsSync(join(root, "cancel.txt")));
});

test("the preconditions of the PUT apply before the 104; without the interop version, a plain PUT", async () => {
  const conflict = await request(`PUT /parts.txt HTTP/1.1\r\nHost: x\r\nUpload-Draft-Interop-Version: 8\r\nUpload-Complete: ?1\r\nContent-Length: 1\r\n`, Buffer.from("z"));
  assert.deepEqual(
    conflict.map((h) => h.status),
    [412],
  );
  const old = await request(`PUT /olddraft.txt HTTP/1.1\r\nHost: x\r\nUpload-Draft-Interop-Version: 6\r\nUpload-Complete: ?1\r\nContent-Length: 1\r\n`, Buffer.from("z"));
  assert.deepEqual(
    old.map((h) => h.status),
    [201],
    "no 104 for another interop version",
  );
});

test("limits: too long an Upload-Length is 413; an expired upload is removed", async () => {
  const H = servingDir(root, SimpleHTTPRequestHandler, "HTTP/1.1");
  H.prototype.upload = true;
  H.prototype.max_upload = 10;
  const small = await serve(H);
  try {
    const raw = await exchange(small.port, `PUT /big.txt HTTP/1.1\r\nHost: x\r\nUpload-Draft-Interop-Version: 8\r\nUpload-Complete: ?0\r\nUpload-Length: 11\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    assert.match(splitResponse(raw).status, / 413 /);
  } finally {
    await small.close();
  }
  const saved = _resumableConfig.maxAgeMs;
  _resumableConfig.maxAgeMs = 50;
  try {
    const [created] = (await request(`PUT /expire.txt HTTP/1.1\r\nHost: x\r\nUpload-Draft-Interop-Version: 8\r\nUpload-Complete: ?0\r\nContent-Length: 1\r\n`, Buffer.from("a"))).filter(
      (h) => h.status >= 200,
    );
    assert.equal(created!.headers["upload-limit"], "max-size=1073741824, max-age=1");
    await new Promise((r) => setTimeout(r, 150));
    assert.equal((await request(`HEAD ${created!.headers["location"]} HTTP/1.1\r\nHost: x\r\n`))[0]!.status, 404);
    assert.deepEqual(readdirSync(root).filter((n) => n.startsWith(UPLOAD_TEMP_PREFIX)), []);
  } finally {
    _resumableConfig.maxAgeMs = saved;
  }
});

test("a HEAD while the creation is still sending ends the old request first", async () => {
  const s = await open(srv.port);
  s.on("error", () => {});
  s.write(`PUT /stalled.bin HTTP/1.1\r\nHost: x\r\nUpload-Draft-Interop-Version: 8\r\nUpload-Complete: ?1\r\nContent-Length: 1000\r\n\r\n`);
  const location = heads(await readUntil(s, (x) => x.includes("\r\n\r\n")))[0]!.headers["location"]!;
  await new Promise<void>((resolve) => s.write("x".repeat(400), () => resolve()));
  await new Promise((r) => setTimeout(r, 50));
  const closedByServer = new Promise<void>((resolve) => s.once("close", () => resolve()));
  const [h] = await request(`HEAD ${location} HTTP/1.1\r\nHost: x\r\n`);
  assert.equal(h!.headers["upload-offset"], "400");
  await closedByServer;
  const rest = "y".repeat(600);
  const [done] = await request(
    `PATCH ${location} HTTP/1.1\r\nHost: x\r\nContent-Type: application/partial-upload\r\nUpload-Offset: 400\r\nUpload-Complete: ?1\r\nContent-Length: 600\r\n`,
    Buffer.from(rest),
  );
  assert.equal(done!.status, 201);
  assert.equal(readFileSync(join(root, "stalled.bin"), "utf8"), "x".repeat(400) + rest);
});

test("refusals: PATCH without the headers, a changed Upload-Length, past the length, methods elsewhere", async () => {
  const create = async (path: string, extra = ""): Promise<string> => {
    const all = await request(`PUT ${path} HTTP/1.1\r\nHost: x\r\nUpload-Draft-Interop-Version: 8\r\nUpload-Complete: ?0\r\nUpload-Length: 4\r\n${extra}Content-Length: 2\r\n`, Buffer.from("ab"));
    return all.find((h) => h.status === 201)!.headers["location"]!;
  };
  const patch = (location: string, headers: string, body = ""): Promise<Head[]> =>
    request(`PATCH ${location} HTTP/1.1\r\nHost: x\r\nContent-Type: application/partial-upload\r\n${headers}Content-Length: ${body.length}\r\n`, Buffer.from(body));
  const a = await create("/refuse-a.txt");
  assert.equal((await patch(a, "Upload-Offset: 2\r\n"))[0]!.status, 400, "no Upload-Complete");
  assert.equal((await patch(a, "Upload-Complete: ?0\r\n"))[0]!.status, 400, "no Upload-Offset");
  assert.equal((await patch(a, "Upload-Offset: 2\r\nUpload-Complete: ?0\r\nUpload-Length: 5\r\n"))[0]!.status, 400, "length changed");
  assert.equal((await request(`HEAD ${a} HTTP/1.1\r\nHost: x\r\n`))[0]!.status, 404, "and the upload is cancelled");
  const b = await create("/refuse-b.txt");
  assert.equal((await patch(b, "Upload-Offset: 2\r\nUpload-Complete: ?1\r\n", "cde"))[0]!.status, 413, "past Upload-Length");
  assert.equal((await request(`HEAD ${b} HTTP/1.1\r\nHost: x\r\n`))[0]!.status, 404);
  const c = await create("/refuse-c.txt");
  assert.equal((await patch(c, "Upload-Offset: 2\r\nUpload-Complete: ?1\r\n", "c"))[0]!.status, 400, "complete before the length");
  assert.ok(!existsSync(join(root, "refuse-a.txt")) && !existsSync(join(root, "refuse-b.txt")) && !existsSync(join(root, "refuse-c.txt")));
  assert.equal((await request(`DELETE /refuse-a.txt HTTP/1.1\r\nHost: x\r\n`))[0]!.status, 405, "files are not deleted");
  assert.equal((await request(`PATCH /refuse-a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n`))[0]!.status, 405);
  assert.equal((await request(`DELETE ${UPLOAD_PREFIX}nosuchupload HTTP/1.1\r\nHost: x\r\n`))[0]!.status, 404);
  assert.deepEqual(readdirSync(root).filter((n) => n.startsWith(UPLOAD_TEMP_PREFIX)), []);
});

test("OPTIONS announces the limits", async () => {
  const [h] = await request(`OPTIONS /anything HTTP/1.1\r\nHost: x\r\n`);
  assert.equal(h!.status, 204);
  assert.match(h!.headers["upload-limit"]!, /^max-size=1073741824, max-age=\d+$/);
});

test("structured field parsing", () => {
  assert.deepEqual(["?1", " ?0 ", "?2", "1", "true", undefined].map(parseSfBoolean), [true, false, null, null, null, null]);
  assert.deepEqual(["0", "12", "-1", "1.5", "1234567890123456", "", undefined].map(parseSfInteger), [0, 12, null, null, null, null, null]);
});
