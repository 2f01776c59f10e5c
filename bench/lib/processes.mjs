// bench/lib/processes.mjs: child processes: every one the runner starts is tracked and stopped.
// Part of bench/run.mjs (see there and bench/README.md), split along its section headings.

import { spawn } from "node:child_process";
import { createConnection, createServer } from "node:net";
import { FIXTURE, OPTIONAL_READY_TIMEOUT_MS, READY_TIMEOUT_MS, ROOT, SERVER_CORE, STOP_TIMEOUT_MS } from "./config.mjs";
import { SYSTEMS } from "./scenarios.mjs";

export const children = new Set();

export function track(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

export function stopAllSync() {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}

let interrupted = false;
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\nrun.mjs: ${sig}, stopping ${children.size} process(es)\n`);
    stopAllSync();
    process.exit(130);
  });
}
process.on("exit", stopAllSync);

export async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // "close" comes after "exit" once stdout is drained too: what a server prints as it stops is kept.
  const exited = new Promise((resolve) => child.once("close", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** A port that was free a moment ago on 127.0.0.1, for servers that cannot take 0. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves true once 127.0.0.1:port accepts a connection, false if `deadline` passes first. */
async function waitConnect(port, child, deadline) {
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    const ok = await new Promise((resolve) => {
      const sock = createConnection({ host: "127.0.0.1", port });
      sock.once("connect", () => {
        sock.destroy();
        resolve(true);
      });
      sock.once("error", () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * Starts a system pinned to the server core; resolves to { key, child, pid, port }
 * once it is ready (see SYSTEMS). Its stdout is read until then and drained
 * (not kept) after; its stderr (log lines) goes to /dev/null.
 */
export async function startServer(key, scenario = {}) {
  const sys = SYSTEMS[key];
  let argv0;
  let ready = "READY";
  let port = 0;
  if (sys.start) {
    port = await freePort();
    const s = sys.start({ port, dir: FIXTURE, ...scenario.systemOptions?.[key] });
    argv0 = s.argv;
    ready = s.ready;
  } else {
    argv0 = [...sys.argv, "0", ...sys.args, ...(scenario.systemArgs?.[key] ?? [])];
  }
  const [cmd, ...rest] = argv0;
  const argv = cmd === "node" ? [process.execPath, ...rest] : [cmd, ...rest];
  const timeout = sys.optional ? OPTIONAL_READY_TIMEOUT_MS : READY_TIMEOUT_MS;
  // taskset execs the server, so the child's pid is the server's pid.
  const child = track(
    spawn("taskset", ["-c", scenario.serverCores ?? SERVER_CORE, ...argv], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "ignore"], // stderr (log lines) to /dev/null
    }),
  );
  const deadline = Date.now() + timeout;
  const spawnedAt = performance.now();
  let readyMs = NaN;
  let out = "";
  const onData = (chunk) => (out += chunk);
  child.stdout.on("data", onData);
  const started = new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${key}: not ready within ${timeout} ms; stdout: ${JSON.stringify(out.trim().slice(0, 300))}`)), timeout);
    const fail = (err) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(err);
    };
    const early = (code, signal) =>
      fail(new Error(`${key} exited (${signal ?? code}) before it was ready; stdout: ${JSON.stringify(out.trim().slice(0, 300))}`));
    child.once("error", fail);
    child.once("exit", early);
    const done = (p) => {
      readyMs = performance.now() - spawnedAt;
      clearTimeout(timer);
      child.off("exit", early);
      resolve(p);
    };
    if (ready === "connect") {
      waitConnect(port, child, deadline).then((ok) => ok && done(port));
      return;
    }
    const re = ready === "READY" ? /^READY (\d+)$/m : ready;
    const onLine = () => {
      const m = re.exec(out);
      if (!m) return;
      child.stdout.off("data", onLine);
      const p = m[1] !== undefined ? Number(m[1]) : port;
      // A start-up line may come just before listen(): make sure it accepts.
      if (ready === "READY") done(p);
      else waitConnect(p, child, deadline).then((ok) => ok && done(p));
    };
    child.stdout.on("data", onLine);
  });
  const p = await started;
  child.stdout.off("data", onData);
  // Keep draining whatever else it prints, remembering the last few KB (the
  // TLS servers print their session counts when stopped).
  const server = { key, child, pid: child.pid, port: p, tail: "", readyMs };
  child.stdout.on("data", (c) => (server.tail = (server.tail + c).slice(-4096)));
  return server;
}
