/**
 * The load-balancer options on the real command (issue 18): `--health` and
 * the SIGTERM drain (503 before the listener closes, exit 0), forwarding
 * headers with and without `--trusted-proxy`, `--log-format combined|json`
 * parsed by foreign parsers (Python's `json`; the combined format as
 * GoAccess documents it, `%h %^[%d:%t %^] "%r" %s %b "%R" "%u"`, as a
 * regex), `--access-log` with rotation on SIGHUP, `--proxy-protocol`.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:http";
import { formatProxyV1 } from "../../src/server/proxy-header.js";
import { get, startServing } from "./cli-process.js";

function scratch(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "lb-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "a.txt"), "hello world\n");
  return dir;
}

/** GET with extra headers, on a fresh connection. */
function getWith(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers, agent: false }, (res) => {
      let body = "";
      res.setEncoding("latin1").on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Runs Python with `script`, `input` on stdin; its stdout. */
function py(script: string, input: string): string {
  const r = spawnSync("python3", ["-c", script], { input, encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

/** The combined format as GoAccess documents it (`COMBINED`), as a Python regex over each line. */
const GOACCESS_COMBINED = String.raw`^(?P<h>\S+) \S+ \S+ \[(?P<d>\d{2}/[A-Z][a-z]{2}/\d{4}):(?P<t>\d{2}:\d{2}:\d{2}) [+-]\d{4}\] "(?P<r>(?:[^"\\]|\\.)*)" (?P<s>\d{3}) (?P<b>\d+|-) "(?P<R>(?:[^"\\]|\\.)*)" "(?P<u>(?:[^"\\]|\\.)*)"$`;

test("--health answers 200 unlogged, shadows a file with a warning, turns 503 on SIGTERM before the listener closes", async (t) => {
  const dir = scratch(t);
  writeFileSync(join(dir, "healthz"), "a real file");
  const cli = await startServing(t, ["--bind", "127.0.0.1", "-p", "HTTP/1.1", "--health", "/healthz", "--drain-timeout", "1", "0"], { cwd: dir });
  await cli.stderr.waitFor(/--health \/healthz hides .*healthz: that path always answers the health check/, "warning");
  const ok = await get(cli.port, "/healthz?probe=1");
  assert.equal(ok.status, 200);
  assert.equal(ok.body.toString(), '{"status":"ok"}\n');
  assert.equal(ok.headers["content-type"], "application/json");
  const file = await get(cli.port, "/a.txt");
  assert.equal(file.status, 200);
  await cli.stderr.waitFor(/"GET \/a\.txt HTTP\/1\.1" 200/, "log of a.txt");
  assert.doesNotMatch(cli.stderr.text, /healthz\?probe/);
  const keepAlive = await new Promise<import("node:net").Socket>((resolve) => {
    const c = connect(cli.port, "127.0.0.1", () => {
      c.write("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
      c.once("data", () => resolve(c));
    });
  });
  cli.child.kill("SIGTERM");
  await cli.stdout.waitFor(/SIGTERM received/, "drain");
  // During the first half of the drain the listener still accepts, and health says 503.
  const draining = await get(cli.port, "/healthz");
  assert.equal(draining.status, 503);
  assert.equal(draining.body.toString(), '{"status":"draining"}\n');
  assert.equal(draining.headers["connection"], "close");
  // A keep-alive connection opened before the signal gets its response, then is closed.
  const text = await new Promise<string>((resolve) => {
    let got = "";
    keepAlive.setEncoding("latin1").on("data", (d: string) => (got += d));
    keepAlive.on("close", () => resolve(got));
    keepAlive.write("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  });
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nhello world\n$/);
  const exit = await cli.exit();
  assert.deepEqual(exit, { code: 0, signal: null });
});

test("--health is answered before --auth asks for a password; everything else still needs one", async (t) => {
  const dir = scratch(t);
  const cli = await startServing(t, ["--bind", "127.0.0.1", "--health", "/healthz", "--auth", "ann:secret", "0"], { cwd: dir });
  const health = await get(cli.port, "/healthz");
  assert.equal(health.status, 200);
  assert.equal(health.body.toString(), '{"status":"ok"}\n');
  assert.equal((await get(cli.port, "/a.txt")).status, 401);
  const authorized = await getWith(cli.port, "/a.txt", { Authorization: "Basic " + Buffer.from("ann:secret").toString("base64") });
  assert.equal(authorized.status, 200);
});

test("forwarding headers: believed only with --trusted-proxy and from a trusted peer", async (t) => {
  const dir = scratch(t);
  const plain = await startServing(t, ["--bind", "127.0.0.1", "0"], { cwd: dir });
  await getWith(plain.port, "/a.txt", { "X-Forwarded-For": "203.0.113.9" });
  const line = await plain.stderr.waitFor(/^.*"GET \/a\.txt HTTP\/1\.1" 200.*$/m, "plain log");
  assert.match(line[0], /^127\.0\.0\.1 - - /);
  plain.child.kill("SIGINT");
  await plain.exit();

  const trusting = await startServing(t, ["--bind", "127.0.0.1", "--trusted-proxy", "127.0.0.1", "0"], { cwd: dir });
  await getWith(trusting.port, "/a.txt", { "X-Forwarded-For": "198.51.100.1, 203.0.113.9" });
  await getWith(trusting.port, "/a.txt?2", { Forwarded: 'for="[2001:db8::7]:1234";proto=https' });
  await getWith(trusting.port, "/a.txt?3", { "X-Forwarded-For": "not-an-address" });
  await trusting.stderr.waitFor(/\?3 HTTP/, "three lines");
  assert.match(trusting.stderr.text, /^203\.0\.113\.9 - - .*"GET \/a\.txt HTTP/m);
  assert.match(trusting.stderr.text, /^2001:db8::7 - - .*\?2 HTTP/m);
  assert.match(trusting.stderr.text, /^127\.0\.0\.1 - - .*\?3 HTTP/m);
  trusting.child.kill("SIGINT");
  await trusting.exit();

  const elsewhere = await startServing(t, ["--bind", "127.0.0.1", "--trusted-proxy", "10.0.0.0/8", "0"], { cwd: dir });
  await getWith(elsewhere.port, "/a.txt", { "X-Forwarded-For": "203.0.113.9" });
  const l3 = await elsewhere.stderr.waitFor(/^.*"GET \/a\.txt HTTP\/1\.1" 200.*$/m, "untrusted log");
  assert.match(l3[0], /^127\.0\.0\.1 - - /);
  elsewhere.child.kill("SIGINT");
  await elsewhere.exit();
});

test("--log-format combined: GoAccess's combined layout, real byte counts, escaped quotes", async (t) => {
  const dir = scratch(t);
  const cli = await startServing(t, ["--bind", "127.0.0.1", "--log-format", "combined", "0"], { cwd: dir });
  await getWith(cli.port, "/a.txt", { Referer: "http://r.example/", "User-Agent": 'agent "quoted" \u00e9' });
  await getWith(cli.port, "/missing", {});
  await cli.stderr.waitFor(/missing.*\n/, "two lines");
  cli.child.kill("SIGINT");
  await cli.exit();
  const lines = cli.stderr.text.split("\n").filter((l) => l.includes("HTTP/1.1"));
  const parsed = JSON.parse(
    py(`import re, sys, json\nrx = re.compile(r'''${GOACCESS_COMBINED}''')\nprint(json.dumps([rx.match(l).groupdict() for l in sys.stdin.read().splitlines()]))`, lines.join("\n")),
  ) as Record<string, string>[];
  assert.equal(parsed.length, 2);
  assert.deepEqual([parsed[0]!["h"], parsed[0]!["r"], parsed[0]!["s"], parsed[0]!["b"], parsed[0]!["R"]], ["127.0.0.1", "GET /a.txt HTTP/1.1", "200", "12", "http://r.example/"]);
  assert.equal(parsed[0]!["u"], String.raw`agent \"quoted\" \xC3\xA9`);
  assert.equal(parsed[1]!["s"], "404");
  assert.ok(Number(parsed[1]!["b"]) > 0, "the 404 page's length");
});

test("--log-format json to --access-log FILE: one object per line, reopened on SIGHUP", async (t) => {
  const dir = scratch(t);
  const logDir = join(dir, "logs");
  mkdirSync(logDir);
  const file = join(logDir, "access.log");
  const cli = await startServing(t, ["--bind", "127.0.0.1", "--log-format", "json", "--access-log", file, "0"], { cwd: dir });
  await getWith(cli.port, "/a.txt", { "User-Agent": "ua/1", "X-Request-Id": "req-42" });
  const waitForFile = async (path: string, n: number): Promise<string[]> => {
    for (let i = 0; i < 500; i++) {
      let text = "";
      try {
        text = readFileSync(path, "utf8");
      } catch {
        // not yet
      }
      const lines = text.split("\n").filter((l) => l !== "");
      if (lines.length >= n) return lines;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`${path}: fewer than ${n} lines`);
  };
  const first = await waitForFile(file, 1);
  renameSync(file, file + ".1");
  cli.child.kill("SIGHUP");
  // The reopen happens on the signal; a request after it lands in the new file.
  await new Promise((r) => setTimeout(r, 100));
  await getWith(cli.port, "/nope", {});
  const second = await waitForFile(file, 1);
  cli.child.kill("SIGINT");
  await cli.exit();
  assert.doesNotMatch(cli.stderr.text, /GET/, "access lines go to the file, not stderr");
  const objects = JSON.parse(py("import sys, json\nprint(json.dumps([json.loads(l) for l in sys.stdin.read().splitlines()]))", [...first, ...second].join("\n"))) as Record<string, unknown>[];
  assert.equal(objects.length, 2);
  const [a, b] = objects as [Record<string, unknown>, Record<string, unknown>];
  assert.equal(a["client"], "127.0.0.1");
  assert.equal(a["method"], "GET");
  assert.equal(a["path"], "/a.txt");
  assert.equal(a["status"], 200);
  assert.equal(a["bytes"], 12);
  assert.equal(a["user_agent"], "ua/1");
  assert.equal(a["request_id"], "req-42");
  assert.equal(typeof a["duration_ms"], "number");
  assert.ok(!Number.isNaN(Date.parse(a["time"] as string)));
  assert.equal(b["status"], 404);
  assert.match(b["request_id"] as string, /^[0-9a-f-]{36}$/);
  assert.equal(readFileSync(file + ".1", "utf8").split("\n").filter((l) => l).length, 1, "the rotated file kept its line only");
});

test("--proxy-protocol on the command: the client address comes from the header", async (t) => {
  const dir = scratch(t);
  const cli = await startServing(t, ["--bind", "127.0.0.1", "--proxy-protocol", "0"], { cwd: dir });
  const got = await new Promise<string>((resolve) => {
    const s = connect(cli.port, "127.0.0.1", () => {
      s.write(Buffer.concat([formatProxyV1(["192.0.2.33", 5555], ["127.0.0.1", cli.port]), Buffer.from("GET /a.txt HTTP/1.0\r\n\r\n")]));
    });
    let text = "";
    s.setEncoding("latin1").on("data", (d: string) => (text += d));
    s.on("close", () => resolve(text));
  });
  assert.match(got, /^HTTP\/1\.0 200 OK/);
  await cli.stderr.waitFor(/^192\.0\.2\.33 - - .*"GET \/a\.txt HTTP\/1\.0" 200/m, "log");
  cli.child.kill("SIGINT");
  await cli.exit();
});

test("usage errors for the new options", async () => {
  const { parseArgs } = await import("../../src/cli/args.js");
  const bad: [string[], RegExp][] = [
    [["--log-format", "xml"], /argument --log-format: invalid choice: 'xml' \(choose from python, combined, json\)/],
    [["--drain-timeout", "-1"], /argument --drain-timeout: invalid value/],
    [["--drain-timeout", "soon"], /argument --drain-timeout: invalid value/],
    [["--trusted-proxy", "10.0.0.0/40"], /argument --trusted-proxy: bad prefix length/],
    [["--trusted-proxy", "proxy.local"], /argument --trusted-proxy: not an IP address/],
    [["--health", "healthz"], /argument --health: invalid path/],
    [["--access-log", ""], /argument --access-log: empty file name/],
  ];
  for (const [argv, message] of bad) {
    const r = parseArgs(argv);
    assert.equal(r.kind, "error", argv.join(" "));
    assert.match((r as { message: string }).message, message);
  }
  const ok = parseArgs(["--trusted-proxy", "10.0.0.0/8", "--help"]);
  assert.equal(ok.kind, "help");
  const run = parseArgs(["--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "::1", "--drain-timeout", "2.5", "--log-format=json"]);
  assert.equal(run.kind, "run");
  if (run.kind === "run") {
    assert.equal(run.options.trusted_proxy, "10.0.0.0/8,::1");
    assert.equal(run.options.drain_timeout, 2.5);
    assert.equal(run.options.log_format, "json");
  }
});

test("--proxy-protocol with --workers 2: each worker reads the header", async (t) => {
  const dir = scratch(t);
  const cli = await startServing(t, ["--bind", "127.0.0.1", "--workers", "2", "--proxy-protocol", "--log-format", "json", "0"], { cwd: dir });
  for (let i = 0; i < 4; i++) {
    const got = await new Promise<string>((resolve) => {
      const s = connect(cli.port, "127.0.0.1", () => {
        s.write(Buffer.concat([formatProxyV1([`192.0.2.${10 + i}`, 5555], ["127.0.0.1", cli.port]), Buffer.from("GET /a.txt HTTP/1.0\r\n\r\n")]));
      });
      let text = "";
      s.setEncoding("latin1").on("data", (d: string) => (text += d));
      s.on("close", () => resolve(text));
    });
    assert.match(got, /^HTTP\/1\.0 200 OK/);
  }
  await cli.stderr.waitFor(/"client":"192\.0\.2\.13"/, "fourth line");
  for (let i = 0; i < 4; i++) assert.match(cli.stderr.text, new RegExp(`"client":"192\\.0\\.2\\.${10 + i}"`));
  cli.child.kill("SIGTERM");
  assert.equal((await cli.exit()).code, 0);
});
