/**
 * Folders as archives over real sockets: Python's zipfile and tarfile and
 * Info-ZIP's `unzip -t` check what comes out; the file server's hidden-file
 * and symlink rules hold; a client going away stops the walk. The 5 GB
 * ZIP64 case is in archive-zip64.test.ts.
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { archiveFormat, contentDisposition } from "../../src/static/archive.js";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import type { ThreadingHTTPServer } from "../../src/server/http-server.js";
import { buildShareTree, type ShareTree } from "../fixtures/share-tree.js";
import { servingDir } from "../helpers/handlers.js";
import { get } from "../helpers/http-get.js";
import { python, serve, type Running } from "../helpers/net.js";

describe("archiveFormat()", () => {
  const rows: [string, string | null][] = [
    ["", null],
    ["sort=size", null],
    ["download=zip", "zip"],
    ["download=tar", "tar"],
    ["download=tar.gz", "tar.gz"],
    ["download=tgz", "tar.gz"],
    ["download=rar", "invalid"],
    ["download=", "invalid"],
    ["download=ZIP", "invalid"],
    ["sort=name&download=tar", "tar"],
  ];
  for (const [query, want] of rows) test(`archiveFormat(${JSON.stringify(query)}) is ${want}`, () => assert.equal(archiveFormat(query), want));
});

describe("contentDisposition()", () => {
  const rows: [string, string][] = [
    ["docs.zip", 'attachment; filename="docs.zip"'],
    ["My Files ü.zip", `attachment; filename="My Files _.zip"; filename*=UTF-8''My%20Files%20%C3%BC.zip`],
    ['a"b\\c.tar', `attachment; filename="a_b_c.tar"; filename*=UTF-8''a%22b%5Cc.tar`],
    ["日本.tar.gz", `attachment; filename="__.tar.gz"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.tar.gz`],
    ["line\nbreak.zip", `attachment; filename="line_break.zip"; filename*=UTF-8''line%0Abreak.zip`],
    ["bad\uDCFF.zip", `attachment; filename="bad_.zip"; filename*=UTF-8''bad%EF%BF%BD.zip`],
  ];
  for (const [name, want] of rows) test(`contentDisposition(${JSON.stringify(name)})`, () => assert.equal(contentDisposition(name), want));
});

let tree: ShareTree;
let work: string;
before(async () => {
  tree = await buildShareTree();
  work = mkdtempSync(join(tmpdir(), "archive-out-"));
});
after(async () => {
  await tree.remove();
  rmSync(work, { recursive: true, force: true });
});

async function withServer(attrs: Record<string, unknown>, fn: (port: number) => Promise<void>, root = tree.root): Promise<void> {
  class Quiet extends servingDir(root, SimpleHTTPRequestHandler) {
    override log_message(): void {}
  }
  Object.assign(Quiet.prototype, { archives: true, ...attrs });
  const running: Running<ThreadingHTTPServer> = await serve(Quiet);
  try {
    await fn(running.port);
  } finally {
    await running.close();
  }
}

/** Python's view of a zip or tar: {name: content-or-null-for-dirs}, after its own integrity check. */
async function pythonRead(file: string, kind: "zip" | "tar"): Promise<Record<string, string | null>> {
  const script =
    kind === "zip"
      ? `import sys, zipfile, json
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
print(json.dumps({i.filename: None if i.is_dir() else z.read(i).decode("utf-8", "replace") for i in z.infolist()}))`
      : `import sys, tarfile, json
t = tarfile.open(sys.argv[1])
print(json.dumps({m.name + ("/" if m.isdir() else ""): None if m.isdir() else t.extractfile(m).read().decode("utf-8", "replace") for m in t.getmembers()}))`;
  return JSON.parse(await python(script, [file])) as Record<string, string | null>;
}

const TOP = "My Files ü/";

describe("GET /dir/?download=…", () => {
  test("zip: the folder under its own name, links inside followed, links out and loops left out", async () => {
    await withServer({}, async (port) => {
      const r = await get(port, "/?download=zip");
      assert.equal(r.status, 200);
      assert.equal(r.headers["content-type"], "application/zip");
      assert.equal(r.headers["content-disposition"], `attachment; filename="My Files _.zip"; filename*=UTF-8''My%20Files%20%C3%BC.zip`);
      assert.equal(r.headers["content-length"], undefined);
      const file = join(work, "root.zip");
      writeFileSync(file, r.body);
      const unzip = spawnSync("unzip", ["-t", file], { encoding: "utf8" });
      if (unzip.error === undefined) assert.equal(unzip.status, 0, unzip.stdout + unzip.stderr);
      const got = await pythonRead(file, "zip");
      assert.equal(got[TOP], null);
      assert.equal(got[TOP + "a.txt"], "hello\n");
      assert.equal(got[TOP + "big.txt"], "x".repeat(3000));
      assert.equal(got[TOP + 'we<ird"name.txt'], "weird\n");
      assert.equal(got[TOP + "bad\uFFFDname"], "bad\n");
      assert.equal(got[TOP + "line\nbreak.txt"], "newline\n");
      assert.equal(got[TOP + "to-a"], "hello\n");
      assert.equal(got[TOP + "to-sub/s.txt"], "s\n");
      assert.equal(got[TOP + "sub/deeper/d.md"], "d\n");
      assert.equal(got[TOP + ".env"], "TOKEN=1\n");
      assert.equal(got[TOP + "empty/"], null);
      const names = Object.keys(got);
      for (const n of names) assert.ok(!/escape|dangling|sub\/up\//.test(n), `left out: ${n}`);
      assert.ok(!r.body.includes(tree.secret), "the secret outside the root leaked");
      // Depth-first, in CPython's listing order.
      assert.ok(names.indexOf(TOP + "a.txt") < names.indexOf(TOP + "sub/"));
    });
  });

  for (const format of ["tar", "tar.gz"] as const) {
    test(`${format}: Python's tarfile reads the same tree`, async () => {
      await withServer({}, async (port) => {
        const r = await get(port, `/sub/?download=${format}`);
        assert.equal(r.status, 200);
        assert.equal(r.headers["content-type"], format === "tar" ? "application/x-tar" : "application/gzip");
        assert.equal(r.headers["content-disposition"], `attachment; filename="sub.${format}"`);
        const file = join(work, `sub.${format}`);
        writeFileSync(file, r.body);
        const got = await pythonRead(file, "tar");
        // sub/up leads back to the root, which is not being walked from /sub/: it is archived once, without sub again.
        assert.equal(got["sub/s.txt"], "s\n");
        assert.equal(got["sub/deeper/d.md"], "d\n");
        assert.equal(got["sub/up/a.txt"], "hello\n");
        assert.equal(got["sub/up/sub/"], undefined, "a loop");
        assert.ok(!r.body.includes(tree.secret));
      });
    });
  }

  test("exclude_dotfiles: no hidden names in the archive, and a hidden folder is 404", async () => {
    await withServer({ exclude_dotfiles: true }, async (port) => {
      const r = await get(port, "/?download=tar");
      const file = join(work, "nodot.tar");
      writeFileSync(file, r.body);
      const names = Object.keys(await pythonRead(file, "tar"));
      assert.ok(names.length > 5);
      assert.ok(!names.some((n) => n.split("/").some((part) => part.startsWith("."))), names.join(", "));
      assert.equal((await get(port, "/.hidden/?download=zip")).status, 404);
    });
  });

  test("follow_symlinks: links out of the root are archived too", async () => {
    await withServer({ follow_symlinks: true }, async (port) => {
      const r = await get(port, "/?download=tar");
      assert.ok(r.body.includes(tree.secret));
    });
  });

  test("a link to a folder outside the root is 404, not an archive", async () => {
    await withServer({}, async (port) => {
      assert.equal((await get(port, "/escape/?download=zip")).status, 404);
    });
  });

  test("an unknown format is 400; with archives off the query is ignored", async () => {
    await withServer({}, async (port) => {
      assert.equal((await get(port, "/?download=rar")).status, 400);
    });
    await withServer({ archives: false }, async (port) => {
      const r = await get(port, "/?download=zip");
      assert.equal(r.status, 200);
      assert.equal(r.headers["content-type"], "text/html; charset=utf-8");
    });
  });

  test("a folder with an index page is still archived", async () => {
    await withServer({}, async (port) => {
      const r = await get(port, "/index-dir/?download=tar");
      assert.equal(r.headers["content-type"], "application/x-tar");
    });
  });

  test("HEAD sends the head only", async () => {
    await withServer({}, async (port) => {
      const r = await get(port, "/?download=zip", {}, "HEAD");
      assert.equal(r.status, 200);
      assert.equal(r.headers["content-type"], "application/zip");
      assert.equal(r.body.length, 0);
    });
  });

  test("HTTP/1.0 closes after the archive; HTTP/1.1 sends it chunked and keeps the connection", async () => {
    await withServer({}, async (port) => {
      const r = await get(port, "/sub/?download=tar");
      assert.equal(r.headers["connection"], "close");
      assert.equal(r.headers["transfer-encoding"], undefined);
    });
    await withServer({ protocol_version: "HTTP/1.1" }, async (port) => {
      const raw = await new Promise<string>((resolve, reject) => {
        const s = connect(port, "127.0.0.1", () => {
          s.write("GET /sub/?download=tar HTTP/1.1\r\nHost: x\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        });
        let text = "";
        s.on("data", (d: Buffer) => (text += d.toString("latin1")));
        s.on("end", () => resolve(text));
        s.on("error", reject);
      });
      assert.match(raw, /^HTTP\/1\.1 200 OK\r\n[\s\S]*Transfer-Encoding: chunked\r\n/);
      assert.match(raw, /\r\n0\r\n\r\nHTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhello\n$/);
    });
  });
});

test("a client that goes away stops the walk and closes the files", async () => {
  const root = mkdtempSync(join(tmpdir(), "archive-abort-"));
  try {
    for (let i = 0; i < 3; i++) {
      writeFileSync(join(root, `f${i}.bin`), "");
      truncateSync(join(root, `f${i}.bin`), 256 * 1024 * 1024); // sparse
    }
    const fds = (): number => readdirSync("/proc/self/fd").length;
    await withServer(
      {},
      async (port) => {
        const before = fds();
        await new Promise<void>((resolve, reject) => {
          const s = connect(port, "127.0.0.1", () => s.write("GET /?download=zip HTTP/1.0\r\n\r\n"));
          let got = 0;
          s.on("data", (d: Buffer) => {
            got += d.length;
            if (got > 1024 * 1024) {
              s.destroy();
              resolve();
            }
          });
          s.on("error", reject);
        });
        // The server notices at its next write; wait (bounded) for the descriptors to come back.
        for (let i = 0; i < 200 && fds() > before; i++) await new Promise((r) => setTimeout(r, 10));
        assert.ok(fds() <= before, `descriptors left open: ${fds()} > ${before}`);
      },
      root,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a file that does not match its size ends the archive early, logged; chunked bodies lack their last chunk", async () => {
  // /proc files say size 0 and then have content: the walker must not write a member of the wrong length.
  const root = mkdtempSync(join(tmpdir(), "archive-changing-"));
  try {
    writeFileSync(join(root, "a.txt"), "a\n");
    symlinkSync("/proc/self/status", join(root, "z-status"));
    const log: string[] = [];
    class Logged extends servingDir(root, SimpleHTTPRequestHandler) {
      override log_message(format: string, ...args: unknown[]): void {
        log.push(`${format} ${args.map(String).join(" ")}`);
      }
    }
    Object.assign(Logged.prototype, { archives: true, follow_symlinks: true, protocol_version: "HTTP/1.1" });
    const running: Running<ThreadingHTTPServer> = await serve(Logged);
    try {
      const raw = await new Promise<string>((resolve, reject) => {
        const s = connect(running.port, "127.0.0.1", () => s.write("GET /?download=zip HTTP/1.1\r\nHost: x\r\n\r\n"));
        let text = "";
        s.on("data", (d: Buffer) => (text += d.toString("latin1")));
        s.on("close", () => resolve(text));
        s.on("error", reject);
      });
      assert.match(raw, /^HTTP\/1\.1 200 OK\r\n[\s\S]*Transfer-Encoding: chunked\r\n/);
      assert.doesNotMatch(raw, /\r\n0\r\n\r\n$/, "the body must not look complete");
      assert.ok(log.some((l) => /archive of .* failed|changed size/.test(l)), log.join("\n"));
    } finally {
      await running.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
