/**
 * Tests of `http.server --workers N` (extension, issue #7): the real compiled
 * command with several worker processes sharing one port. Which worker holds
 * a connection is read from Linux's /proc: each worker's socket fds against
 * the established TCP connections of the server's port.
 */

import { readFileSync, readdirSync, readlinkSync, existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { USAGE, parseArgs } from "../../src/cli/args.js";
import { RawReader, open, runMain, startCli, startServing } from "./cli-process.js";

async function site(t: TestContext): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "http-server-workers-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  await writeFile(join(root, "hello.txt"), "hello, world\n");
  return root;
}

/** The pids of a process's children (Linux). */
function children(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
  return text === "" ? [] : text.split(/\s+/).map(Number);
}

/** Socket inodes of the established TCP connections whose local port is `port` (IPv4 and IPv6). */
function establishedInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const localPort = parseInt(f[1]!.split(":").at(-1)!, 16);
      if (localPort === port && f[3] === "01") inodes.add(f[9]!);
    }
  }
  return inodes;
}

/** How many of `inodes` process `pid` holds open. */
function holds(pid: number, inodes: Set<string>): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m !== null && inodes.has(m[1]!)) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

const LINUX = process.platform === "linux";

test("parseArgs() reads --workers N and --workers auto; the default is 1", () => {
  const rows: { argv: string[]; want: number | "auto" }[] = [
    { argv: [], want: 1 },
    { argv: ["--workers", "2"], want: 2 },
    { argv: ["--workers=4"], want: 4 },
    { argv: ["--work", "3"], want: 3 },
    { argv: ["--workers", "auto"], want: "auto" },
    { argv: ["--workers", " 8 "], want: 8 },
    { argv: ["--workers", "256"], want: 256 },
  ];
  for (const { argv, want } of rows) {
    const r = parseArgs(argv);
    assert.equal(r.kind, "run", `argv ${JSON.stringify(argv)}`);
    if (r.kind === "run") assert.equal(r.options.workers, want, `argv ${JSON.stringify(argv)}`);
  }
});

test("http.server exits 2 with argparse's usage for a bad --workers value", async () => {
  const rows: { args: string[]; message: string }[] = [
    { args: ["--workers", "0"], message: "argument --workers: invalid value: '0' (expected auto or a number from 1 to 256)" },
    { args: ["--workers", "abc"], message: "argument --workers: invalid value: 'abc' (expected auto or a number from 1 to 256)" },
    { args: ["--workers=-2"], message: "argument --workers: invalid value: '-2' (expected auto or a number from 1 to 256)" },
    { args: ["--workers", "1.5"], message: "argument --workers: invalid value: '1.5' (expected auto or a number from 1 to 256)" },
    { args: ["--workers", "257"], message: "argument --workers: invalid value: '257' (expected auto or a number from 1 to 256)" },
    { args: ["--workers"], message: "argument --workers: expected one argument" },
  ];
  for (const { args, message } of rows) {
    const r = await runMain(args);
    assert.deepEqual(r.exit, { code: 2, signal: null }, `args ${JSON.stringify(args)}: ${r.stderr}`);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, `${USAGE}http.server: error: ${message}\n`, `args ${JSON.stringify(args)}`);
  }
});

test("http.server --workers 2 serves from two worker processes on one port, banner once, and stops them all on SIGTERM", async (t) => {
  if (!LINUX) return t.skip("reads /proc");
  const root = await site(t);
  const cli = await startServing(t, ["--workers", "2", "-b", "127.0.0.1", "-p", "HTTP/1.1", "-d", root, "0"]);
  const workers = children(cli.child.pid!);
  assert.equal(workers.length, 2, `children of the primary: ${JSON.stringify(workers)}`);

  // Eight keep-alive connections, each answered: the primary hands them to the workers in turn.
  const readers: RawReader[] = [];
  for (let i = 0; i < 8; i++) {
    const reader = new RawReader(await open(cli.port));
    t.after(() => reader.socket.destroy());
    reader.socket.write("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    const { head, body } = await reader.response();
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.equal(body.toString(), "hello, world\n");
    readers.push(reader);
  }
  const inodes = establishedInodes(cli.port);
  const held = workers.map((pid) => holds(pid, inodes));
  assert.ok(held.every((n) => n > 0), `connections held by each worker: ${JSON.stringify(held)}`);
  assert.equal(held[0]! + held[1]!, 8, `connections held by each worker: ${JSON.stringify(held)}`);
  assert.equal(holds(cli.child.pid!, inodes), 0, "the primary serves no connection itself");

  cli.child.kill("SIGTERM");
  for (const r of readers) await r.close(); // idle keep-alive connections are closed at once
  assert.deepEqual(await cli.exit(), { code: 0, signal: null });
  assert.equal(cli.stdout.text.match(/^Serving HTTP on /gm)?.length, 1, cli.stdout.text);
  assert.ok(cli.stdout.text.endsWith("\nSIGTERM received, finishing requests in flight, exiting.\n"), cli.stdout.text);
  for (const pid of workers) assert.equal(existsSync(`/proc/${pid}`), false, `worker ${pid} still exists`);
  assert.equal(cli.stderr.text.match(/"GET \/hello\.txt HTTP\/1\.1" 200 -\n/g)?.length, 8, cli.stderr.text);
});

test("http.server --workers 2 exits 0 with CPython's message once on SIGINT", async (t) => {
  const root = await site(t);
  const cli = await startServing(t, ["--workers", "2", "-b", "127.0.0.1", "-d", root, "0"]);
  cli.child.kill("SIGINT");
  assert.deepEqual(await cli.exit(), { code: 0, signal: null }, `stdout ${JSON.stringify(cli.stdout.text)}, stderr ${JSON.stringify(cli.stderr.text)}`);
  assert.equal(cli.stdout.text.match(/Keyboard interrupt received, exiting\./g)?.length, 1, cli.stdout.text);
  assert.equal(cli.stderr.text, "");
});

test("http.server --workers 2 exits 1 with one line when the port is in use", async (t) => {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as { port: number }).port;
  const cli = startCli(t, ["--workers", "2", "-b", "127.0.0.1", String(port)]);
  assert.deepEqual(await cli.exit(), { code: 1, signal: null });
  assert.equal(cli.stderr.text, `http.server: error: cannot bind to 127.0.0.1:${port}: address already in use\n`);
  assert.equal(cli.stdout.text, "");
});

test("http.server --workers 2 replaces a worker that dies, logging it", async (t) => {
  if (!LINUX) return t.skip("reads /proc");
  const root = await site(t);
  const cli = await startServing(t, ["--workers", "2", "-b", "127.0.0.1", "-d", root, "0"]);
  const [victim, other] = children(cli.child.pid!);
  process.kill(victim!, "SIGKILL");
  await cli.stderr.waitFor(new RegExp(`^http\\.server: worker ${victim} was killed by SIGKILL; starting a new one\\n`, "m"), "restart log");
  const now = children(cli.child.pid!);
  assert.equal(now.length, 2, JSON.stringify(now));
  assert.ok(now.includes(other!) && !now.includes(victim!), JSON.stringify(now));
  cli.child.kill("SIGTERM");
  assert.deepEqual(await cli.exit(), { code: 0, signal: null });
});
