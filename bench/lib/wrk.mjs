// bench/lib/wrk.mjs: wrk runs and their parsing.
// Part of bench/run.mjs (see there and bench/README.md), split along its section headings.

import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, existsSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { BENCH_DIR, LOAD_CORE, NO_RESUME_SO, ROOT, RSS_SAMPLE_MS, SERVER_CORE, TLS_DIR } from "./config.mjs";
import { coreSeconds, cpuSeconds, rssKiB } from "./proc.mjs";
import { track } from "./processes.mjs";

/** Runs wrk pinned to the load core; resolves to its stdout. Bounded by a watchdog. */
export function runWrk(args, { noResume = false } = {}) {
  return new Promise((resolve, reject) => {
    // noResume: wrk with bench/wrk-no-resume.c preloaded (a full TLS handshake per connection).
    const env = noResume ? { ...process.env, LD_PRELOAD: NO_RESUME_SO } : process.env;
    const child = track(spawn("taskset", ["-c", LOAD_CORE, "wrk", ...args], { stdio: ["ignore", "pipe", "pipe"], env }));
    const seconds = Number(/^-d(\d+)s$/.exec(args.find((a) => a.startsWith("-d")) ?? "-d10s")?.[1] ?? 10);
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), (seconds + 20) * 1000);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`wrk ${args.join(" ")} failed (${signal ?? code}): ${err.trim() || out.trim()}`));
    });
  });
}

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function parseDurationMs(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) throw new Error(`cannot parse wrk duration ${JSON.stringify(text)}`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

/** Requests/s, request count, p50/p99 (ms) and errors from `wrk --latency` output. */
function parseWrk(out) {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(out);
  const total = /^\s*(\d+) requests in ([\d.]+\w+),/m.exec(out);
  const p50 = /^\s+50%\s+(\S+)/m.exec(out);
  const p99 = /^\s+99%\s+(\S+)/m.exec(out);
  if (!rps || !total || !p50 || !p99) throw new Error(`cannot parse wrk output:\n${out}`);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const errors = (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  return {
    rps: Number(rps[1]),
    requests: Number(total[1]),
    p50: parseDurationMs(p50[1]),
    p99: parseDurationMs(p99[1]),
    errors,
  };
}

/** The URL of a scenario's path on a server: https for the TLS scenarios. */
export function urlOf(server, scenario) {
  return `${scenario.tls ? "https" : "http"}://127.0.0.1:${server.port}${scenario.path}`;
}

/** Builds bench/out/tls/wrk-no-resume.so from bench/wrk-no-resume.c when it is missing or older than its source. */
export function ensureNoResumeShim() {
  const src = join(BENCH_DIR, "wrk-no-resume.c");
  mkdirSync(TLS_DIR, { recursive: true });
  if (existsSync(NO_RESUME_SO) && statSync(NO_RESUME_SO).mtimeMs >= statSync(src).mtimeMs) return;
  try {
    execFileSync("cc", ["-shared", "-fPIC", "-O2", "-o", NO_RESUME_SO, src, "-ldl"], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (e) {
    throw new Error(`cannot build ${relative(ROOT, NO_RESUME_SO)} (needs a C compiler, cc: bash bench/setup.sh): ${String(e.stderr ?? e.message).trim()}`);
  }
}
export async function measure(server, scenario, load, seconds) {
  const url = urlOf(server, scenario);
  const rss = [];
  const sampler = setInterval(() => {
    try {
      rss.push(rssKiB(server.pid));
    } catch {
      // the server died; wrk will report errors
    }
  }, RSS_SAMPLE_MS);
  const cpu0 = cpuSeconds(server.pid);
  const core0 = coreSeconds(SERVER_CORE);
  const load0 = coreSeconds(LOAD_CORE);
  let out;
  try {
    out = await runWrk([...load.wrk, `-d${seconds}s`, "--latency", url], { noResume: load.noResume });
  } finally {
    clearInterval(sampler);
  }
  const cpu1 = cpuSeconds(server.pid);
  const core1 = coreSeconds(SERVER_CORE);
  const load1 = coreSeconds(LOAD_CORE);
  const loadAll = load1.all - load0.all || 1;
  const r = parseWrk(out);
  // Task time on the server's core that was not the server's: other processes
  // of this shared machine competing with it. High values flag a noisy round.
  const foreign = core1.task - core0.task - (cpu1 - cpu0);
  return {
    ...r,
    foreignPct: Math.max(0, (100 * foreign) / (core1.all - core0.all || 1)),
    // wrk's core: near 100% busy means the client, not the server, set the pace.
    clientBusyPct: Math.min(100, (100 * (loadAll - (load1.idle - load0.idle))) / loadAll),
    cpuSeconds: cpu1 - cpu0,
    cpuShare: (cpu1 - cpu0) / seconds,
    cpuUsPerRequest: r.requests > 0 ? ((cpu1 - cpu0) * 1e6) / r.requests : NaN,
    rssLoadKiB: rss.length ? Math.max(...rss) : rssKiB(server.pid),
  };
}
