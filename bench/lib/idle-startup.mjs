// bench/lib/idle-startup.mjs: the idle-connections and start-up scenarios.
// Part of bench/run.mjs (see there and bench/README.md), split along its section headings.

import { spawn, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { ensureFixture } from "../fixture.mjs";
import { BENCH_DIR, FIXTURE, LOAD_CORE, READY_TIMEOUT_MS, ROOT, SERVER_CORE, log } from "./config.mjs";
import { cpuSeconds, rssKiB } from "./proc.mjs";
import { freePort, stop, track } from "./processes.mjs";
import { fmtMiB, summarise } from "./report.mjs";
import { SYSTEMS } from "./scenarios.mjs";

/**
 * Raises this process's soft limit on open files to its hard limit (`prlimit`),
 * which the servers and the idle client inherit; warns when even that is
 * below what `connections` needs.
 */
export function raiseFileLimit(connections) {
  try {
    const hard = /^Max open files\s+\d+\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"))?.[1];
    const limit = hard === "unlimited" ? 1 << 20 : Number(hard);
    execFileSync("prlimit", ["--pid", String(process.pid), `--nofile=${limit}:${limit}`], { stdio: "ignore" });
    if (limit < connections + 256) log(`  warning: the hard limit on open files is ${limit}, below ${connections + 256}: raise it (ulimit -Hn)`);
  } catch (e) {
    log(`  warning: cannot raise the open-files limit (prlimit): ${e.message}`);
  }
}

/** Reads lines from a stream; `next(re, ms)` resolves with the first unread line matching `re`. */
function lineReader(stream) {
  const lines = [];
  let partial = "";
  let wake = null;
  stream.setEncoding("utf8");
  stream.on("data", (c) => {
    const parts = (partial + c).split("\n");
    partial = parts.pop();
    lines.push(...parts);
    wake?.();
  });
  stream.on("end", () => wake?.());
  return async (re, ms, what) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = lines.findIndex((l) => re.test(l));
      if (i >= 0) return re.exec(lines.splice(0, i + 1).at(-1));
      if (Date.now() > deadline || stream.readableEnded) throw new Error(`${what}: no ${re} within ${ms} ms`);
      await new Promise((r) => {
        wake = r;
        setTimeout(r, 250);
      });
      wake = null;
    }
  };
}

/**
 * The idle scenario for one server: bench/idle-client.mjs (pinned to the
 * load core) opens `load.connections` connections with one request each;
 * 1 s after the last answered, the server's RSS is read and the client
 * counts its connections still open.
 */
export async function measureIdle(server, scenario, load) {
  const rssBeforeKiB = rssKiB(server.pid);
  const cpu0 = cpuSeconds(server.pid);
  const client = track(
    spawn("taskset", ["-c", LOAD_CORE, process.execPath, join(BENCH_DIR, "idle-client.mjs"), String(server.port), String(load.connections), scenario.path], {
      stdio: ["pipe", "pipe", "ignore"],
    }),
  );
  const exited = new Promise((r) => client.once("close", r));
  const next = lineReader(client.stdout);
  try {
    const open = await next(/^OPEN (\d+) FAILED (\d+) MS (\d+)$/, 120_000, `${server.key}: idle client`);
    await new Promise((r) => setTimeout(r, 1000));
    const rssLoadKiB = rssKiB(server.pid);
    client.stdin.write("count\n");
    const still = Number((await next(/^STILL (\d+)$/, 10_000, `${server.key}: idle client`))[1]);
    const cpu = cpuSeconds(server.pid) - cpu0;
    const [opened, failed, openMs] = open.slice(1).map(Number);
    return {
      opened,
      failed,
      openMs,
      still,
      rssBeforeKiB,
      rssLoadKiB,
      perConnKiB: still > 0 ? (rssLoadKiB - rssBeforeKiB) / still : NaN,
      cpuSeconds: cpu,
      errors: failed + (opened - still),
      foreignPct: 0,
    };
  } finally {
    client.stdin.end();
    const timer = setTimeout(() => client.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Resolves true once a GET on a new connection to 127.0.0.1:port gets a status line back, false on refusal or after 2 s. */
function firstAnswer(port, path) {
  return new Promise((resolve) => {
    const sock = createConnection({ host: "127.0.0.1", port });
    let got = "";
    const done = (ok) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 2000);
    sock.on("connect", () => sock.write(`GET ${path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`));
    sock.on("data", (d) => {
      got += d.toString("latin1");
      if (/^HTTP\/1\.\d \d{3} .*\r\n/.test(got)) done(true);
    });
    sock.on("error", () => done(false));
    sock.on("close", () => done(false));
  });
}

/** Spawns a CLI server (pinned to the server core) and times it to its first answer; then stops it. */
async function measureStartup(key, scenario) {
  const port = await freePort();
  const { argv: argv0 } = SYSTEMS[key].start({ port, dir: FIXTURE });
  const [cmd, ...rest] = argv0;
  const argv = cmd === "node" ? [process.execPath, ...rest] : [cmd, ...rest];
  const t0 = performance.now();
  const child = track(spawn("taskset", ["-c", SERVER_CORE, ...argv], { cwd: ROOT, stdio: ["ignore", "ignore", "ignore"] }));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    while (!(await firstAnswer(port, scenario.path))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${key}: no answer within ${READY_TIMEOUT_MS} ms of its start`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const ms = performance.now() - t0;
    return { ms, rssLoadKiB: rssKiB(child.pid), foreignPct: 0, errors: 0 };
  } finally {
    await stop(child);
  }
}

/** The start-up scenario: every system started `load.n` times, in rotating order. */
export async function runStartup(scenario, load, wanted, skipped) {
  log(`scenario ${scenario.name}: ${wanted.join(", ")}; ${load.n} round(s), about ${Math.ceil(wanted.length * load.n * 0.6)} s`);
  ensureFixture(FIXTURE);
  const raw = { [load.name]: Object.fromEntries(wanted.map((k) => [k, []])) };
  for (let round = 0; round < load.n; round++) {
    for (let i = 0; i < wanted.length; i++) {
      const key = wanted[(i + round) % wanted.length];
      const r = await measureStartup(key, scenario);
      log(`  startup round ${round + 1}/${load.n} ${key.padEnd(16)} ${r.ms.toFixed(0)} ms to the first answer, RSS ${fmtMiB(r.rssLoadKiB)} MiB`);
      raw[load.name][key].push(r);
    }
  }
  const results = { [load.name]: Object.fromEntries(wanted.map((k) => [k, summarise(raw[load.name][k])])) };
  return { systems: wanted, results, raw, idleRss: {}, skipped, duration: 0, sessions: {} };
}
