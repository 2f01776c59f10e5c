/**
 * The real command with the issue-15 flags: `--listing`, `--archives`,
 * `--share` (its URLs after the banner, 404 outside, the log without the
 * prefix, the end after its downloads or its duration, exit 0) and `--qr`.
 */

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { buildShareTree, type ShareTree } from "../fixtures/share-tree.js";
import { get, startServing } from "./cli-process.js";

let tree: ShareTree;
before(async () => {
  tree = await buildShareTree("served");
});
after(() => tree.remove());

test("--share: URLs after the banner, 404 outside, read-only, no prefix in the log, exits 0 once used up", async (t) => {
  const cli = await startServing(t, ["0", "-b", "127.0.0.1", "-d", tree.root, "--share", "--max-downloads", "1", "--listing", "rich", "--qr"]);
  const m = await cli.stdout.waitFor(/^Share link \(read-only, expires in 1h, 1 download\(s\)\):\n  (http:\/\/127\.0\.0\.1:\d+\/([A-Za-z0-9_-]{22})\/)\n/m, "share URL");
  const [, url, prefix] = m as unknown as [string, string, string];
  assert.ok(url.startsWith(`http://127.0.0.1:${cli.port}/`));
  // The banner's line comes first, CPython's exactly.
  assert.ok(cli.stdout.text.startsWith(`Serving HTTP on 127.0.0.1 port ${cli.port} (http://127.0.0.1:${cli.port}/) ...\nShare link`));
  await cli.stdout.waitFor(/QR code for http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{22}\/\n/, "QR code");

  assert.equal((await get(cli.port, "/")).status, 404);
  assert.equal((await get(cli.port, "/a.txt")).status, 404);
  const page = await get(cli.port, `/${prefix}/`);
  assert.equal(page.status, 200);
  assert.match(page.body.toString(), /<details class="qr">/);
  assert.match(page.body.toString(), /data-name="a\.txt"/);
  const file = await get(cli.port, `/${prefix}/a.txt`);
  assert.equal(file.body.toString(), "hello\n");

  assert.deepEqual(await cli.exit(), { code: 0, signal: null });
  assert.match(cli.stdout.text, /\nShare link used up \(--max-downloads\), exiting\.\n$/);
  assert.match(cli.stderr.text, /"GET \/<share>\/a\.txt HTTP\/1\.1" 200 -/);
  assert.ok(!cli.stderr.text.includes(prefix), "the prefix reached the log");
  assert.doesNotMatch(cli.stderr.text, /warning/, "no clear-text warning on loopback");
});

test("--share DURATION: the server stops and exits 0 when it expires", async (t) => {
  const cli = await startServing(t, ["0", "-b", "127.0.0.1", "-d", tree.root, "--share", "1s"]);
  await cli.stdout.waitFor(/expires in 1s/, "share line");
  assert.deepEqual(await cli.exit(), { code: 0, signal: null });
  assert.match(cli.stdout.text, /\nShare link expired, exiting\.\n$/);
});

test("--listing off and --archives from the command line", async (t) => {
  const cli = await startServing(t, ["0", "-b", "127.0.0.1", "-d", tree.root, "--listing", "off", "--archives"]);
  assert.equal((await get(cli.port, "/")).status, 404);
  assert.equal((await get(cli.port, "/a.txt")).status, 200);
  const zip = await get(cli.port, "/sub/?download=zip");
  assert.equal(zip.status, 200);
  assert.equal(zip.headers["content-disposition"], 'attachment; filename="sub.zip"');
  assert.equal(zip.body.subarray(0, 4).toString("latin1"), "PK\x03\x04");
  cli.child.kill("SIGINT");
  assert.equal((await cli.exit()).code, 0);
});
