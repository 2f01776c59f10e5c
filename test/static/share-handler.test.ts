/**
 * shareHandler() over real sockets: only the secret prefix serves, read-only;
 * the prefix never reaches the log; downloads are counted.
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { newSharePrefix, scrubPrefix, shareHandler, splitFirstSegment, type ShareOptions } from "../../src/static/share-handler.js";
import type { ThreadingHTTPServer } from "../../src/server/http-server.js";
import { buildShareTree, type ShareTree } from "../fixtures/share-tree.js";
import { servingDir } from "../helpers/handlers.js";
import { get } from "../helpers/http-get.js";
import { serve, type Running } from "../helpers/net.js";

describe("newSharePrefix()", () => {
  test("newSharePrefix() is 22 base64url characters (128 bits) and differs each time", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = newSharePrefix();
      assert.match(p, /^[A-Za-z0-9_-]{22}$/);
      assert.equal(Buffer.from(p, "base64url").length, 16);
      seen.add(p);
    }
    assert.equal(seen.size, 200);
  });
});

test("splitFirstSegment() splits off the first path segment", () => {
  const rows: [string, [string, string] | null][] = [
    ["/abc/d/e?q", ["abc", "/d/e?q"]],
    ["/abc", ["abc", ""]],
    ["/abc?x", ["abc", "?x"]],
    ["/", ["", ""]],
    ["http://h/abc/", null],
    ["*", null],
  ];
  for (const [path, want] of rows) assert.deepEqual(splitFirstSegment(path), want, path);
});

test("scrubPrefix() hides the prefix in any spelling", () => {
  const p = "AAAAAAAAAAAAAAAAAAAAAA";
  assert.equal(scrubPrefix(`"GET /${p}/x HTTP/1.1"`, p), '"GET /<share>/x HTTP/1.1"');
  assert.equal(scrubPrefix(`"GET /%41${p.slice(1)}/x HTTP/1.1"`, p), '"GET /<share>/x HTTP/1.1"');
  assert.equal(scrubPrefix(`"GET /BBBBBBBBBBBBBBBBBBBBBB/ HTTP/1.1"`, p), `"GET /BBBBBBBBBBBBBBBBBBBBBB/ HTTP/1.1"`);
});

test("shareHandler() refuses a prefix that is not one plain segment", () => {
  for (const prefix of ["", "a/b", "a?b", "a%41", "a b"]) {
    assert.throws(() => shareHandler(SimpleHTTPRequestHandler, { prefix }), TypeError, prefix);
  }
});

let tree: ShareTree;
before(async () => {
  tree = await buildShareTree();
});
after(() => tree.remove());

const PREFIX = "Zm9vYmFyYmF6cXV4cXV1eA";

/** Serves the tree through a share handler, capturing its log lines. */
async function withShare(options: ShareOptions & { listing?: "python" | "rich" }, fn: (port: number, log: string[]) => Promise<void>): Promise<void> {
  const log: string[] = [];
  class Logged extends servingDir(tree.root, SimpleHTTPRequestHandler) {}
  Logged.prototype.listing = options.listing ?? "python";
  // Capture what the share handler's log_message() hands on.
  const Shared = shareHandler(Logged, { prefix: PREFIX, ...options });
  Object.getPrototypeOf(Shared.prototype).log_message = function (format: string, ...args: unknown[]): void {
    log.push(format + " " + args.map(String).join(" "));
  };
  const running: Running<ThreadingHTTPServer> = await serve(Shared);
  try {
    await fn(running.port, log);
  } finally {
    await running.close();
  }
}

describe("a share link", () => {
  test("serves under the prefix, plain or percent-encoded; everything else is 404", async () => {
    await withShare({}, async (port) => {
      assert.equal((await get(port, `/${PREFIX}/a.txt`)).body.toString(), "hello\n");
      assert.equal((await get(port, `/%5A${PREFIX.slice(1)}/a.txt`)).status, 200);
      assert.equal((await get(port, `/${PREFIX}/`)).status, 200);
      const rows = ["/", "/a.txt", `/${PREFIX.slice(0, -1)}/a.txt`, `/${PREFIX}x/a.txt`, `/x/${PREFIX}/a.txt`, `/${PREFIX.toLowerCase()}/a.txt`];
      for (const path of rows) assert.equal((await get(port, path)).status, 404, path);
    });
  });

  test("a folder without its slash redirects under the prefix", async () => {
    await withShare({}, async (port) => {
      const r = await get(port, `/${PREFIX}`);
      assert.equal(r.status, 301);
      assert.equal(r.headers["location"], `/${PREFIX}/`);
      assert.equal((await get(port, `/${PREFIX}/sub`)).headers["location"], `/${PREFIX}/sub/`);
    });
  });

  test("is read-only: other methods are 405 with Allow, outside the prefix 404", async () => {
    await withShare({}, async (port) => {
      for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
        const r = await get(port, `/${PREFIX}/a.txt`, {}, method);
        assert.equal(r.status, 405, method);
        assert.equal(r.headers["allow"], "GET, HEAD");
        assert.equal((await get(port, "/a.txt", {}, method)).status, 404, method);
      }
    });
  });

  test("keeps the prefix out of every log line, even for a malformed request", async () => {
    await withShare({}, async (port, log) => {
      await get(port, `/${PREFIX}/a.txt`);
      await get(port, `/%5A${PREFIX.slice(1)}/nope`);
      await get(port, `/${PREFIX}/a.txt`, {}, "POST");
      await new Promise<void>((resolve) => {
        const s = connect(port, "127.0.0.1", () => s.write(`GET /${PREFIX}/a.txt HTTP/1.1\r\nBad Header\r\n\r\n`));
        s.on("data", () => {});
        s.on("close", () => resolve());
      });
      assert.ok(log.length >= 4, log.join("\n"));
      for (const line of log) {
        assert.ok(!line.includes(PREFIX) && !line.includes(PREFIX.slice(1)), `leaked: ${line}`);
      }
      assert.ok(log.some((l) => l.includes("/<share>/a.txt")), log.join("\n"));
    });
  });

  test("says Referrer-Policy: no-referrer and starts the rich breadcrumb at the prefix", async () => {
    await withShare({ listing: "rich" }, async (port) => {
      const r = await get(port, `/${PREFIX}/sub/`);
      assert.equal(r.headers["referrer-policy"], "no-referrer");
      assert.match(r.body.toString(), new RegExp(`<a href="/${PREFIX}/">Home</a><span class="sep">/</span><a href="/${PREFIX}/sub/">sub</a>`));
    });
  });

  test("turns uploads off: no upload form even when the base class has uploads on", async () => {
    const Base = servingDir(tree.root, SimpleHTTPRequestHandler);
    Object.assign(Base.prototype, { listing: "rich", upload: true });
    const Shared = shareHandler(Base, { prefix: PREFIX });
    assert.equal((Shared.prototype as unknown as { upload: boolean }).upload, false);
    assert.equal((Base.prototype as unknown as { upload: boolean }).upload, true, "the base class is left alone");
  });

  test("max_downloads: file and archive downloads count, listings and HEAD do not; then 404", async () => {
    let exhausted = 0;
    await withShare({ max_downloads: 2, on_exhausted: () => exhausted++ }, async (port) => {
      assert.equal((await get(port, `/${PREFIX}/`)).status, 200);
      assert.equal((await get(port, `/${PREFIX}/a.txt`, {}, "HEAD")).status, 200);
      assert.equal((await get(port, `/${PREFIX}/a.txt`)).status, 200);
      assert.equal(exhausted, 0);
      assert.equal((await get(port, `/${PREFIX}/notes.md`)).status, 200);
      assert.equal(exhausted, 1);
      assert.equal((await get(port, `/${PREFIX}/a.txt`)).status, 404);
      assert.equal((await get(port, `/${PREFIX}/`)).status, 404);
      assert.equal(exhausted, 1);
    });
  });
});
