/**
 * Hidden files (names starting with `.`): served as CPython serves them by
 * default, refused with 404 and left out of listings when `exclude_dotfiles`
 * (the CLI's `--exclude-dotfiles`) is set — however the name is spelled in the
 * request, and whether the hidden name is the file or a directory above it.
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { exchange, LogCapture, serve, splitResponse, type Running } from "../helpers/net.js";
import { servingDir as servingDirOf } from "../helpers/handlers.js";


function handler(directory: string, exclude: boolean): typeof SimpleHTTPRequestHandler {
  const Handler = servingDirOf(directory, SimpleHTTPRequestHandler);
  Handler.prototype.exclude_dotfiles = exclude;
  return Handler;
}

async function get(port: number, target: string): Promise<{ status: string; body: string }> {
  const r = splitResponse(await exchange(port, `GET ${target} HTTP/1.0\r\n\r\n`));
  return { status: r.status, body: r.body };
}

let root: string;
const log = new LogCapture();
let shown: Running<any>;
let hidden: Running<any>;

before(async () => {
  log.start();
  root = await mkdtemp(join(tmpdir(), "http-server-dotfiles-"));
  await mkdir(join(root, ".git"));
  await mkdir(join(root, "site/.cache"), { recursive: true });
  await writeFile(join(root, ".env"), "TOKEN=dotenv-secret\n");
  await writeFile(join(root, ".git/config"), "[core] git-secret\n");
  await writeFile(join(root, "site/.cache/x"), "cache-secret\n");
  await writeFile(join(root, "site/page.txt"), "public\n");
  await writeFile(join(root, "site/a.b"), "dotted, not hidden\n");
  shown = await serve(handler(root, false));
  hidden = await serve(handler(root, true));
});

after(async () => {
  await shown.close();
  await hidden.close();
  log.stop();
  await rm(root, { recursive: true, force: true });
});

const SECRETS: [target: string, secret: string][] = [
  ["/.env", "dotenv-secret"],
  ["/.git/config", "git-secret"],
  ["/site/.cache/x", "cache-secret"],
  ["/%2eenv", "dotenv-secret"],
  ["/%2Egit/config", "git-secret"],
  ["/site/%2ecache/x", "cache-secret"],
  ["/site/../.env", "dotenv-secret"],
  ["//.git//config", "git-secret"],
  ["/.env?x=1", "dotenv-secret"],
];

describe("by default, hidden files are served as CPython serves them", () => {
  for (const [target, secret] of SECRETS) {
    test(target, async () => {
      const r = await get(shown.port, target);
      assert.equal(r.status, "HTTP/1.0 200 OK");
      assert.ok(r.body.includes(secret));
    });
  }
  test("and listed", async () => {
    const r = await get(shown.port, "/");
    assert.ok(r.body.includes('href=".env"'), r.body);
    assert.ok(r.body.includes('href=".git/"'), r.body);
  });
});

describe("with exclude_dotfiles", () => {
  for (const [target, secret] of SECRETS) {
    test(`${target} → 404`, async () => {
      const r = await get(hidden.port, target);
      assert.equal(r.status, "HTTP/1.0 404 File not found");
      assert.ok(!r.body.includes(secret));
    });
  }
  test("/.git/ (a hidden directory) → 404, not a listing or a redirect", async () => {
    assert.equal((await get(hidden.port, "/.git/")).status, "HTTP/1.0 404 File not found");
    assert.equal((await get(hidden.port, "/.git")).status, "HTTP/1.0 404 File not found");
  });
  test("other files are still served, a dot inside a name included", async () => {
    assert.equal((await get(hidden.port, "/site/page.txt")).body, "public\n");
    assert.equal((await get(hidden.port, "/site/a.b")).body, "dotted, not hidden\n");
  });
  test("listings leave hidden names out", async () => {
    const top = await get(hidden.port, "/");
    assert.equal(top.status, "HTTP/1.0 200 OK");
    assert.ok(top.body.includes('href="site/"'), top.body);
    assert.ok(!top.body.includes(".env") && !top.body.includes(".git"), top.body);
    const site = await get(hidden.port, "/site/");
    assert.ok(site.body.includes('href="page.txt"') && site.body.includes('href="a.b"'), site.body);
    assert.ok(!site.body.includes(".cache"), site.body);
  });
  test("a served directory whose own path has a hidden name still works", async () => {
    const running = await serve(handler(join(root, "site/.cache"), true));
    try {
      assert.equal((await get(running.port, "/x")).body, "cache-secret\n");
    } finally {
      await running.close();
    }
  });
});
