/**
 * The listing modes over real sockets: CPython's page untouched by default,
 * its JSON twin, the rich page and its JSON twin in the same order under
 * the same rules, and `off`.
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { renderListing, sortEntries } from "../../src/static/directory-listing.js";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import type { ListingMode } from "../../src/static/listing.js";
import { buildShareTree, type ShareTree } from "../fixtures/share-tree.js";
import { servingDir } from "../helpers/handlers.js";
import { get } from "../helpers/http-get.js";
import { serve, type Running } from "../helpers/net.js";
import type { ThreadingHTTPServer } from "../../src/server/http-server.js";

let tree: ShareTree;
before(async () => {
  tree = await buildShareTree();
});
after(() => tree.remove());

/** Serves the tree with these attributes for the duration of `fn`. */
async function withServer(
  attrs: { listing?: ListingMode; exclude_dotfiles?: boolean; archives?: boolean; listing_qr?: string | null },
  fn: (port: number) => Promise<void>,
): Promise<void> {
  class Quiet extends servingDir(tree.root, SimpleHTTPRequestHandler) {
    override log_message(): void {}
  }
  Object.assign(Quiet.prototype, attrs);
  const running: Running<ThreadingHTTPServer> = await serve(Quiet);
  try {
    await fn(running.port);
  } finally {
    await running.close();
  }
}

type Json = { name: string; type: string; size: number | null; mtime: string | null; href: string }[];

/** The names of the rich page's rows, in order. */
function rowNames(html: string): string[] {
  return [...html.matchAll(/<tr data-name="([^"]*)"/g)].map((m) => m[1]!.replaceAll("&lt;", "<").replaceAll("&quot;", '"').replaceAll("&amp;", "&"));
}

describe("listing = python (the default)", () => {
  test("the page is CPython's, without Vary, whatever the query", async () => {
    await withServer({}, async (port) => {
      const r = await get(port, "/?sort=size&order=desc");
      assert.equal(r.status, 200);
      assert.equal(r.headers["vary"], undefined);
      assert.equal(r.headers["content-type"], "text/html; charset=utf-8");
      assert.ok(r.body.toString("latin1").startsWith("<!DOCTYPE HTML>\n<html lang=\"en\">"));
      assert.match(r.body.toString("latin1"), /<li><a href="to-sub\/">to-sub@<\/a><\/li>/);
    });
  });

  test("Accept: application/json gets CPython's entries, in CPython's order, with Vary", async () => {
    await withServer({}, async (port) => {
      const html = (await get(port, "/")).body.toString("latin1");
      const r = await get(port, "/", { Accept: "application/json" });
      assert.equal(r.status, 200);
      assert.equal(r.headers["content-type"], "application/json");
      assert.equal(r.headers["vary"], "Accept");
      const json = JSON.parse(r.body.toString("utf8")) as Json;
      const htmlNames = [...html.matchAll(/<li><a href="[^"]*">([^<]*)<\/a>/g)].length;
      assert.equal(json.length, htmlNames);
      const names = json.map((e) => e.name);
      assert.deepEqual(names, sortEntries(names.map((name) => ({ name }))).map((e) => e.name));
      const byName = Object.fromEntries(json.map((e) => [e.name, e]));
      assert.equal(byName["a.txt"]!.size, 6);
      assert.equal(byName["a.txt"]!.mtime, "1970-01-12T13:46:40.000Z");
      assert.equal(byName["sub"]!.href, "sub/");
      assert.equal(byName["escape"]!.type, "symlink");
      assert.equal(byName["to-sub"]!.type, "directory");
    });
  });

  test("a browser's Accept keeps CPython's page byte for byte", async () => {
    await withServer({}, async (port) => {
      const plain = await get(port, "/sub/");
      const browser = await get(port, "/sub/", { Accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" });
      assert.deepEqual(browser.body, plain.body);
      const names = ["deeper", "s.txt", "up"].map((name) => ({ name, isDir: name !== "s.txt", isSymlink: name === "up" }));
      assert.deepEqual(plain.body, renderListing("/sub/", names));
    });
  });
});

describe("listing = rich", () => {
  test("the rich page, with Vary: Accept, escaping every name", async () => {
    await withServer({ listing: "rich" }, async (port) => {
      const r = await get(port, "/");
      assert.equal(r.status, 200);
      assert.equal(r.headers["vary"], "Accept");
      const html = r.body.toString("utf8");
      assert.match(html, /<meta name="viewport"/);
      assert.match(html, /data-name="we&lt;ird&quot;name\.txt"/);
      assert.match(html, /<a href="bad%ED%B3%BFname">bad\uFFFDname<\/a>/);
      assert.match(html, /<tr data-name="line\nbreak\.txt"><td class="name"><a href="line%0Abreak\.txt">line\nbreak\.txt<\/a>/);
      assert.doesNotMatch(html, /<form|download=/);
    });
  });

  test("the link of a name that is not UTF-8 serves that file", async () => {
    await withServer({ listing: "rich" }, async (port) => {
      const r = await get(port, "/bad%ED%B3%BFname");
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), "bad\n");
    });
  });

  for (const query of ["", "?sort=size&order=desc", "?sort=mtime", "?sort=type&order=desc", "?sort=name&order=desc"]) {
    test(`the JSON twin lists the same entries in the same order (${query || "no query"})`, async () => {
      await withServer({ listing: "rich" }, async (port) => {
        const html = (await get(port, "/" + query)).body.toString("utf8");
        const json = JSON.parse((await get(port, "/" + query, { Accept: "application/json" })).body.toString("utf8")) as Json;
        assert.deepEqual(
          rowNames(html),
          json.map((e) => e.name.replace(/[\uD800-\uDFFF]/gu, "\uFFFD")),
        );
        const dirs = json.map((e) => e.type === "directory");
        assert.deepEqual(dirs, [...dirs].sort((a, b) => Number(b) - Number(a)), "folders first");
      });
    });
  }

  test("sorting by size puts the largest file first among files", async () => {
    await withServer({ listing: "rich" }, async (port) => {
      const json = JSON.parse((await get(port, "/?sort=size&order=desc", { Accept: "application/json" })).body.toString("utf8")) as Json;
      const files = json.filter((e) => e.type === "file");
      assert.equal(files[0]!.name, "big.txt");
      const sizes = files.map((e) => e.size!);
      assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a));
    });
  });

  test("exclude_dotfiles hides dotfiles from the page and the JSON alike", async () => {
    await withServer({ listing: "rich", exclude_dotfiles: true }, async (port) => {
      const html = (await get(port, "/")).body.toString("utf8");
      const json = JSON.parse((await get(port, "/", { Accept: "application/json" })).body.toString("utf8")) as Json;
      assert.ok(!rowNames(html).some((n) => n.startsWith(".")));
      assert.ok(!json.some((e) => e.name.startsWith(".")));
      assert.ok(json.some((e) => e.name === "a.txt"));
    });
  });

  test("archive links appear with archives on, and a QR code with listing_qr", async () => {
    await withServer({ listing: "rich", archives: true, listing_qr: "http://192.0.2.1:8000/" }, async (port) => {
      const html = (await get(port, "/")).body.toString("utf8");
      assert.match(html, /href="\?download=zip"/);
      assert.match(html, /href="sub\/\?download=zip"/);
      assert.match(html, /<details class="qr"><summary>QR code<\/summary><svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    });
  });

  test("the upload form appears when the handler's upload attribute is on", async () => {
    await withServer({ listing: "rich", ...({ upload: true } as object) }, async (port) => {
      const html = (await get(port, "/")).body.toString("utf8");
      assert.match(html, /<form class="upload" method="post" enctype="multipart\/form-data" action="">/);
      assert.match(html, /<input type="file" name="file" multiple/);
    });
  });

  test("an index page still wins over the listing", async () => {
    await withServer({ listing: "rich" }, async (port) => {
      assert.equal((await get(port, "/index-dir/")).body.toString(), "<p>index</p>\n");
    });
  });
});

describe("listing = off", () => {
  test("a folder without an index page is 404; files and index pages are served", async () => {
    await withServer({ listing: "off" }, async (port) => {
      assert.equal((await get(port, "/")).status, 404);
      assert.equal((await get(port, "/sub/")).status, 404);
      assert.equal((await get(port, "/", { Accept: "application/json" })).status, 404);
      assert.equal((await get(port, "/a.txt")).status, 200);
      assert.equal((await get(port, "/index-dir/")).status, 200);
      const redirect = await get(port, "/sub");
      assert.equal(redirect.status, 301);
    });
  });
});
