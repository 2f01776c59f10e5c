// Runtime smoke suite: the built package (dist/) under Node.js 20, 22 and 24,
// Bun and Deno — the command serving a folder, a library handler loaded with
// import and with require(), HTTPS, CGI, --workers and --version — each
// runtime started as a child process, checked from this process (the
// machine's Node.js) over 127.0.0.1.
//
// Not part of `npm test` (the full suite runs there, on the machine's
// Node.js); .ci/run runs it after `npm test`:
//
//   node --test test/runtimes/smoke.test.mjs            # every runtime but the machine's own Node.js
//   RUNTIMES=bun,deno node --test test/runtimes/smoke.test.mjs
//
// The runtimes come from the npm registry through scripts/runtimes.mjs
// (cached outside the work tree). dist/ must be built (`npm test` or
// `npx tsc -p tsconfig.json`). Where a runtime cannot do something, GAPS
// below says so, and the test then checks that the command fails with one
// clear line (no stack trace) instead of serving.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { MAIN_RUNTIMES, ensureRuntime } from "../../scripts/runtimes.mjs";

const ROOT = new URL("../../", import.meta.url).pathname;
const BIN = join(ROOT, "dist/cli/bin.js");
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const OWN = `node${process.versions.node.split(".")[0]}`;
const NAMES = process.env.RUNTIMES ? process.env.RUNTIMES.split(",").filter(Boolean) : MAIN_RUNTIMES.filter((n) => n !== OWN);

/**
 * What each runtime cannot do, with the one-line error the command gives
 * instead (README "Runtimes" names the missing API and the workaround).
 */
const GAPS = {
  bun: {},
  deno: {},
};

/** How long a child may take to print its banner (a cold Deno start compiles the modules). */
const START_MS = 15_000;

/** The argv that runs `script` under runtime `rt`. */
function command(rt, script, args) {
  if (rt.name === "deno") return [rt.bin, ["run", "--allow-all", script, ...args]];
  if (rt.name === "deno-bare") return [rt.bin, ["run", "--no-prompt", script, ...args]]; // no permission granted
  return [rt.bin, [script, ...args]];
}

/** A child process whose stdout/stderr are collected; `waitFor(re)` resolves to the first match on stdout. */
function start(rt, script, args, cwd = ROOT) {
  const [cmd, argv] = command(rt, script, args);
  const child = spawn(cmd, argv, { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  const out = { stdout: "", stderr: "" };
  child.stdout.setEncoding("utf8").on("data", (d) => (out.stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d) => (out.stderr += d));
  const exited = new Promise((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  return {
    child,
    out,
    exited,
    async waitFor(re) {
      const deadline = Date.now() + START_MS;
      for (;;) {
        const m = re.exec(out.stdout);
        if (m) return m;
        const done = await Promise.race([exited.then((e) => e), new Promise((r) => setTimeout(() => r(null), 25))]);
        if (done !== null || Date.now() > deadline) {
          throw new Error(`${rt.name}: no ${re} on stdout (${done ? `exited ${JSON.stringify(done)}` : "timed out"})\nstdout: ${out.stdout}\nstderr: ${out.stderr}`);
        }
      }
    },
    /** Stops the child by its PID (SIGINT, then SIGKILL after 5 s) and resolves to its exit. */
    async stop(signal = "SIGINT") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      const e = await exited;
      clearTimeout(timer);
      return e;
    },
  };
}

/** One request over a fresh connection: `{ status, headers, body }` (body as text). */
function fetchOnce(url, { method = "GET", headers = {}, body = null, ca = null } = {}) {
  const u = new URL(url);
  const request = u.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(u, { method, headers, agent: false, ca: ca ?? undefined, servername: ca ? "localhost" : undefined, timeout: 10_000 }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on("error", reject);
    req.end(body ?? undefined);
  });
}

const NO_STACK = /^\s+at /m;

// A site to serve: a file, a sub-folder, a CGI script, and a certificate.
const site = mkdtempSync(join(tmpdir(), "http-server-runtimes-"));
chmodSync(site, 0o755); // run as root, CGI scripts run as nobody, who must reach them
const www = join(site, "www");
mkdirSync(join(www, "sub"), { recursive: true });
mkdirSync(join(www, "cgi-bin"));
writeFileSync(join(www, "hello.txt"), "hello, world\n");
writeFileSync(join(www, "sub", "inner.txt"), "inner\n");
writeFileSync(join(www, "cgi-bin", "echo.sh"), '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\necho "query=$QUERY_STRING method=$REQUEST_METHOD"\ncat\n');
chmodSync(join(www, "cgi-bin", "echo.sh"), 0o755);
const cert = join(site, "cert.pem");
const key = join(site, "key.pem");
const ssl = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], { encoding: "utf8" });
if (ssl.status !== 0) throw new Error(`openssl: ${ssl.stderr}`);
after(() => rmSync(site, { recursive: true, force: true }));

/** Starts the command with `args` and resolves to it and its base URL once the banner is out. */
async function serve(rt, args) {
  const cli = start(rt, BIN, ["0", "-b", "127.0.0.1", "-d", www, ...args]);
  try {
    const m = await cli.waitFor(/^Serving HTTPS? on 127\.0\.0\.1 port (\d+) \((https?):/m);
    return { cli, base: `${m[2]}://127.0.0.1:${m[1]}` };
  } catch (e) {
    await cli.stop("SIGKILL");
    throw e;
  }
}

for (const name of NAMES) {
  describe(name, { concurrency: false }, () => {
    let rt;
    before(() => {
      rt = ensureRuntime(name);
    });
    const gaps = GAPS[name] ?? {};

    test("--version names the package version and the runtime", async () => {
      const cli = start(rt, BIN, ["--version"]);
      assert.deepEqual(await cli.exited, { code: 0, signal: null });
      const runtime = name === "bun" ? "Bun " : name === "deno" ? "Deno " : "Node.js v";
      assert.match(cli.out.stdout, new RegExp(`^http\\.server ${PKG.version.replaceAll(".", "\\.")} \\(${runtime}\\d+\\.\\d+\\.\\d+\\)\\n$`));
    });

    test("the command serves a folder: file, listing, 404, range, keep-alive; Ctrl-C exits 0", async () => {
      const { cli, base } = await serve(rt, ["-p", "HTTP/1.1"]);
      try {
        const file = await fetchOnce(`${base}/hello.txt`);
        assert.equal(file.status, 200);
        assert.equal(file.body, "hello, world\n");
        assert.equal(file.headers["content-type"], "text/plain; charset=utf-8");
        assert.equal(file.headers["content-length"], "13");
        const token = { bun: "Bun/", deno: "Deno/" }[name] ?? "Node.js/";
        assert.ok(file.headers.server.startsWith(`SimpleHTTP/0.6 ${token}`), file.headers.server);
        const listing = await fetchOnce(`${base}/`);
        assert.equal(listing.status, 200);
        assert.match(listing.body, /<a href="hello\.txt">hello\.txt<\/a>/);
        assert.match(listing.body, /<a href="sub\/">sub\/<\/a>/);
        assert.equal((await fetchOnce(`${base}/sub`)).status, 301);
        assert.equal((await fetchOnce(`${base}/sub/inner.txt`)).body, "inner\n");
        assert.equal((await fetchOnce(`${base}/missing`)).status, 404);
        assert.equal((await fetchOnce(`${base}/../../etc/passwd`)).status, 404);
        const range = await fetchOnce(`${base}/hello.txt`, { headers: { range: "bytes=0-4" } });
        assert.equal(range.status, 206);
        assert.equal(range.body, "hello");
        const head = await fetchOnce(`${base}/hello.txt`, { method: "HEAD" });
        assert.equal(head.headers["content-length"], "13");
      } finally {
        assert.deepEqual(await cli.stop("SIGINT"), { code: 0, signal: null });
      }
      assert.match(cli.out.stdout, /Keyboard interrupt received, exiting\./);
      assert.match(cli.out.stderr, /"GET \/hello\.txt HTTP\/1\.1" 200 -/);
      assert.doesNotMatch(cli.out.stderr, NO_STACK);
    });

    for (const [file, how] of [["handler.mjs", "import"], ["handler.cjs", "require"]]) {
      test(`a library handler loaded with ${how}("http.server") answers GET and POST`, async () => {
        const server = start(rt, join(ROOT, "test/runtimes/fixtures", file), []);
        try {
          const port = (await server.waitFor(/^port (\d+)$/m))[1];
          const got = await fetchOnce(`http://127.0.0.1:${port}/x?y`);
          assert.equal(got.status, 200);
          assert.equal(got.body, `hello from /x?y via ${how}\n`);
          const posted = await fetchOnce(`http://127.0.0.1:${port}/`, { method: "POST", body: "ping", headers: { "content-length": "4" } });
          assert.equal(posted.status, 201);
          assert.equal(posted.body, "ping");
        } finally {
          assert.deepEqual(await server.stop("SIGTERM"), { code: 0, signal: null });
        }
        assert.equal(server.out.stderr, "");
      });
    }

    test("HTTPS with --tls-cert and --tls-key", async () => {
      const { cli, base } = await serve(rt, ["--tls-cert", cert, "--tls-key", key]);
      try {
        assert.ok(base.startsWith("https:"));
        const got = await fetchOnce(`${base}/hello.txt`, { ca: readFileSync(cert) });
        assert.equal(got.status, 200);
        assert.equal(got.body, "hello, world\n");
      } finally {
        await cli.stop("SIGINT");
      }
      assert.doesNotMatch(cli.out.stderr, NO_STACK);
    });

    test("CGI with --cgi: query string, method and request body reach the script", async () => {
      const { cli, base } = await serve(rt, ["--cgi"]);
      try {
        const got = await fetchOnce(`${base}/cgi-bin/echo.sh?a=1`, { method: "POST", body: "body!", headers: { "content-length": "5", "content-type": "text/plain" } });
        assert.equal(got.status, 200);
        assert.equal(got.body, "query=a=1 method=POST\nbody!");
      } finally {
        await cli.stop("SIGINT");
      }
      assert.doesNotMatch(cli.out.stderr, NO_STACK);
    });

    if (name === "deno") {
      test("without permissions the command fails with one line naming the flags", async () => {
        const cli = start({ ...rt, name: "deno-bare" }, BIN, ["0", "-b", "127.0.0.1", "-d", www, "--cgi"]);
        assert.deepEqual(await cli.exited, { code: 1, signal: null });
        assert.equal(cli.out.stdout, "");
        assert.match(cli.out.stderr, /^http\.server: error: Deno has not granted net, read, env, sys, run access: run it as `deno run -A …` \(or with --allow-net --allow-read --allow-env --allow-sys --allow-run\)\n$/);
      });
    }

    test(gaps.workers ? "--workers 2 fails with one clear line" : "--workers 2 serves from two processes", async () => {
      if (gaps.workers) {
        const cli = start(rt, BIN, ["0", "-b", "127.0.0.1", "-d", www, "--workers", "2"]);
        const e = await Promise.race([cli.exited, new Promise((r) => setTimeout(() => r(null), START_MS))]);
        if (e === null) await cli.stop("SIGKILL");
        assert.deepEqual(e, { code: 1, signal: null });
        assert.equal(cli.out.stderr, `http.server: error: ${gaps.workers}\n`);
        return;
      }
      const { cli, base } = await serve(rt, ["--workers", "2"]);
      try {
        for (let i = 0; i < 4; i++) assert.equal((await fetchOnce(`${base}/hello.txt`)).body, "hello, world\n");
      } finally {
        assert.deepEqual(await cli.stop("SIGTERM"), { code: 0, signal: null });
      }
      assert.doesNotMatch(cli.out.stderr, NO_STACK);
    });
  });
}
