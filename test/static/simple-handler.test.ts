/**
 * `SimpleHTTPRequestHandler` alone, over real loopback sockets: hostile
 * paths and symlinks, streaming in bounded memory, the directory listing,
 * the class attributes a subclass overrides, and keep-alive. (Byte ranges
 * and conditional requests: file-response.test.ts; side by side with
 * CPython: test/conformance/files.test.ts.)
 *
 * Strategy: every suite serves the fixture tree of test/fixtures/file-tree.ts
 * (built in a temp dir, every file's mtime fixed in 2023) with a handler
 * subclass on an ephemeral port, sends raw bytes (`Connection: close`, so
 * `exchange` ends with the server's close) and splits what comes back with
 * the conformance parser. Tables over copy-paste: a failing row names itself.
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, open as openFile, readdir, readlink, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimpleHTTPRequestHandler, type Source } from "../../src/static/simple-handler.js";
import { exchange, open, readUntil, run } from "../helpers/net.js";
import { FIXED_HTTP_DATE } from "../fixtures/file-tree.js";
import { header, parseResponses, responsesArrived, type Resp } from "../conformance/files-side-by-side.js";
import { fetch1, fileServerSuite, names, req, servingDir, TEN, TEN_ETAG } from "./file-server-suite.js";

const suite = fileServerSuite();
const { log, start } = suite;

// ---- hostile paths -----------------------------------------------------------------

describe("SimpleHTTPRequestHandler: hostile paths never leave the directory", () => {
  /** Every response of this suite, for the secret check at the end. */
  const seen: { row: string; raw: Buffer }[] = [];
  let plain: number;
  let follow: number;
  let viaLink: number;
  let slashDir: number;
  let hasFifo = false;

  before(async () => {
    plain = await start(servingDir(suite.tree.root));
    follow = await start(
      class extends servingDir(suite.tree.root) {
        override follow_symlinks = true;
      },
    );
    // The served directory named through a symlink, and with a trailing slash.
    await symlink(suite.tree.root, join(suite.tree.base, "root-link"));
    viaLink = await start(servingDir(join(suite.tree.base, "root-link")));
    slashDir = await start(servingDir(suite.tree.root + "/"));
    // Special files and tricky links, made here so the conformance tree stays CPython-safe.
    await mkdir(suite.tree.path("idx-out"));
    await symlink("../../outside/secret.txt", suite.tree.path("idx-out/index.html"));
    await symlink("loop", suite.tree.path("loop"));
    await symlink("/dev/zero", suite.tree.path("zero"));
    hasFifo = await run("mkfifo", [suite.tree.path("fifo")]).then(
      () => true,
      () => false,
    );
  });

  const HOSTILE: { target: string; status: number; body?: string | RegExp }[] = [
    { target: "/../etc/passwd", status: 404 },
    { target: "/../../../../../../../../etc/passwd", status: 404 },
    { target: "/%2e%2e/%2e%2e/etc/passwd", status: 404 },
    { target: "/%2E%2E/%2E%2E/%2E%2E/etc/passwd", status: 404 },
    { target: "/..%2f..%2fetc/passwd", status: 404 },
    { target: "/..%2F..%2F..%2Fetc%2Fpasswd", status: 404 },
    { target: "/%252e%252e/", status: 404 },
    { target: "/%252e%252e/%252e%252e/etc/passwd", status: 404 },
    { target: "/..\\..\\etc\\passwd", status: 404 },
    { target: "/%2e%2e%5c%2e%2e%5cetc%5cpasswd", status: 404 },
    { target: "/a.txt%00", status: 404 },
    { target: "/a.txt%00.html", status: 404 },
    { target: "/%00/../../etc/passwd", status: 404 },
    { target: "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", status: 404 },
    { target: "/%e0%80%ae%e0%80%ae/etc/passwd", status: 404 },
    { target: "/%c0%af..%c0%af..%c0%afetc/passwd", status: 404 },
    { target: "/../root-private/secret.txt", status: 404 },
    { target: "/%2e%2e/root-private/secret.txt", status: 404 },
    { target: "/..%2froot-private%2fsecret.txt", status: 404 },
    { target: "/sub/../../root-private/secret.txt", status: 404 },
    { target: "//../root-private/secret.txt", status: 404 },
    { target: "/./../root-private/", status: 404 },
    { target: "/../root-private", status: 404 },
    { target: "http://127.0.0.1/../root-private/secret.txt", status: 404 },
    { target: "/link-outside.txt", status: 404 },
    { target: "/link-outside-dir/secret.txt", status: 404 },
    { target: "/link-outside-dir/", status: 404 },
    { target: "/link-outside-dir", status: 404 },
    { target: "/link-private.txt", status: 404 },
    { target: "/link-private-dir/secret.txt", status: 404 },
    { target: "/link-private-dir/", status: 404 },
    // An index page that is a symlink to outside counts as absent: the listing, not the file.
    { target: "/idx-out/", status: 200, body: /<title>Directory listing for \/idx-out\/<\/title>[^]*<li><a href="index\.html">index\.html@<\/a><\/li>/ },
    { target: "/idx-out/index.html", status: 404 },
    { target: "/zero", status: 404 },
    { target: "/loop", status: 404 },
    { target: "/loop/", status: 404 },
    { target: `/${"n".repeat(300)}`, status: 404 },
    { target: `/sub/${"n".repeat(5000)}/x`, status: 404 },
    { target: "/link-inside.txt", status: 200, body: "hello, world\n" },
    { target: "/link-sub/b.txt", status: 200, body: "in sub\n" },
    { target: "/a.txt", status: 200, body: "hello, world\n" },
  ];

  for (const row of HOSTILE) {
    test(`hostile path ${JSON.stringify(row.target)} → ${row.status}`, async () => {
      for (const [label, port] of [["directory", plain], ["directory via a symlink", viaLink], ["directory with a trailing /", slashDir]] as const) {
        for (const method of ["GET", "HEAD"]) {
          const r = await fetch1(port, method, row.target);
          seen.push({ row: `${label} ${method} ${row.target}`, raw: r.raw });
          assert.equal(r.status, row.status, `${label}, ${method}: ${r.statusLine}`);
          if (typeof row.body === "string" && method === "GET") assert.equal(r.body.toString(), row.body, label);
          if (row.body instanceof RegExp && method === "GET") assert.match(r.body.toString(), row.body, label);
        }
      }
    });
  }

  test("hostile path: a FIFO is not opened for reading forever → 404 at once", async (t) => {
    if (!hasFifo) return t.skip("mkfifo is not available");
    for (const port of [plain, follow]) {
      const r = await fetch1(port, "GET", "/fifo");
      seen.push({ row: "fifo", raw: r.raw });
      assert.equal(r.status, 404);
    }
  });

  test("hostile path: a raw NUL in the request line is refused", async () => {
    const raw = await exchange(plain, "GET /a.txt\0/../../root-private/secret.txt HTTP/1.1\r\nConnection: close\r\n\r\n");
    seen.push({ row: "raw NUL", raw });
    assert.match(raw.toString("latin1"), /^HTTP\/1\.1 400 Bad request syntax \('GET \/a\.txt\\x00\/\.\.\/\.\.\/root-private\/secret\.txt HTTP\/1\.1'\)\r\n/);
  });

  const FOLLOW: { target: string; status: number; secret: boolean }[] = [
    { target: "/link-outside.txt", status: 200, secret: true },
    { target: "/link-outside-dir/secret.txt", status: 200, secret: true },
    { target: "/link-outside-dir/", status: 200, secret: false },
    { target: "/link-outside-dir", status: 301, secret: false },
    { target: "/link-inside.txt", status: 200, secret: false },
    { target: "/idx-out/", status: 200, secret: true },
    // A device is not a regular file, followed or not.
    { target: "/zero", status: 404, secret: false },
    // follow_symlinks opens symlinks, not `..`: the lexical rules still hold.
    { target: "/../root-private/secret.txt", status: 404, secret: false },
    { target: "/%2e%2e/outside/secret.txt", status: 404, secret: false },
  ];

  for (const row of FOLLOW) {
    test(`follow_symlinks = true: ${row.target} → ${row.status}`, async () => {
      const r = await fetch1(follow, "GET", row.target);
      assert.equal(r.status, row.status, r.statusLine ?? "");
      assert.equal(r.raw.includes(suite.tree.secret), row.secret, "the secret is served exactly where a symlink leads to it");
      if (!row.secret) seen.push({ row: `follow ${row.target}`, raw: r.raw });
    });
  }

  test("hostile path: no byte of a secret file's content appears in any response", async () => {
    // The listings of the root and sub list names only.
    for (const target of ["/", "/sub/", "/link-sub/"]) {
      const r = await fetch1(plain, "GET", target);
      assert.equal(r.status, 200);
      seen.push({ row: `listing ${target}`, raw: r.raw });
    }
    assert.ok(seen.length > 100, `${seen.length} responses checked`);
    const leaks = seen.filter((s) => s.raw.includes(suite.tree.secret) || s.raw.includes(suite.tree.secret.slice(11)));
    assert.deepEqual(leaks.map((l) => l.row), []);
    assert.ok(!seen.some((s) => s.raw.includes("root:x:0:0") || s.raw.includes("root:")), "/etc/passwd never served");
  });
});

// ---- streaming --------------------------------------------------------------------

/** The entries of /proc/self/fd and where they point (Linux). */
async function openFds(): Promise<string[]> {
  const fds = await readdir("/proc/self/fd");
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => "")));
  return targets;
}

/** Resolves when `cond()` holds, polling every 10 ms; rejects after `ms` with `what`. */
async function eventually(cond: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("SimpleHTTPRequestHandler: streaming a large file", { skip: !existsSync("/proc/self/fd") && "needs /proc/self/fd (Linux)" }, () => {
  const BIG = 2 * 1024 ** 3; // 2 GiB, sparse: no disk used
  const LIMIT = 64 * 1024 ** 2;
  let dir: string;
  let port: number;
  /** What the handler's sources did: bytes read from the file, when, and whether closed. */
  const stats = { read: 0, lastReadAt: 0, opened: 0, closed: 0 };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "http-server-big-"));
    const fh = await openFile(join(dir, "big.bin"), "w");
    await fh.truncate(BIG);
    await fh.close();
    await writeFile(join(dir, "small.txt"), "small\n");
    const shrink = await openFile(join(dir, "shrink.bin"), "w");
    await shrink.truncate(64 * 1024 ** 2);
    await shrink.close();
    class Counting extends servingDir(dir) {
      override async send_head(): Promise<Source | null> {
        const source = await super.send_head();
        if (source === null) return null;
        stats.opened++;
        return {
          async read(n: number): Promise<Buffer> {
            const b = await source.read(n);
            stats.read += b.length;
            stats.lastReadAt = Date.now();
            return b;
          },
          async close(): Promise<void> {
            await source.close();
            stats.closed++;
          },
        };
      }
    }
    port = await start(Counting);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const bigFds = async (): Promise<number> => (await openFds()).filter((t) => t.endsWith("/big.bin")).length;

  test("a client that stops reading: the server stops reading the file; memory stays bounded", async () => {
    const rss0 = process.memoryUsage().rss;
    stats.read = 0;
    const socket = await open(port);
    try {
      socket.write(req("GET", "/big.bin"));
      let received = 0;
      const head = await readUntil(socket, (b) => {
        received = b.length;
        return b.length >= 1024 * 1024;
      });
      socket.pause();
      const text = head.toString("latin1", 0, 400);
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(text, /\r\nContent-Length: 2147483648\r\n/);
      // Wait for the server to stall on backpressure. Not a timing assertion:
      // a server that ignores backpressure never stalls and fails the bound
      // below (it reads hundreds of MB a second); one that honours it stops
      // within a few socket buffers. Stalled = no read for 300 ms.
      await eventually(() => {
        assert.ok(stats.read - received < LIMIT, `read ${stats.read} bytes ahead of the ${received} the client took`);
        return stats.lastReadAt !== 0 && Date.now() - stats.lastReadAt > 300;
      }, "the server stalls while the client does not read", 10_000);
      const ahead = stats.read - received;
      const growth = process.memoryUsage().rss - rss0;
      assert.ok(ahead < LIMIT, `the server read ${ahead} bytes more than the client took`);
      assert.ok(growth < LIMIT, `rss grew by ${(growth / 1024 ** 2).toFixed(1)} MiB`);
      assert.ok(stats.read < BIG / 8, `read ${stats.read} of ${BIG} bytes`);
    } finally {
      socket.destroy();
    }
    await eventually(() => stats.closed === stats.opened, "the file is closed after the client left");
    await eventually(async () => (await bigFds()) === 0, "no descriptor on big.bin");
  });

  test("a file that shrinks while it is sent: the connection is closed short, the file closed, the server keeps serving", async () => {
    const opened = stats.opened;
    const socket = await open(port);
    try {
      socket.write(req("GET", "/shrink.bin"));
      const first = await readUntil(socket, (b) => b.length >= 1024 * 1024);
      socket.pause();
      assert.match(first.toString("latin1", 0, 300), /\r\nContent-Length: 67108864\r\n/);
      await eventually(() => Date.now() - stats.lastReadAt > 300, "the server stalls while the client does not read", 10_000);
      await truncate(join(dir, "shrink.bin"), 0);
      const closedP = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      const rest = readUntil(socket, () => false).catch((e: Error) => e);
      socket.resume();
      await closedP;
      await rest;
      assert.equal(stats.opened, opened + 1);
    } finally {
      socket.destroy();
    }
    await eventually(() => stats.closed === stats.opened, "the handler closes its source");
    await eventually(async () => (await openFds()).every((t) => !t.endsWith("/shrink.bin")), "no descriptor on shrink.bin");
    const r = await fetch1(port, "GET", "/small.txt");
    assert.equal(r.body.toString(), "small\n");
  });

  test("a client that disconnects mid-file: the descriptor is closed promptly and the server keeps serving", async () => {
    await eventually(async () => (await bigFds()) === 0, "no descriptor on big.bin before");
    const baseline = (await openFds()).length;
    const opened = stats.opened;
    const socket = await open(port);
    socket.write(req("GET", "/big.bin"));
    await readUntil(socket, (b) => b.length >= 4 * 1024 * 1024);
    assert.equal(await bigFds(), 1, "the file is open while it is being sent");
    assert.equal(stats.opened, opened + 1);
    socket.destroy();
    await eventually(() => stats.closed === stats.opened, "the handler closes its source");
    assert.equal(await bigFds(), 0, "no descriptor left on big.bin");
    await eventually(async () => (await openFds()).length <= baseline, "the descriptor count is back to its baseline");
    const r = await fetch1(port, "GET", "/small.txt");
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), "small\n");
    const partial = await fetch1(port, "GET", "/big.bin", [`Range: bytes=${BIG - 4}-`]);
    assert.equal(partial.status, 206);
    assert.equal(header(partial, "Content-Range"), `bytes ${BIG - 4}-${BIG - 1}/${BIG}`);
    assert.deepEqual([...partial.body], [0, 0, 0, 0]);
    await eventually(async () => (await bigFds()) === 0, "no descriptor on big.bin after the range");
  });
});

// ---- directory listing -----------------------------------------------------------------

describe("SimpleHTTPRequestHandler: directory listing", () => {
  let port: number;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "http-server-listing-"));
    const d = join(dir, "list");
    await mkdir(d);
    for (const f of ["b.txt", "A.txt", "x&<>\"'.txt", "Ω.txt", "%41", "_under", "a b"]) await writeFile(join(d, f), f);
    await mkdir(join(d, "c dir"));
    await mkdir(join(d, "<b>"));
    await symlink("c dir", join(d, "link-to-dir"));
    await symlink("b.txt", join(d, "link-to-file"));
    await symlink("nowhere", join(d, "dangling"));
    port = await start(servingDir(dir));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const items = (html: string): string[] => html.split("\n").filter((l) => l.startsWith("<li>"));

  test("list_directory(): entries sorted by lower-cased name, / after directories, @ after symlinks, names quoted and escaped", async () => {
    const r = await fetch1(port, "GET", "/list/");
    assert.equal(r.status, 200);
    assert.deepEqual(names(r), ["Server", "Date", "Content-type", "Content-Length"]);
    assert.equal(header(r, "Content-type"), "text/html; charset=utf-8");
    const html = r.body.toString("utf8");
    assert.deepEqual(items(html), [
      '<li><a href="%2541">%41</a></li>',
      '<li><a href="%3Cb%3E/">&lt;b&gt;/</a></li>',
      '<li><a href="_under">_under</a></li>',
      '<li><a href="a%20b">a b</a></li>',
      '<li><a href="A.txt">A.txt</a></li>',
      '<li><a href="b.txt">b.txt</a></li>',
      '<li><a href="c%20dir/">c dir/</a></li>',
      '<li><a href="dangling">dangling@</a></li>',
      '<li><a href="link-to-dir/">link-to-dir@</a></li>',
      '<li><a href="link-to-file">link-to-file@</a></li>',
      '<li><a href="x%26%3C%3E%22%27.txt">x&amp;&lt;&gt;"\'.txt</a></li>',
      '<li><a href="%CE%A9.txt">Ω.txt</a></li>',
    ]);
    assert.ok(html.startsWith('<!DOCTYPE HTML>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<style type="text/css">\n:root {\ncolor-scheme: light dark;\n}\n</style>\n'));
    assert.match(html, /<title>Directory listing for \/list\/<\/title>\n<\/head>\n<body>\n<h1>Directory listing for \/list\/<\/h1>\n<hr>\n<ul>\n/);
    assert.ok(html.endsWith("</ul>\n<hr>\n</body>\n</html>\n"));
  });

  test("list_directory(): the title is the decoded path, HTML-escaped, without the query", async () => {
    const r = await fetch1(port, "GET", "/list/%3Cb%3E/?q=<x>");
    assert.equal(r.status, 200);
    assert.match(r.body.toString(), /<title>Directory listing for \/list\/&lt;b&gt;\/<\/title>/);
    assert.deepEqual(items(r.body.toString()), []);
  });

  test("list_directory(): HEAD sends the listing's Content-Length and no body", async () => {
    const g = await fetch1(port, "GET", "/list/");
    const h = await fetch1(port, "HEAD", "/list/");
    assert.equal(header(h, "Content-Length"), String(g.body.length));
    assert.equal(h.raw.toString("latin1").split("\r\n\r\n")[1], "");
  });
});

// ---- class attributes and options --------------------------------------------------------

describe("SimpleHTTPRequestHandler: directory, index_pages, extensions_map, server_version", () => {
  test("directory as a constructor option (an inline subclass, Python's partial)", async () => {
    const port = await start(servingDir(suite.tree.root));
    const r = await fetch1(port, "GET", "/a.txt");
    assert.equal(r.body.toString(), "hello, world\n");
  });

  test("directory as a subclass field", async () => {
    const root = suite.tree.root;
    const port = await start(
      class extends SimpleHTTPRequestHandler {
        override directory = join(root, "sub");
        override protocol_version = "HTTP/1.1";
      },
    );
    const r = await fetch1(port, "GET", "/b.txt");
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), "in sub\n");
    assert.equal((await fetch1(port, "GET", "/a.txt")).status, 404);
  });

  test("directory defaults to the working directory (read per handler, as os.getcwd())", async () => {
    const port = await start(class extends SimpleHTTPRequestHandler {});
    const cwd = process.cwd();
    process.chdir(suite.tree.path("sub"));
    try {
      const r = await fetch1(port, "GET", "/b.txt");
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), "in sub\n");
      assert.equal(r.statusLine, "HTTP/1.0 200 OK", "protocol_version stays HTTP/1.0 by default");
    } finally {
      process.chdir(cwd);
    }
  });

  test("index_pages override: the subclass's list is tried, in order", async () => {
    const dir = await mkdtemp(join(tmpdir(), "http-server-index-"));
    try {
      await mkdir(join(dir, "d"));
      await writeFile(join(dir, "d", "index.html"), "index.html\n");
      await writeFile(join(dir, "d", "home.txt"), "home\n");
      await writeFile(join(dir, "d", "default.txt"), "default\n");
      await mkdir(join(dir, "only-html"));
      await writeFile(join(dir, "only-html", "index.html"), "index.html\n");
      const port = await start(
        class extends servingDir(dir) {
          override index_pages = ["default.txt", "home.txt"];
        },
      );
      const r = await fetch1(port, "GET", "/d/");
      assert.equal(r.body.toString(), "default\n");
      assert.equal(header(r, "Content-type"), "text/plain; charset=utf-8");
      const listing = await fetch1(port, "GET", "/only-html/");
      assert.match(listing.body.toString(), /<title>Directory listing for \/only-html\/<\/title>/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("extensions_map override: consulted as is, then lower-cased, before the MIME database", async () => {
    const port = await start(
      class extends servingDir(suite.tree.root) {
        override extensions_map = { ".txt": "application/x-mine", ".png": "image/x-special" };
      },
    );
    const cases: [string, string][] = [
      ["/a.txt", "application/x-mine"],
      ["/UPPER.TXT", "application/x-mine"],
      ["/image.png", "image/x-special"],
      ["/style.css", "text/css; charset=utf-8"],
      // The subclass's map replaces the default one: no '.gz' entry, so mimetypes answers.
      ["/bundle.tar.gz", "application/x-tar"],
    ];
    for (const [target, type] of cases) {
      assert.equal(header(await fetch1(port, "GET", target), "Content-type"), type, target);
    }
    const plain = await start(servingDir(suite.tree.root));
    assert.equal(header(await fetch1(plain, "GET", "/bundle.tar.gz"), "Content-type"), "application/gzip");
  });

  test("copyfile() override: a small file's body (read whole, cached or not) still goes through it", async () => {
    const port = await start(
      class extends servingDir(suite.tree.root) {
        override async copyfile(source: Source, outputfile: Parameters<SimpleHTTPRequestHandler["copyfile"]>[1]): Promise<void> {
          for (let chunk = await source.read(1 << 16); chunk.length > 0; chunk = await source.read(1 << 16)) {
            await outputfile.write(Buffer.from(chunk.toString("latin1").toUpperCase(), "latin1"));
          }
        }
      },
    );
    for (const round of ["first", "second"]) {
      const r = await fetch1(port, "GET", "/a.txt");
      assert.equal(r.body.toString(), "HELLO, WORLD\n", round);
    }
  });

  test("server_version is SimpleHTTP/0.6, and Server is SimpleHTTP/0.6 Node.js/<version>", async () => {
    assert.equal(SimpleHTTPRequestHandler.prototype.server_version, "SimpleHTTP/0.6");
    const port = await start(servingDir(suite.tree.root));
    for (const target of ["/a.txt", "/sub/", "/missing"]) {
      assert.equal(header(await fetch1(port, "GET", target), "Server"), `SimpleHTTP/0.6 Node.js/${process.versions.node}`, target);
    }
  });
});

// ---- keep-alive ---------------------------------------------------------------------------

describe("SimpleHTTPRequestHandler: keep-alive", () => {
  test("several files on one HTTP/1.1 connection, including after a 304 and a 206", async () => {
    const port = await start(servingDir(suite.tree.root));
    const socket = await open(port);
    try {
      const steps: [string, (r: Resp) => void][] = [
        ["GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n", (r) => assert.equal(r.body.toString(), "hello, world\n")],
        [`GET /a.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: ${FIXED_HTTP_DATE}\r\n\r\n`, (r) => assert.equal(r.status, 304)],
        ["GET /ten.txt HTTP/1.1\r\nHost: x\r\n\r\n", (r) => assert.equal(r.body.toString(), TEN)],
        ["GET /ten.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=2-4\r\n\r\n", (r) => assert.equal(r.body.toString(), "234")],
        [`GET /ten.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: ${TEN_ETAG}\r\n\r\n`, (r) => assert.equal(r.status, 304)],
        ["GET /ten.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-0,8-\r\n\r\n", (r) => assert.match(header(r, "Content-type")!, /^multipart\/byteranges/)],
        ["HEAD /sub/b.txt HTTP/1.1\r\nHost: x\r\n\r\n", (r) => assert.equal(header(r, "Content-Length"), "7")],
        ["GET /ten.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=99-\r\n\r\n", (r) => assert.equal(r.status, 416)],
        ["GET /sub HTTP/1.1\r\nHost: x\r\n\r\n", (r) => assert.equal(r.status, 301)],
        ["GET /sub/ HTTP/1.1\r\nHost: x\r\n\r\n", (r) => assert.match(r.body.toString(), /Directory listing for \/sub\//)],
        ["GET /sub/b.txt HTTP/1.1\r\nHost: x\r\n\r\n", (r) => assert.equal(r.body.toString(), "in sub\n")],
      ];
      let received = Buffer.alloc(0);
      for (let i = 0; i < steps.length; i++) {
        const [send, check] = steps[i]!;
        socket.write(send);
        const isHead = send.startsWith("HEAD");
        const more = await readUntil(socket, (b) => responsesArrived(1, isHead)(b));
        received = Buffer.concat([received, more]);
        const rs = parseResponses(more, isHead);
        assert.equal(rs.length, 1, `one response to request #${i + 1}, nothing more`);
        assert.equal(header(rs[0]!, "Connection"), undefined, `request #${i + 1}: no Connection: close`);
        check(rs[0]!);
      }
      assert.ok(!socket.destroyed, "the connection is still open");
    } finally {
      socket.destroy();
    }
  });

  test("an error (404) closes the connection, as CPython's send_error does", async () => {
    const port = await start(servingDir(suite.tree.root));
    const raw = await exchange(port, "GET /missing HTTP/1.1\r\nHost: x\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    const rs = parseResponses(raw);
    assert.deepEqual(rs.map((r) => r.status), [404]);
    assert.equal(header(rs[0]!, "Connection"), "close");
  });
});
