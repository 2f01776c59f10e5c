/**
 * nginx (Debian's nginx-light with the stream module, started here as its own
 * foreground process on loopback) balancing two instances of the command
 * with `proxy_protocol on`: requests spread over both, with the client
 * address from the PROXY header; then one instance gets SIGTERM while wrk
 * runs through nginx: zero failed requests, the drained instance exits 0
 * within its drain time, and its health endpoint answered 503 while its
 * listener still accepted. Skipped (with the reason) without nginx's stream
 * module or wrk (.ci/run installs them).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { get, startServing } from "../cli/cli-process.js";

const STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so";
const have = (cmd: string, args: string[]): boolean => spawnSync(cmd, args, { stdio: "ignore" }).error === undefined;
const skip = !have("nginx", ["-v"])
  ? "nginx is not installed (Debian package nginx-light)"
  : !existsSync(STREAM_MODULE)
    ? "nginx's stream module is not installed (Debian package libnginx-mod-stream)"
    : !have("wrk", ["--version"])
      ? "wrk is not installed"
      : false;

/** A GET straight to an instance, with the PROXY header a balancer would send; the raw response. */
function proxiedGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => s.write(`PROXY TCP4 127.0.0.1 127.0.0.1 40000 ${port}\r\nGET ${path} HTTP/1.0\r\n\r\n`));
    let text = "";
    s.setEncoding("latin1").on("data", (d: string) => (text += d));
    s.on("error", reject);
    s.on("close", () => resolve(text));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

test("nginx with proxy_protocol in front of two instances: spread, real client address, zero failures through a SIGTERM drain", { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "lb-nginx-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "index.txt"), "x".repeat(1000));
  const args = ["--bind", "127.0.0.1", "-p", "HTTP/1.1", "--proxy-protocol", "--health", "/healthz", "--drain-timeout", "3", "--log-format", "json"];
  const a = await startServing(t, [...args, "0"], { cwd: dir });
  const b = await startServing(t, [...args, "0"], { cwd: dir });
  const port = await freePort();
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    `load_module ${STREAM_MODULE};
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
stream {
    upstream httpserver {
        server 127.0.0.1:${a.port};
        server 127.0.0.1:${b.port};
    }
    server {
        listen 127.0.0.1:${port};
        proxy_pass httpserver;
        proxy_protocol on;
        proxy_next_upstream on;
        proxy_connect_timeout 1s;
    }
}
`,
  );
  const nginx = spawn("nginx", ["-p", dir, "-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let nginxErr = "";
  nginx.stderr!.setEncoding("utf8").on("data", (d: string) => (nginxErr += d));
  t.after(() => {
    if (nginx.exitCode === null) nginx.kill("SIGKILL");
  });
  // Wait (bounded) until nginx answers.
  for (let i = 0; ; i++) {
    try {
      if ((await get(port, "/healthz")).status === 200) break;
    } catch (e) {
      if (i > 200) throw new Error(`nginx did not start: ${nginxErr} ${String(e)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  // Spread: several connections through nginx reach both instances, each logging the client as 127.0.0.1 (from the header).
  for (let i = 0; i < 6; i++) assert.equal((await get(port, "/index.txt")).status, 200);
  await a.stderr.waitFor(/"path":"\/index\.txt"/, "instance a served");
  await b.stderr.waitFor(/"path":"\/index\.txt"/, "instance b served");
  assert.match(a.stderr.text, /"client":"127\.0\.0\.1"/);

  // Load through nginx; SIGTERM instance a in the middle.
  const wrk = spawn("wrk", ["-t1", "-c8", "-d3s", "--latency", `http://127.0.0.1:${port}/index.txt`], { stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => {
    if (wrk.exitCode === null) wrk.kill("SIGKILL");
  });
  let wrkOut = "";
  wrk.stdout!.setEncoding("utf8").on("data", (d: string) => (wrkOut += d));
  const wrkDone = new Promise<number | null>((resolve) => wrk.on("close", (code) => resolve(code)));
  await new Promise((r) => setTimeout(r, 700));
  const signalled = Date.now();
  a.child.kill("SIGTERM");
  await a.stdout.waitFor(/SIGTERM received/, "drain started");
  // During the first half of the drain the listener still accepts and health says 503.
  const health = await proxiedGet(a.port, "/healthz");
  const exit = await a.exit();
  const drained = Date.now() - signalled;
  assert.equal((await wrkDone), 0, wrkOut);
  nginx.kill("SIGQUIT");

  assert.match(health, /^HTTP\/1\.1 503 Service Unavailable\r\n[^]*\{"status":"draining"\}\n$/);
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.ok(drained < 3000 + 2000, `drained in ${drained} ms`);
  const requests = Number(/(\d+) requests in/.exec(wrkOut)?.[1] ?? 0);
  assert.ok(requests > 0, wrkOut);
  assert.doesNotMatch(wrkOut, /Socket errors|Non-2xx/, wrkOut);
  if (process.env["LB_SHOW_WRK"]) console.log(wrkOut);
});
