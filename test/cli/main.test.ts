/**
 * Tests of the `http.server` command. Most run the real compiled command
 * (`node build/src/cli/bin.js`) in a child process and wait for what it
 * prints: its banner, its log lines, its exit. A few call `main()` in this
 * process with injected output and signals, and the pure helpers directly.
 * (How it stops on SIGINT and SIGTERM: stop.test.ts.)
 */

import { EventEmitter } from "node:events";
import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { HELP, USAGE } from "../../src/cli/args.js";
import { CliError, banner, bindTargets, hostPort, lanUrls, listen, main, type ServerClass } from "../../src/cli/main.js";
import type { RequestHandlerClass } from "../../src/server/base-server.js";
import { BANNER, RawReader, Sink, WAIT_MS, get, open, runMain, startCli, site, startServing } from "./cli-process.js";
import { makeCgiSite } from "../cgi/fixture.js";

/** Whether this machine can listen on `host` (IPv6 may be missing). */
async function canListen(host: string): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen({ host, port: 0 }, () => server.close(() => resolve(true)));
  });
}

/** Listens on `host`, port 0, for the test's duration: a port in use. */
async function occupy(t: TestContext, host: string): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port: 0 }, resolve);
  });
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

const NO_STACK = /^\s+at /m;

test("http.server --help prints argparse's layout on stdout and exits 0", async (t) => {
  const cli = startCli(t, ["--help"]);
  assert.deepEqual(await cli.exit(), { code: 0, signal: null });
  assert.equal(cli.stdout.text, HELP);
  assert.equal(cli.stderr.text, "");
  // -h the same, through main() in this process.
  assert.deepEqual(await runMain(["-h"]), { exit: { code: 0, signal: null }, stdout: HELP, stderr: "" });
});

test("http.server 0 prints CPython's banner with the real port and serves the current directory", async (t) => {
  const { root } = await site(t);
  const cli = await startServing(t, ["0"], { cwd: root });
  assert.notEqual(cli.port, 0);
  // All interfaces: `::` dual-stack, or `0.0.0.0` where IPv6 is missing.
  assert.ok(cli.host === "::" || cli.host === "0.0.0.0", cli.host);
  assert.equal(cli.stdout.text.split("\n")[0] + "\n", banner("HTTP", cli.host, cli.port) + "\n");
  const res = await get(cli.port, "/hello.txt"); // IPv4 reaches a dual-stack `::`
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), "hello, world\n");
  if (cli.host === "::" && (await canListen("::1"))) {
    assert.equal((await get(cli.port, "/hello.txt", "::1")).status, 200);
  }
  cli.child.kill("SIGINT");
  assert.deepEqual(await cli.exit(), { code: 0, signal: null });
  // The LAN URLs (extension) come after the banner, indented, before anything else.
  const lines = cli.stdout.text.split("\n");
  const interrupt = lines.indexOf("");
  for (const line of lines.slice(1, interrupt)) assert.match(line, /^  http:\/\/\S+:\d+\/ \(.+\)$/);
  assert.deepEqual(lines.slice(interrupt), ["", "Keyboard interrupt received, exiting.", ""]);
});

test("http.server writes an access log line per request on stderr", async (t) => {
  const { root } = await site(t);
  const cli = await startServing(t, ["-b", "127.0.0.1", "-d", root, "0"]);
  assert.equal((await get(cli.port, "/hello.txt")).status, 200);
  assert.equal((await get(cli.port, "/missing")).status, 404);
  await cli.stderr.waitFor(/^127\.0\.0\.1 - - \[[^\]]+\] "GET \/hello\.txt HTTP\/1\.1" 200 -\n/m, "access log");
  await cli.stderr.waitFor(/^127\.0\.0\.1 - - \[[^\]]+\] code 404, message File not found\n/m, "error log");
  await cli.stderr.waitFor(/"GET \/missing HTTP\/1\.1" 404 -\n/, "404 log");
  assert.doesNotMatch(cli.stdout.text, /GET/);
});

test("http.server -d serves that directory, whatever the working directory", async (t) => {
  const { base, root } = await site(t);
  for (const flag of ["-d", "--directory"]) {
    const cli = await startServing(t, ["-b", "127.0.0.1", flag, join(root, "sub"), "0"], { cwd: base });
    const res = await get(cli.port, "/inner.txt");
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), "inner\n");
    assert.equal((await get(cli.port, "/hello.txt")).status, 404);
    cli.child.kill("SIGINT");
    assert.equal((await cli.exit()).code, 0);
  }
  // A relative -d is relative to the working directory.
  const cli = await startServing(t, ["-b", "127.0.0.1", "-d", "root", "0"], { cwd: base });
  assert.equal((await get(cli.port, "/hello.txt")).status, 200);
});

test("http.server -b 127.0.0.1 binds IPv4 loopback only and prints no LAN URLs", async (t) => {
  const { root } = await site(t);
  const cli = await startServing(t, ["-b", "127.0.0.1", "0"], { cwd: root });
  assert.equal(cli.host, "127.0.0.1");
  assert.equal(cli.url, `http://127.0.0.1:${cli.port}/`);
  assert.equal((await get(cli.port, "/hello.txt")).status, 200);
  cli.child.kill("SIGINT");
  assert.equal((await cli.exit()).code, 0);
  assert.equal(cli.stdout.text, `Serving HTTP on 127.0.0.1 port ${cli.port} (http://127.0.0.1:${cli.port}/) ...\n\nKeyboard interrupt received, exiting.\n`);
});

test("http.server -b ::1 binds IPv6 loopback, in brackets in the URL", async (t) => {
  if (!(await canListen("::1"))) return t.skip("no IPv6 loopback here");
  const { root } = await site(t);
  const cli = await startServing(t, ["--bind", "::1", "0"], { cwd: root });
  assert.equal(cli.host, "::1");
  assert.equal(cli.stdout.text, `Serving HTTP on ::1 port ${cli.port} (http://[::1]:${cli.port}/) ...\n`);
  const res = await get(cli.port, "/hello.txt", "::1");
  assert.equal(res.status, 200);
  await cli.stderr.waitFor(/^::1 - - .*"GET \/hello\.txt HTTP\/1\.1" 200 -$/m, "access log");
});

test("http.server -b NAME binds the first address the name resolves to", async (t) => {
  const { root } = await site(t);
  const cli = await startServing(t, ["-b", "localhost", "0"], { cwd: root });
  assert.match(cli.host, /^(127\.0\.0\.1|::1)$/);
  assert.equal((await get(cli.port, "/hello.txt", cli.host)).status, 200);
});

test("http.server answers HTTP/1.0 by default and closes after each response", async (t) => {
  const { root } = await site(t);
  const cli = await startServing(t, ["-b", "127.0.0.1", "0"], { cwd: root });
  const reader = new RawReader(await open(cli.port));
  reader.socket.write("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  const { head, body } = await reader.response();
  assert.match(head, /^HTTP\/1\.0 200 OK\r\n/);
  assert.equal(body.toString(), "hello, world\n");
  await reader.close();
});

test("http.server -p HTTP/1.1 keeps the connection alive between requests", async (t) => {
  const { root } = await site(t);
  const cli = await startServing(t, ["-b", "127.0.0.1", "-p", "HTTP/1.1", "0"], { cwd: root });
  const reader = new RawReader(await open(cli.port));
  t.after(() => reader.socket.destroy());
  for (const path of ["/hello.txt", "/sub/inner.txt", "/hello.txt"]) {
    reader.socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const { head } = await reader.response();
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/, path);
    assert.equal(reader.closed, false, `closed after ${path}`);
  }
});

test("http.server --follow-symlinks serves what symlinks lead to outside the directory", async (t) => {
  const { root } = await site(t);
  const refusing = await startServing(t, ["-b", "127.0.0.1", "-d", root, "0"]);
  assert.equal((await get(refusing.port, "/link.txt")).status, 404);
  const following = await startServing(t, ["-b", "127.0.0.1", "-d", root, "--follow-symlinks", "0"]);
  const res = await get(following.port, "/link.txt");
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), "secret\n");
});

test("http.server --exclude-dotfiles answers 404 for hidden names and lists none", async (t) => {
  const { root } = await site(t);
  await writeFile(join(root, ".env"), "TOKEN=hidden\n");
  const serving = await startServing(t, ["-b", "127.0.0.1", "-d", root, "0"]);
  assert.equal((await get(serving.port, "/.env")).status, 200);
  const excluding = await startServing(t, ["-b", "127.0.0.1", "-d", root, "--exclude-dotfiles", "0"]);
  assert.equal((await get(excluding.port, "/.env")).status, 404);
  const listing = (await get(excluding.port, "/")).body.toString();
  assert.ok(listing.includes("hello.txt") && !listing.includes(".env"), listing);
});

test("http.server --cgi runs scripts in cgi-bin and serves other files, as python -m http.server --cgi", async (t) => {
  const { root, cleanup } = await makeCgiSite();
  t.after(cleanup);
  const cli = await startServing(t, ["--cgi", "-b", "127.0.0.1", "-d", root, "0"]);
  const res = await get(cli.port, "/cgi-bin/env.sh/pi?a+b");
  assert.equal(res.status, 200);
  assert.equal(res.headers["content-type"], "text/plain");
  const body = res.body.toString();
  assert.match(body, /^SCRIPT_NAME=\/cgi-bin\/env\.sh$/m);
  assert.match(body, /^PATH_INFO=\/pi$/m);
  assert.match(body, /^PATH_TRANSLATED=.*\/root\/pi$/m);
  assert.match(body, /^arg=\[a b\]$/m);
  assert.equal((await get(cli.port, "/plain.txt")).body.toString(), "plain\n");
  assert.equal((await get(cli.port, "/cgi-bin/nope.sh")).status, 404);
  await cli.stderr.waitFor(/"GET \/cgi-bin\/env\.sh\/pi\?a\+b HTTP\/1\.1" 200 -\n/, "access log");
  cli.child.kill("SIGINT");
  assert.equal((await cli.exit()).code, 0);
});

/** Usage errors: argparse's usage, then one error line, exit 2. */
const USAGE_ERRORS: { args: string[]; message: string | RegExp }[] = [
  { args: ["abc"], message: "argument port: invalid int value: 'abc'" },
  { args: ["-x"], message: "unrecognized arguments: -x" },
  { args: ["8000", "9000"], message: "unrecognized arguments: 9000" },
  { args: ["-b"], message: "argument -b/--bind: expected one argument" },
  { args: ["70000"], message: "argument port: 70000 is not in the range 0-65535" },
  { args: ["-1"], message: "argument port: -1 is not in the range 0-65535" },
  { args: ["-p", "HTTP/2"], message: "argument -p/--protocol: invalid version: 'HTTP/2' (expected HTTP/<major>.<minor>, such as HTTP/1.1)" },
  { args: ["--tls-key", "key.pem"], message: "--tls-key requires --tls-cert to be set" },
  { args: ["--tls-password-file", "pw.txt"], message: "--tls-password-file requires --tls-cert to be set" },
  { args: ["--tls-cert", "cert.pem", "--tls-password-file", "/nonexistent/pw"], message: "Failed to read TLS password file: [Errno 2] No such file or directory: '/nonexistent/pw'" },
  { args: ["-d", "no-such-dir"], message: "argument -d/--directory: no such directory: 'no-such-dir'" },
  { args: ["-d", "hello.txt"], message: "argument -d/--directory: not a directory: 'hello.txt'" },
];

test("http.server exits 2 with argparse's usage and one error line for each usage error", async (t) => {
  const { root } = await site(t);
  // The command itself, for one row: exit status 2 from the process.
  const cli = startCli(t, USAGE_ERRORS[0]!.args, { cwd: root });
  assert.deepEqual(await cli.exit(), { code: 2, signal: null }, cli.stderr.text);
  assert.equal(cli.stdout.text, "");
  assert.equal(cli.stderr.text, `${USAGE}http.server: error: ${USAGE_ERRORS[0]!.message}\n`);
  // Every row through main() in this process (relative paths are resolved against the working directory).
  const cwd = process.cwd();
  process.chdir(root);
  t.after(() => process.chdir(cwd));
  for (const { args, message } of USAGE_ERRORS) {
    const r = await runMain(args);
    assert.deepEqual(r.exit, { code: 2, signal: null }, `args ${JSON.stringify(args)}: ${r.stderr}`);
    assert.equal(r.stdout, "", `args ${JSON.stringify(args)}`);
    assert.equal(r.stderr, `${USAGE}http.server: error: ${message}\n`, `args ${JSON.stringify(args)}`);
  }
});

test("http.server exits 1 with one line when the port is in use", async (t) => {
  const port = await occupy(t, "127.0.0.1");
  const cli = startCli(t, ["-b", "127.0.0.1", String(port)]);
  assert.deepEqual(await cli.exit(), { code: 1, signal: null });
  assert.equal(cli.stderr.text, `http.server: error: cannot bind to 127.0.0.1:${port}: address already in use\n`);
  assert.equal(cli.stdout.text, "");
});

test("http.server exits 1 naming [::]:PORT when the port is in use on all interfaces", async (t) => {
  if (!(await canListen("::"))) return t.skip("no IPv6 here");
  const port = await occupy(t, "::");
  const cli = startCli(t, [String(port)]);
  assert.deepEqual(await cli.exit(), { code: 1, signal: null });
  assert.equal(cli.stderr.text, `http.server: error: cannot bind to [::]:${port}: address already in use\n`);
});

test("http.server exits 1 with one line when --bind does not resolve", async (t) => {
  const cli = startCli(t, ["-b", "no-such-host.invalid"]);
  assert.deepEqual(await cli.exit(WAIT_MS * 2), { code: 1, signal: null });
  assert.match(cli.stderr.text, /^http\.server: error: cannot resolve 'no-such-host\.invalid': .+\n$/);
  assert.doesNotMatch(cli.stderr.text, NO_STACK);
});

test("banner() and hostPort() write hosts as CPython 3.14 does", () => {
  const rows: [string, number, string][] = [
    ["0.0.0.0", 8000, "Serving HTTP on 0.0.0.0 port 8000 (http://0.0.0.0:8000/) ..."],
    ["::", 8000, "Serving HTTP on :: port 8000 (http://[::]:8000/) ..."],
    ["::1", 1234, "Serving HTTP on ::1 port 1234 (http://[::1]:1234/) ..."],
    ["127.0.0.1", 80, "Serving HTTP on 127.0.0.1 port 80 (http://127.0.0.1:80/) ..."],
  ];
  for (const [host, port, want] of rows) assert.equal(banner("HTTP", host, port), want);
  assert.equal(banner("HTTPS", "::", 443), "Serving HTTPS on :: port 443 (https://[::]:443/) ...");
  assert.equal(hostPort("fe80::1%eth0", 1), "[fe80::1%eth0]:1");
});

test("lanUrls() lists non-internal IPv4 addresses first, then global IPv6 ones when dual-stack", () => {
  const iface = (address: string, family: "IPv4" | "IPv6", internal = false) =>
    ({ address, family, internal, netmask: "", mac: "", cidr: null, scopeid: 0 }) as never;
  const interfaces = {
    lo: [iface("127.0.0.1", "IPv4", true), iface("::1", "IPv6", true)],
    eth0: [iface("fd00::2", "IPv6"), iface("fe80::1", "IPv6"), iface("192.0.2.2", "IPv4")],
    wlan0: [iface("198.51.100.7", "IPv4"), iface("192.0.2.2", "IPv4")],
  };
  assert.deepEqual(lanUrls("::", 8000, "http", interfaces), [
    ["http://192.0.2.2:8000/", "eth0"],
    ["http://198.51.100.7:8000/", "wlan0"],
    ["http://[fd00::2]:8000/", "eth0"],
  ]);
  assert.deepEqual(lanUrls("0.0.0.0", 1, "http", interfaces), [
    ["http://192.0.2.2:1/", "eth0"],
    ["http://198.51.100.7:1/", "wlan0"],
  ]);
  assert.deepEqual(lanUrls("127.0.0.1", 1, "http", interfaces), []);
  assert.deepEqual(lanUrls("::1", 1, "http", interfaces), []);
});

test("bindTargets() is `::` then `0.0.0.0` for all interfaces, else the first address the name resolves to", async () => {
  const all = [
    { host: "::", family: "AF_INET6" },
    { host: "0.0.0.0", family: "AF_INET" },
  ];
  assert.deepEqual(await bindTargets(null), all);
  assert.deepEqual(await bindTargets(""), all);
  assert.deepEqual(await bindTargets("127.0.0.1"), [{ host: "127.0.0.1", family: "AF_INET" }]);
  assert.deepEqual(await bindTargets("::1"), [{ host: "::1", family: "AF_INET6" }]);
  assert.deepEqual(await bindTargets("0.0.0.0"), [{ host: "0.0.0.0", family: "AF_INET" }]);
});

test("listen() falls back to IPv4 only when IPv6 is unavailable", async () => {
  /** A server whose bind fails with `codes[host]`, recording what was tried. */
  const fake = (codes: Record<string, string>, tried: string[]) =>
    class {
      ready: Promise<void>;
      constructor(readonly server_address: [string, number]) {
        tried.push(server_address[0]);
        const code = codes[server_address[0]];
        this.ready = code === undefined ? Promise.resolve() : Promise.reject(Object.assign(new Error(code), { code }));
      }
    } as unknown as ServerClass;
  const Handler = class {} as unknown as RequestHandlerClass;
  const targets = await bindTargets(null);
  for (const code of ["EAFNOSUPPORT", "EADDRNOTAVAIL"]) {
    const tried: string[] = [];
    const httpd = await listen(fake({ "::": code }, tried), Handler, targets, 8000);
    assert.deepEqual(httpd.server_address, ["0.0.0.0", 8000], code);
    assert.deepEqual(tried, ["::", "0.0.0.0"], code);
  }
  const tried: string[] = [];
  await assert.rejects(listen(fake({ "::": "EADDRINUSE" }, tried), Handler, targets, 8000), (e: unknown) => {
    assert.ok(e instanceof CliError);
    assert.equal(e.message, "cannot bind to [::]:8000: address already in use");
    return true;
  });
  assert.deepEqual(tried, ["::"]);
  await assert.rejects(listen(fake({ "::": "EAFNOSUPPORT", "0.0.0.0": "EACCES" }, []), Handler, targets, 80), {
    message: "cannot bind to 0.0.0.0:80: permission denied",
  });
});

test("main() in process: help, usage errors and signals go through the injected io", async () => {
  const run = async (argv: string[]) => {
    const io = { stdout: new Sink(), stderr: new Sink(), signals: new EventEmitter() };
    const code = await main(argv, io);
    return { code, stdout: io.stdout.text, stderr: io.stderr.text };
  };
  assert.deepEqual(await run(["--help"]), { code: 0, stdout: HELP, stderr: "" });
  assert.deepEqual(await run(["--nope"]), { code: 2, stdout: "", stderr: `${USAGE}http.server: error: unrecognized arguments: --nope\n` });

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const io = { stdout: new Sink(), stderr: new Sink(), signals: new EventEmitter() };
    const done = main(["-b", "127.0.0.1", "0"], io);
    const m = await io.stdout.waitFor(BANNER);
    const port = Number(m[2]);
    io.signals.emit(signal);
    assert.equal(await done, 0);
    assert.equal(io.signals.listenerCount(signal), 0, "signal listeners left behind");
    assert.match(io.stdout.text, signal === "SIGINT" ? /\nKeyboard interrupt received, exiting\.\n$/ : /\nSIGTERM received, finishing requests in flight, exiting\.\n$/);
    // The listener is closed: a new connection is refused.
    await assert.rejects(open(port), { code: "ECONNREFUSED" });
  }
});
