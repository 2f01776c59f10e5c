/**
 * Tests of `serveWorkers()` (extension, issue #7) with a user's own handler:
 * a script written to a temporary directory imports the compiled package,
 * runs as the cluster primary in a child process, and prints what the
 * primary's callbacks see. Its handler answers with the worker's pid, so
 * responses show which process served them; `/crash` kills the worker and
 * `/slow` holds its response open until the worker is told to stop.
 */

import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { workerCount } from "../../src/server/workers.js";
import { Transcript, WAIT_MS, type Exit } from "../cli/cli-process.js";

const INDEX = new URL("../../src/index.js", import.meta.url).href;

const SCRIPT = `
import cluster from "node:cluster";
import { serveWorkers, ThreadingHTTPServer, BaseHTTPRequestHandler } from ${JSON.stringify(INDEX)};

class Pid extends BaseHTTPRequestHandler {
  log_message() {}
  async do_GET() {
    if (this.path === "/crash") process.exit(3);
    const body = Buffer.from(String(process.pid));
    this.send_response(200);
    this.send_header("Content-Length", String(body.length + (this.path === "/slow" ? 5 : 0)));
    this.end_headers();
    await this.wfile.write(body);
    if (this.path === "/slow") {
      // Finish only once the primary has said stop: a request in flight during the drain.
      await new Promise((resolve) => process.once("message", resolve));
      await this.wfile.write("-done");
    }
  }
}

const status = await serveWorkers(() => new ThreadingHTTPServer(["127.0.0.1", 0], Pid), {
  workers: 2,
  max_restarts: Number(process.env.MAX_RESTARTS ?? 5),
  onListening: ([host, port], n) => console.log(\`LISTENING \${port} \${n}\`),
  onSignal: (signal) => console.log(\`SIGNAL \${signal}\`),
  onLog: (line) => console.log(\`LOG \${line}\`),
});
if (cluster.isPrimary) console.log(\`STATUS \${status}\`);
process.exitCode = status;
`;

interface Primary {
  pid: number;
  port: number;
  stdout: Transcript;
  kill(signal: NodeJS.Signals): void;
  exit(): Promise<Exit>;
}

async function startPrimary(t: TestContext, env: Record<string, string> = {}): Promise<Primary> {
  const dir = await mkdtemp(join(tmpdir(), "http-server-workers-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const script = join(dir, "serve.mjs");
  await writeFile(script, SCRIPT);
  const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const stdout = new Transcript();
  child.stdout!.setEncoding("utf8").on("data", (d: string) => stdout.push(d));
  const exited = new Promise<Exit>((resolve) => child.once("close", (code, signal) => (stdout.end(), resolve({ code, signal }))));
  const m = await stdout.waitFor(/^LISTENING (\d+) 2$/m, "all workers listening");
  return {
    pid: child.pid!,
    port: Number(m[1]),
    stdout,
    kill: (signal) => child.kill(signal),
    exit: () => {
      // The guard is cleared once the race is decided: a pending timer would
      // keep this test file's process alive for WAIT_MS after its last test.
      let guard: NodeJS.Timeout | undefined;
      const late = new Promise<Exit>((_, reject) => {
        guard = setTimeout(() => reject(new Error(`still running; stdout ${JSON.stringify(stdout.text)}`)), WAIT_MS);
      });
      return Promise.race([exited, late]).finally(() => clearTimeout(guard));
    },
  };
}

/** GET on a new connection; resolves with the status and body. `onHead` is called once the head has arrived. */
function get(port: number, path: string, onHead?: () => void): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false, timeout: WAIT_MS }, (res) => {
      onHead?.();
      let body = "";
      res.setEncoding("latin1").on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path}: no answer within ${WAIT_MS} ms`)));
    req.on("error", reject);
    req.end();
  });
}

test("workerCount() is the number given, or the machine's parallelism for auto", async () => {
  assert.equal(workerCount(3), 3);
  const { availableParallelism } = await import("node:os");
  assert.equal(workerCount("auto"), availableParallelism());
  assert.equal(workerCount(), availableParallelism());
  for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => workerCount(bad), RangeError, String(bad));
});

test("serveWorkers() serves a user handler from two worker processes on one port, and SIGTERM stops them all", async (t) => {
  const primary = await startPrimary(t);
  const pids = new Set<string>();
  // New connections go to the workers in turn.
  for (let i = 0; i < 6; i++) {
    const res = await get(primary.port, "/");
    assert.equal(res.status, 200);
    pids.add(res.body);
  }
  assert.equal(pids.size, 2, `pids seen: ${[...pids].join(", ")}`);
  assert.ok(!pids.has(String(primary.pid)), "the primary served a request");
  primary.kill("SIGTERM");
  assert.deepEqual(await primary.exit(), { code: 0, signal: null });
  assert.match(primary.stdout.text, /^SIGNAL SIGTERM\nSTATUS 0\n$/m);
  for (const pid of pids) assert.throws(() => process.kill(Number(pid), 0), { code: "ESRCH" }, `worker ${pid} is still running`);
});

test("serveWorkers() lets a request in flight finish on SIGTERM", async (t) => {
  const primary = await startPrimary(t);
  let headArrived!: () => void;
  const head = new Promise<void>((resolve) => (headArrived = resolve));
  const slow = get(primary.port, "/slow", headArrived);
  await head;
  primary.kill("SIGTERM");
  const res = await slow;
  assert.equal(res.status, 200);
  assert.match(res.body, /^\d+-done$/);
  assert.deepEqual(await primary.exit(), { code: 0, signal: null });
});

test("serveWorkers() replaces a worker that crashes and logs it", async (t) => {
  const primary = await startPrimary(t);
  await assert.rejects(get(primary.port, "/crash")); // the worker exits mid-request
  const m = await primary.stdout.waitFor(/^LOG worker (\d+) exited with status 3; starting a new one$/m, "restart log");
  await primary.stdout.waitFor(new RegExp(`^LOG worker \\d+ is listening, replacing ${m[1]}$`, "m"), "replacement listening");
  // The replacement serves: every answer now comes from a live worker.
  const pids = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const res = await get(primary.port, "/");
    assert.equal(res.status, 200);
    assert.notEqual(res.body, m[1], "the crashed worker answered");
    pids.add(res.body);
  }
  assert.equal(pids.size, 2, `two workers again: ${[...pids].join(", ")}`);
  primary.kill("SIGINT");
  assert.deepEqual(await primary.exit(), { code: 0, signal: null });
});

test("serveWorkers() gives up and exits 1 when workers keep crashing", async (t) => {
  const primary = await startPrimary(t, { MAX_RESTARTS: "1" });
  await assert.rejects(get(primary.port, "/crash"));
  await primary.stdout.waitFor(/^LOG worker \d+ exited with status 3; starting a new one$/m, "first restart");
  await assert.rejects(get(primary.port, "/crash"));
  await primary.stdout.waitFor(/^LOG worker \d+ exited with status 3; 1 workers were restarted in the last 60 s, giving up$/m, "give up");
  assert.deepEqual(await primary.exit(), { code: 1, signal: null });
  assert.match(primary.stdout.text, /^STATUS 1$/m);
});
