/**
 * Issue #14's flags on the real command (`node build/src/cli/bin.js`):
 * `--version`, the usage errors of the new flags, and one server started with
 * all of them at once, checked over raw sockets and with curl.
 */

import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { USAGE } from "../../src/cli/args.js";
import { startCli, startServing } from "./cli-process.js";
import { exchange, run } from "../helpers/net.js";
import { makeCgiSite } from "../cgi/fixture.js";

async function site(t: TestContext): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "http-server-webapp-cli-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, "assets"));
  await writeFile(join(root, "index.html"), "<!doctype html><p>spa</p>\n");
  await writeFile(join(root, "404.html"), "<p>gone</p>\n");
  await writeFile(join(root, "hello.txt"), "hello, world\n".repeat(200));
  await writeFile(join(root, "notes.xyzq"), "no type\n");
  return root;
}

async function fetchRaw(port: number, target: string, headers: string[] = []): Promise<string> {
  const raw = await exchange(port, `GET ${target} HTTP/1.1\r\nHost: x\r\n${headers.map((h) => h + "\r\n").join("")}Connection: close\r\n\r\n`);
  return raw.toString("latin1");
}

test("http.server --version prints the package version and the runtime, and exits 0", async (t) => {
  const pkg = JSON.parse(await readFile(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  const cli = startCli(t, ["--version"]);
  assert.deepEqual(await cli.exit(), { code: 0, signal: null });
  assert.equal(cli.stdout.text, `http.server ${pkg.version} (Node.js ${process.version})\n`);
  assert.equal(cli.stderr.text, "");
});

test("http.server exits 2 naming the flag for a bad -H, --content-type, --spa or --not-found", async (t) => {
  const root = await site(t);
  const rows: [string[], string][] = [
    [["-H", "Bad Header"], "argument -H/--header: expected 'Name: value', got 'Bad Header'"],
    [["-H", "X-A: 1\r\nX-B: 2"], "argument -H/--header: invalid value for header X-A: '1\\r\\nX-B: 2'"],
    [["-H", "Content-Length: 1"], "argument -H/--header: header Content-Length is set by the server and cannot be given"],
    [["--content-type", "nonsense"], "argument --content-type: invalid media type: 'nonsense' (expected type/subtype, such as text/plain)"],
    [["--spa", "app.html", "0"], "argument --spa: no such file in the served directory: 'app.html'"],
    [["--spa", "assets", "0"], "argument --spa: no such file in the served directory: 'assets'"],
    [["--not-found", "missing.html", "0"], "argument --not-found: no such file in the served directory: 'missing.html'"],
  ];
  await Promise.all(
    rows.map(async ([args, message]) => {
      const cli = startCli(t, ["-b", "127.0.0.1", "-d", root, ...args]);
      assert.deepEqual(await cli.exit(), { code: 2, signal: null }, `${args.join(" ")}: ${cli.stderr.text}`);
      assert.equal(cli.stderr.text, `${USAGE}http.server: error: ${message}\n`);
    }),
  );
});

test("http.server with every issue #14 flag serves a web app", async (t) => {
  const root = await site(t);
  const cli = await startServing(t, [
    "-b", "127.0.0.1", "-d", root, "-p", "HTTP/1.1",
    "-H", "Cache-Control: no-store", "--header", "X-Robots-Tag", "noindex",
    "--content-type", "text/plain", "--cors", "--spa", "--not-found", "404.html",
    "--compress", "--precompressed", "-q", "0",
  ]);
  const file = await fetchRaw(cli.port, "/hello.txt");
  assert.match(file, /^HTTP\/1\.1 200 OK\r\n/);
  for (const line of ["Cache-Control: no-store", "X-Robots-Tag: noindex", "Access-Control-Allow-Origin: *", "Vary: Accept-Encoding"]) {
    assert.ok(file.includes(`\r\n${line}\r\n`), `${line} in ${file.slice(0, 600)}`);
  }
  assert.match(await fetchRaw(cli.port, "/notes.xyzq"), /\r\nContent-type: text\/plain; charset=utf-8\r\n/);
  assert.match(await fetchRaw(cli.port, "/users/1", ["Sec-Fetch-Mode: navigate"]), /^HTTP\/1\.1 200 OK[^]*<p>spa<\/p>\n$/);
  assert.match(await fetchRaw(cli.port, "/users/1", ["Sec-Fetch-Mode: cors"]), /^HTTP\/1\.1 404 File not found[^]*<p>gone<\/p>\n$/);
  const curl = await run("curl", ["-s", "--compressed", "-H", "Accept-Encoding: br", "-w", "%{http_code} %{size_download}", `http://127.0.0.1:${cli.port}/hello.txt`]);
  assert.ok(curl.startsWith("hello, world\n".repeat(200)));
  assert.match(curl, /200 \d+$/);
  // -q: the 404 above is logged as an error, no request line is.
  await cli.stderr.waitFor(/code 404, message File not found/, "the error line");
  assert.ok(!cli.stderr.text.includes('"GET '), cli.stderr.text);
});

test("http.server --cgi --cors: script output and the preflight for POST carry the CORS fields", async (t) => {
  const { root, cleanup } = await makeCgiSite();
  t.after(cleanup);
  const cli = await startServing(t, ["--cgi", "--cors", "-b", "127.0.0.1", "-d", root, "0"]);
  const script = await fetchRaw(cli.port, "/cgi-bin/env.sh");
  assert.match(script, /^HTTP\/1\.0 200 Script output follows\r\nServer: [^\r]+\r\nDate: [^\r]+\r\nAccess-Control-Allow-Origin: \*\r\nAccess-Control-Expose-Headers: [^\r]+\r\nContent-Type: text\/plain\r\n/);
  const preflight = await exchange(cli.port, "OPTIONS /cgi-bin/env.sh HTTP/1.1\r\nHost: x\r\nOrigin: http://a\r\nAccess-Control-Request-Method: POST\r\n\r\n");
  assert.match(preflight.toString("latin1"), /^HTTP\/1\.0 204 No Content\r\n[^]*Access-Control-Allow-Methods: POST\r\n/);
});
