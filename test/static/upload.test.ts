/**
 * Uploads over real loopback sockets: PUT and multipart POST, the
 * If-Match / If-None-Match table, limits, the name table (traversal, NUL,
 * symlinks, dotfiles, our temporary names), atomicity when the client goes
 * away mid-body, concurrent uploads of one name, and a full disk (a 256 KiB
 * tmpfs when this machine lets us mount one, else an injected ENOSPC).
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { _atomicFileHooks, removeStaleTemps } from "../../src/static/atomic-file.js";
import { UPLOAD_TEMP_PREFIX } from "../../src/static/upload-rules.js";
import { closed, exchange, LogCapture, open, readUntil, serve, splitResponse, type Running } from "../helpers/net.js";
import { servingDir } from "../helpers/handlers.js";

const log = new LogCapture();
let root: string;
let outside: string;
let plain: Running<any>;
let up: Running<any>;
let over: Running<any>;
let mk: Running<any>;
let hidden: Running<any>;
let small: Running<any>;

function handler(attrs: Partial<SimpleHTTPRequestHandler>): typeof SimpleHTTPRequestHandler {
  const H = servingDir(root, SimpleHTTPRequestHandler, "HTTP/1.1");
  Object.assign(H.prototype, attrs);
  return H;
}

before(async () => {
  log.start();
  root = await mkdtemp(join(tmpdir(), "http-server-upload-"));
  outside = await mkdtemp(join(tmpdir(), "http-server-upload-outside-"));
  mkdirSync(join(root, "sub"));
  mkdirSync(join(root, "inner"));
  symlinkSync(join(root, "inner"), join(root, "linkdir"));
  symlinkSync(outside, join(root, "escape"));
  writeFileSync(join(outside, "target.txt"), "outside\n");
  symlinkSync(join(outside, "target.txt"), join(root, "link.txt"));
  plain = await serve(handler({}));
  up = await serve(handler({ upload: true }));
  over = await serve(handler({ upload: true, upload_overwrite: true }));
  mk = await serve(handler({ upload: true, upload_mkdir: true }));
  hidden = await serve(handler({ upload: true, exclude_dotfiles: true }));
  small = await serve(handler({ upload: true, max_upload: 1000 }));
});

after(async () => {
  for (const r of [plain, up, over, mk, hidden, small]) await r.close();
  log.stop();
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

const url = (r: Running<any>, path: string): string => `http://127.0.0.1:${r.port}${path}`;

async function put(r: Running<any>, path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url(r, path), { method: "PUT", body, headers });
}

/** Temporary upload files anywhere under `dir`. */
function temps(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.name.startsWith(UPLOAD_TEMP_PREFIX)) out.push(e.name);
  return out;
}

/** Waits (bounded) until no temporary file is left: aborts run asynchronously after a disconnect. */
async function noTempsLeft(dir: string): Promise<void> {
  for (let i = 0; i < 200 && temps(dir).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(temps(dir), []);
}

describe("without upload: CPython's 501", () => {
  for (const method of ["PUT", "POST", "PATCH", "DELETE", "OPTIONS"]) {
    test(method, async () => {
      const r = splitResponse(await exchange(plain.port, `${method} /x HTTP/1.0\r\nContent-Length: 0\r\n\r\n`));
      assert.equal(r.status, "HTTP/1.1 501 Unsupported method ('" + method + "')");
      assert.ok(!existsSync(join(root, "x")));
    });
  }
});

describe("PUT", () => {
  test("creates: 201, Location, ETag; the bytes are stored", async () => {
    const res = await put(up, "/sub/new%20file.txt", "hello\n");
    assert.equal(res.status, 201);
    assert.equal(res.headers.get("location"), "/sub/new%20file.txt");
    assert.equal(readFileSync(join(root, "sub/new file.txt"), "utf8"), "hello\n");
    const get = await fetch(url(up, "/sub/new%20file.txt"));
    assert.equal(res.headers.get("etag"), get.headers.get("etag"));
    assert.equal(await get.text(), "hello\n");
  });

  test("chunked body", async () => {
    const raw = await exchange(up.port, "PUT /sub/chunked.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    assert.match(splitResponse(raw).status, / 201 /);
    assert.equal(readFileSync(join(root, "sub/chunked.bin"), "utf8"), "abcde");
  });

  test("If-Match / If-None-Match table", async () => {
    writeFileSync(join(root, "sub/cond.txt"), "v1");
    const etag = (await fetch(url(up, "/sub/cond.txt"))).headers.get("etag")!;
    const cases: [name: string, path: string, headers: Record<string, string>, status: number, after: string | null][] = [
      ["existing, no precondition", "/sub/cond.txt", {}, 412, "v1"],
      ["If-Match: stale tag", "/sub/cond.txt", { "If-Match": 'W/"1-1"' }, 412, "v1"],
      ["If-None-Match: * on an existing file", "/sub/cond.txt", { "If-None-Match": "*" }, 412, "v1"],
      ["If-Match on a missing file", "/sub/none.txt", { "If-Match": "*" }, 412, null],
      ["If-None-Match: * on a missing file", "/sub/inm.txt", { "If-None-Match": "*" }, 201, "new"],
      ["If-Match: current tag", "/sub/cond.txt", { "If-Match": etag }, 204, "new"],
    ];
    for (const [name, path, headers, status, content] of cases) {
      const res = await put(up, path, "new", headers);
      assert.equal(res.status, status, name);
      const file = join(root, path);
      assert.equal(existsSync(file) ? readFileSync(file, "utf8") : null, content, name);
    }
    const res = await put(up, "/sub/cond.txt", "v3", { "If-Match": `"x", ${etag}` });
    assert.equal(res.status, 412, "the old tag no longer matches after the replacement");
  });

  test("--upload-overwrite replaces without a precondition: 204", async () => {
    writeFileSync(join(root, "sub/ow.txt"), "old");
    assert.equal((await put(over, "/sub/ow.txt", "newer")).status, 204);
    assert.equal(readFileSync(join(root, "sub/ow.txt"), "utf8"), "newer");
    assert.equal((await put(over, "/sub/ow.txt", "x", { "If-None-Match": "*" })).status, 412);
  });

  test("names: traversal, NUL, symlinks, directories, dotfiles, temporary names", async () => {
    const cases: [Running<any>, string, number][] = [
      [up, "/%2e%2e/evil.txt", 400],
      [up, "/sub/%2E%2E/%2E%2E/evil.txt", 400],
      [up, "/sub/./x.txt", 400],
      [up, "/a%00b.txt", 400],
      [up, "/a%0Ab.txt", 400],
      [up, "/sub/", 409],
      [up, "/sub", 409],
      [up, "/missing/x.txt", 409],
      [up, "/linkdir/x.txt", 403],
      [up, "/escape/x.txt", 403],
      [up, "/link.txt", 403],
      [hidden, "/.env", 403],
      [hidden, "/.git/config", 403],
      [up, `/${UPLOAD_TEMP_PREFIX}x.part`, 403],
    ];
    for (const [server, path, status] of cases) {
      const raw = await exchange(server.port, `PUT ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nConnection: close\r\n\r\nevil`);
      assert.match(splitResponse(raw).status, new RegExp(` ${status} `), path);
    }
    assert.equal(readFileSync(join(outside, "target.txt"), "utf8"), "outside\n");
    assert.deepEqual(readdirSync(outside), ["target.txt"]);
    assert.ok(!existsSync(join(root, "evil.txt")) && !existsSync(join(root, "inner/x.txt")) && !existsSync(join(root, "missing")));
    assert.equal((await put(up, "/.env", "dot")).status, 201, "dotfiles are written without exclude_dotfiles");
  });

  test("--upload-mkdir creates missing parents", async () => {
    assert.equal((await put(mk, "/deep/er/x.txt", "x")).status, 201);
    assert.equal(readFileSync(join(root, "deep/er/x.txt"), "utf8"), "x");
  });

  test("limits: 413 up front from Content-Length, and when a chunked body grows past the limit", async () => {
    const early = await exchange(small.port, "PUT /sub/big.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n");
    assert.match(splitResponse(early).status, / 413 /);
    const chunk = "x".repeat(600);
    const late = await exchange(small.port, [
      "PUT /sub/big2.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
      `258\r\n${chunk}\r\n`,
      `258\r\n${chunk}\r\n0\r\n\r\n`,
    ]);
    assert.match(splitResponse(late).status, / 413 /);
    assert.ok(!existsSync(join(root, "sub/big.bin")) && !existsSync(join(root, "sub/big2.bin")));
    await noTempsLeft(root);
    assert.equal((await put(small, "/sub/fits.bin", "y".repeat(1000))).status, 201);
    const expect = await exchange(small.port, "PUT /sub/big3.bin HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n");
    assert.match(expect.toString("latin1"), /^HTTP\/1\.1 413 /, "413 instead of 100 Continue");
  });

  test("a client that goes away mid-body leaves nothing: no file, no temporary", async () => {
    const s = await open(up.port);
    s.write("PUT /sub/cut.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
    s.write(Buffer.alloc(300_000, 1));
    for (let i = 0; i < 200 && temps(root).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(temps(root).length, 1, "the body is being written to a temporary file");
    assert.ok((await fetch(url(up, "/sub/"))).ok);
    assert.doesNotMatch(await (await fetch(url(up, "/sub/"))).text(), /http\.server-upload/, "the listing never shows it");
    assert.equal((await fetch(url(up, "/sub/" + temps(root)[0]))).status, 404, "GET never serves it");
    s.destroy();
    await closed(s);
    await noTempsLeft(root);
    assert.ok(!existsSync(join(root, "sub/cut.bin")));
  });

  test("concurrent creators of one name with If-None-Match: *: one 201, one 412, one whole file", async () => {
    const a = await open(up.port);
    const b = await open(up.port);
    const head = "PUT /sub/race.bin HTTP/1.1\r\nHost: x\r\nIf-None-Match: *\r\nContent-Length: 200000\r\nConnection: close\r\n\r\n";
    a.write(head);
    b.write(head);
    a.write(Buffer.alloc(100_000, 0x61));
    b.write(Buffer.alloc(100_000, 0x62));
    a.write(Buffer.alloc(100_000, 0x61));
    b.write(Buffer.alloc(100_000, 0x62));
    const [ra, rb] = await Promise.all([readUntil(a, (x) => x.includes("\r\n\r\n")), readUntil(b, (x) => x.includes("\r\n\r\n"))]);
    a.destroy();
    b.destroy();
    const statuses = [splitResponse(ra).status, splitResponse(rb).status].map((s) => s.split(" ")[1]).sort();
    assert.deepEqual(statuses, ["201", "412"]);
    const content = readFileSync(join(root, "sub/race.bin"));
    assert.equal(content.length, 200_000);
    assert.ok(content.every((c) => c === content[0]), "one upload's bytes, not a mix");
    await noTempsLeft(root);
  });

  test("concurrent overwriters: the last rename wins, the file is one upload whole", async () => {
    const bodies = ["a", "b", "c", "d"].map((c) => c.repeat(150_000));
    const results = await Promise.all(bodies.map((b) => put(over, "/sub/many.bin", b)));
    for (const r of results) assert.ok(r.status === 201 || r.status === 204);
    assert.ok(bodies.includes(readFileSync(join(root, "sub/many.bin"), "utf8")));
    await noTempsLeft(root);
  });
});

describe("POST multipart/form-data", () => {
  test("two files: 201, both stored, a page linking them", async () => {
    const form = new FormData();
    form.append("file", new Blob(["first\n"]), "one.txt");
    form.append("file", new Blob(["second\n"]), "twö.txt");
    const res = await fetch(url(up, "/sub/"), { method: "POST", body: form });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get("location"), "/sub/one.txt");
    const page = await res.text();
    assert.match(page, /href="\/sub\/tw%C3%B6\.txt">twö\.txt/);
    assert.equal(readFileSync(join(root, "sub/one.txt"), "utf8"), "first\n");
    assert.equal(readFileSync(join(root, "sub/twö.txt"), "utf8"), "second\n");
  });

  test("refusals: a / or NUL in the filename, an existing name, not multipart, no file", async () => {
    writeFileSync(join(root, "sub/exists.txt"), "keep");
    const raw = (filename: string): string => {
      const body = `--B\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n\r\nbad\r\n--B--\r\n`;
      return `POST /sub/ HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
    };
    const cases: [string, number][] = [
      [raw("../evil.txt"), 400],
      [raw("a/b.txt"), 400],
      [raw("a\0b.txt"), 400],
      [raw(".."), 400],
      [raw("exists.txt"), 409],
      [raw(""), 400],
      ["POST /sub/ HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx", 415],
    ];
    for (const [request, status] of cases) assert.match(splitResponse(await exchange(up.port, request)).status, new RegExp(` ${status} `), request);
    assert.equal(readFileSync(join(root, "sub/exists.txt"), "utf8"), "keep");
    assert.ok(!existsSync(join(root, "evil.txt")) && !existsSync(join(root, "sub/a")));
    await noTempsLeft(root);
  });

  test("a client that goes away mid-form leaves nothing: no files, no temporaries", async () => {
    const s = await open(up.port);
    const part = (name: string, body: string): string => `--B\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n\r\n${body}\r\n`;
    const first = part("cut-a.txt", "complete part");
    s.write(`POST /sub/ HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: 1000000\r\n\r\n${first}`);
    s.write(`--B\r\nContent-Disposition: form-data; name="file"; filename="cut-b.txt"\r\n\r\n${"b".repeat(200_000)}`);
    for (let i = 0; i < 200 && temps(root).length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(temps(root).length, 2, "both parts are being written");
    s.destroy();
    await closed(s);
    await noTempsLeft(root);
    assert.ok(!existsSync(join(root, "sub/cut-a.txt")) && !existsSync(join(root, "sub/cut-b.txt")), "not even the complete first part");
  });

  test("a body past max_upload: 413, nothing stored", async () => {
    const form = new FormData();
    form.append("file", new Blob(["z".repeat(5000)]), "toolarge.txt");
    assert.equal((await fetch(url(small, "/sub/"), { method: "POST", body: form })).status, 413);
    assert.ok(!existsSync(join(root, "sub/toolarge.txt")));
    await noTempsLeft(root);
  });
});

describe("disk full: 507, nothing left behind", () => {
  test("on a tiny tmpfs, or with an injected ENOSPC where mounting is not allowed", async () => {
    const mnt = join(root, "tiny");
    mkdirSync(mnt);
    let mounted = false;
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt], { stdio: "ignore" });
      mounted = true;
    } catch {
      _atomicFileHooks.beforeWrite = () => {
        throw Object.assign(new Error("injected"), { code: "ENOSPC" });
      };
    }
    try {
      const res = await put(up, "/tiny/full.bin", Buffer.alloc(1024 * 1024, 7));
      assert.equal(res.status, 507);
      assert.ok(!existsSync(join(mnt, "full.bin")));
      await noTempsLeft(mnt);
      if (mounted) assert.equal((await put(up, "/tiny/fits.bin", "ok")).status, 201, "space is free again");
    } finally {
      _atomicFileHooks.beforeWrite = null;
      if (mounted) execFileSync("umount", [mnt]);
      rmdirSync(mnt, { recursive: true } as never);
    }
  });
});

test("a library server removes stale temporary files at its first upload into a directory", async () => {
  const dir = await mkdtemp(join(tmpdir(), "http-server-upload-sweep-"));
  const stale = join(dir, `${UPLOAD_TEMP_PREFIX}stale.part`);
  writeFileSync(stale, "x");
  const old = new Date(Date.now() - process.uptime() * 1000 - 60_000);
  utimesSync(stale, old, old);
  const H = servingDir(dir, SimpleHTTPRequestHandler, "HTTP/1.1");
  H.prototype.upload = true;
  const r = await serve(H);
  try {
    assert.equal((await put(r, "/first.txt", "1")).status, 201);
    for (let i = 0; i < 200 && existsSync(stale); i++) await new Promise((res) => setTimeout(res, 5));
    assert.ok(!existsSync(stale));
  } finally {
    await r.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("removeStaleTemps removes old temporary files only", async () => {
  const old = join(root, "sub", `${UPLOAD_TEMP_PREFIX}old.part`);
  writeFileSync(old, "x");
  writeFileSync(join(root, "sub", "keep.part"), "x");
  assert.equal(await removeStaleTemps(root, Date.now() - 60_000), 0, "too recent");
  assert.equal(await removeStaleTemps(root, Date.now() + 1000), 1);
  assert.ok(!existsSync(old) && existsSync(join(root, "sub", "keep.part")));
});
