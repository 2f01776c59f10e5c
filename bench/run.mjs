#!/usr/bin/env node
// bench/run.mjs: side-by-side HTTP benchmarks of this package, node:http and
// CPython's http.server, reported as ratios measured in one run.
//
// Usage: node bench/run.mjs [--scenario NAME] [--duration SECONDS] [--rounds N]
//                           [--only SYSTEM,SYSTEM] [--smoke] [--out FILE]
//   (`npm run bench -- --scenario hello` passes the same flags.)
//
// Strategy: every server of a scenario is started at once, pinned to core 0
// (`taskset -c 0`), and answers on a port it chose itself (argv port 0,
// `READY <port>` on stdout). Each is checked for the expected bytes and for
// keep-alive, warmed up for 1 s, and then the rounds interleave the systems
// (round 1: A B C …, round 2: B C … A, …) so that a noisy neighbour on this
// shared machine hits every system alike. Each load run is
// `taskset -c 1 wrk -t1 … -d<duration>s --latency`, bounded by wrk's own -d
// and by a watchdog here. Around each run we read the server's utime+stime
// (/proc/PID/stat) for CPU per request, and sample VmRSS (/proc/PID/status).
// Every server is stopped on success, error, SIGINT and SIGTERM.
//
// A scenario is one entry of SCENARIOS: a name, the URL path, the systems to
// compare, the baselines for ratios, and the wrk loads to run.

import { spawn, execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { createConnection } from "node:net";
import { cpus, release } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);
const SERVERS = join(BENCH_DIR, "servers");
const SERVER_CORE = "0";
const LOAD_CORE = "1";
const WARMUP_SECONDS = 1;
const RSS_SAMPLE_MS = 250;
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
// A measured run during which other processes took more than NOISY_PCT of the
// server's core is run again, at most MAX_RETRIES times per load: enough to
// ride out a neighbour's test suite, bounded so a busy machine cannot stretch
// `npm run bench` far past its ~4 minutes.
const NOISY_PCT = 10;
// Below this share of a core, CPU µs/request rests on too few clock ticks to trust.
const BUSY_ENOUGH = 0.2;
const MAX_RETRIES = 3;

// ---- what is measured -------------------------------------------------------

/**
 * Systems under test: how to start each one. `argv` gets the port (0) appended,
 * then `args`. Every server prints `READY <port>` once it listens on 127.0.0.1.
 */
const SYSTEMS = {
  ours: {
    short: "ours",
    label: "ours (logging on)",
    argv: ["node", join(SERVERS, "ours.mjs")],
    args: [],
  },
  "ours-quiet": {
    short: "ours quiet",
    label: "ours (log_message off)",
    argv: ["node", join(SERVERS, "ours.mjs")],
    args: ["--quiet"],
  },
  "node-http": {
    short: "node:http",
    label: "node:http",
    argv: ["node", join(SERVERS, "node-http.mjs")],
    args: [],
  },
  python: {
    short: "Python",
    label: "Python ThreadingHTTPServer",
    argv: ["python3", join(SERVERS, "python_threading.py")],
    args: [],
  },
  "python-nodelay": {
    short: "Python nodelay",
    label: "Python ThreadingHTTPServer, disable_nagle_algorithm",
    argv: ["python3", join(SERVERS, "python_threading.py")],
    args: ["--nodelay"],
  },
};

/**
 * Scenarios. `loads`: each is one wrk configuration; `rounds: "all"` runs the
 * --rounds count, a number runs that many. `baselines`: ratio columns.
 * `expect`: what a GET of `path` must answer before any load is sent.
 */
const SCENARIOS = [
  {
    name: "hello",
    title: "hello world, keep-alive",
    description:
      "GET / answered with a 13-byte `Hello, world!` (Content-Type: text/plain, Content-Length: 13), HTTP/1.1 keep-alive.",
    path: "/",
    systems: ["ours", "ours-quiet", "node-http", "python", "python-nodelay"],
    baselines: ["node-http", "python", "python-nodelay"],
    loads: [
      { name: "c50", wrk: ["-t1", "-c50"], rounds: "all" },
      { name: "c1", wrk: ["-t1", "-c1"], rounds: 1 },
    ],
    expect: { status: 200, body: "Hello, world!", headers: { "content-type": "text/plain", "content-length": "13" } },
  },
];

// ---- arguments --------------------------------------------------------------

function parseArgs(argv) {
  const opts = { scenario: null, duration: 10, rounds: 3, smoke: false, only: null, out: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    const flag = a.split("=")[0];
    if (flag === "--scenario") opts.scenario = value();
    else if (flag === "--duration") opts.duration = positiveInt(flag, value());
    else if (flag === "--rounds") opts.rounds = positiveInt(flag, value());
    else if (flag === "--only") opts.only = value().split(",").filter(Boolean);
    else if (flag === "--out") opts.out = value();
    else if (flag === "--smoke") opts.smoke = true;
    else if (flag === "-h" || flag === "--help") usage(null);
    else usage(`unknown argument ${a}`);
  }
  if (opts.smoke) {
    opts.duration = 1;
    opts.rounds = 1;
  }
  return opts;
}

function positiveInt(flag, v) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) usage(`${flag} must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

function usage(error) {
  const text =
    "usage: node bench/run.mjs [--scenario NAME] [--duration SECONDS] [--rounds N]\n" +
    "                          [--only SYSTEM,...] [--smoke] [--out FILE]\n" +
    `scenarios: ${SCENARIOS.map((s) => s.name).join(", ")}\n` +
    `systems: ${Object.keys(SYSTEMS).join(", ")}\n`;
  if (error) {
    process.stderr.write(`run.mjs: ${error}\n${text}`);
    process.exit(2);
  }
  process.stdout.write(text);
  process.exit(0);
}

// ---- child processes: every one we start is tracked and stopped -------------

const children = new Set();

function track(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

function stopAllSync() {
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

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** Starts a system pinned to the server core; resolves once it printed READY. */
function startServer(key, extraNodeFlags = []) {
  const sys = SYSTEMS[key];
  const [cmd, ...rest] = sys.argv;
  const argv = cmd === "node" ? [process.execPath, ...extraNodeFlags, ...rest] : [cmd, ...rest];
  // taskset execs the server, so the child's pid is the server's pid.
  const child = track(
    spawn("taskset", ["-c", SERVER_CORE, ...argv, "0", ...sys.args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "ignore"], // stderr (log lines) to /dev/null
    }),
  );
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`${key}: no READY line within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    const fail = (err) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(err);
    };
    const early = (code, signal) => fail(new Error(`${key} exited (${signal ?? code}) before READY; stdout: ${out.trim()}`));
    child.once("error", fail);
    child.once("exit", early);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = /^READY (\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        child.off("exit", early);
        resolve({ key, child, pid: child.pid, port: Number(m[1]) });
      }
    });
  });
}

// ---- /proc readings ---------------------------------------------------------

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime+stime of a process (all its threads), in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised comm; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/**
 * One core's CPU time from /proc/stat, in seconds: `task` is user+nice+system
 * (time charged to tasks; interrupts and softirqs are left out, since loopback
 * traffic is processed there for the server too), `all` every column.
 */
function coreSeconds(core) {
  const line = readFileSync("/proc/stat", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`cpu${core} `));
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  return { task: (f[0] + f[1] + f[2]) / CLK_TCK, all: f.reduce((a, b) => a + b, 0) / CLK_TCK };
}

/** VmRSS of a process, in KiB. */
function rssKiB(pid) {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

// ---- checks before load -----------------------------------------------------

/**
 * Sends two GETs on one connection, one after the other, and checks both
 * answers against `expect`: the server must keep the connection alive.
 */
function checkServer(server, scenario) {
  const request = `GET ${scenario.path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUser-Agent: bench\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: "127.0.0.1", port: server.port });
    let buf = Buffer.alloc(0);
    let answered = 0;
    const timer = setTimeout(() => done(new Error("no answer within 5 s")), 5000);
    const done = (err) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(new Error(`${server.key}: ${err.message}`));
      else resolve();
    };
    sock.on("error", done);
    sock.on("close", () => answered < 2 && done(new Error(`closed after ${answered} response(s): no keep-alive?`)));
    sock.on("connect", () => sock.write(request));
    sock.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = buf.subarray(0, end).toString("latin1").split("\r\n");
      const headers = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(":");
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      const length = Number(headers["content-length"]);
      if (!Number.isInteger(length)) return done(new Error(`no Content-Length in ${JSON.stringify(head)}`));
      if (buf.length < end + 4 + length) return;
      const body = buf.subarray(end + 4, end + 4 + length).toString("latin1");
      buf = buf.subarray(end + 4 + length);
      const status = Number(head[0].split(" ")[1]);
      const want = scenario.expect;
      if (status !== want.status) return done(new Error(`status ${status}, want ${want.status}`));
      if (body !== want.body) return done(new Error(`body ${JSON.stringify(body)}, want ${JSON.stringify(want.body)}`));
      for (const [k, v] of Object.entries(want.headers)) {
        if (headers[k] !== v) return done(new Error(`${k}: ${JSON.stringify(headers[k])}, want ${JSON.stringify(v)}`));
      }
      answered += 1;
      if (answered === 2) done(null);
      else sock.write(request);
    });
  });
}

// ---- wrk --------------------------------------------------------------------

/** Runs wrk pinned to the load core; resolves to its stdout. Bounded by a watchdog. */
function runWrk(args) {
  return new Promise((resolve, reject) => {
    const child = track(spawn("taskset", ["-c", LOAD_CORE, "wrk", ...args], { stdio: ["ignore", "pipe", "pipe"] }));
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

/** One load run against one server: wrk figures, CPU per request, peak RSS. */
async function measure(server, scenario, load, seconds) {
  const url = `http://127.0.0.1:${server.port}${scenario.path}`;
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
  let out;
  try {
    out = await runWrk([...load.wrk, `-d${seconds}s`, "--latency", url]);
  } finally {
    clearInterval(sampler);
  }
  const cpu1 = cpuSeconds(server.pid);
  const core1 = coreSeconds(SERVER_CORE);
  const r = parseWrk(out);
  // Task time on the server's core that was not the server's: other processes
  // of this shared machine competing with it. High values flag a noisy round.
  const foreign = core1.task - core0.task - (cpu1 - cpu0);
  return {
    ...r,
    foreignPct: Math.max(0, (100 * foreign) / (core1.all - core0.all || 1)),
    cpuSeconds: cpu1 - cpu0,
    cpuShare: (cpu1 - cpu0) / seconds,
    cpuUsPerRequest: r.requests > 0 ? ((cpu1 - cpu0) * 1e6) / r.requests : NaN,
    rssLoadKiB: rss.length ? Math.max(...rss) : rssKiB(server.pid),
  };
}

// ---- statistics and formatting ---------------------------------------------

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function summarise(runs) {
  return {
    rounds: runs.length,
    rps: median(runs.map((r) => r.rps)),
    rpsMin: Math.min(...runs.map((r) => r.rps)),
    rpsMax: Math.max(...runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    cpuUsPerRequest: median(runs.map((r) => r.cpuUsPerRequest)),
    cpuShare: median(runs.map((r) => r.cpuShare)),
    rssLoadKiB: Math.max(...runs.map((r) => r.rssLoadKiB)),
    foreignPctMax: Math.max(...runs.map((r) => r.foreignPct)),
    retried: runs.filter((r) => r.retried).length,
    errors: runs.reduce((a, r) => a + r.errors, 0),
  };
}

const fmtInt = (n) => Math.round(n).toLocaleString("en-US");
const fmtMs = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : ms < 100 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(0)} ms`);
const fmtMiB = (kib) => `${(kib / 1024).toFixed(1)}`;
const fmtRatio = (x) =>
  !Number.isFinite(x) ? "–" : x >= 100 ? `${x.toFixed(0)}×` : x >= 0.1 ? `${x.toFixed(2)}×` : `${x.toPrecision(2)}×`;

/** Median and range of the per-round ratio a/b: rounds are interleaved, so each pair ran minutes apart at most. */
function pairedRatio(raw, a, b) {
  const n = Math.min(raw[a]?.length ?? 0, raw[b]?.length ?? 0);
  const ratios = [];
  for (let i = 0; i < n; i++) ratios.push(raw[a][i].rps / raw[b][i].rps);
  return n ? { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), n } : null;
}

function scenarioMarkdown(scenario, meta, results, idleRss, raw) {
  const lines = [];
  lines.push(`<!-- scenario:${scenario.name} -->`);
  lines.push(`## Scenario \`${scenario.name}\`: ${scenario.title}`);
  lines.push("");
  lines.push(`Measured ${meta.date}${meta.smoke ? " (**smoke run**: 1 s, one round; figures are not meaningful)" : ""}.`);
  lines.push(
    `Machine: ${meta.nproc} cores (${meta.cpuModel}), Linux ${meta.kernel}; Node.js ${meta.node}, ${meta.python}, ${meta.wrk}.`,
  );
  lines.push("");
  lines.push(scenario.description);
  lines.push("");
  const base = scenario.baselines.filter((b) => scenario.systems.includes(b));
  for (const load of scenario.loads) {
    const rows = results[load.name];
    const nRounds = Math.max(...Object.values(rows).map((r) => r.rounds));
    lines.push(
      `### \`${load.wrk.join(" ")}\` — ${nRounds} round(s) of ${meta.duration} s per system, interleaved`,
    );
    lines.push("");
    const head = [
      "system",
      "req/s median (min–max)",
      "p50",
      "p99",
      "server CPU µs/req",
      "RSS MiB idle / load",
      ...base.map((b) => `× ${SYSTEMS[b].short}`),
    ];
    lines.push(`| ${head.join(" | ")} |`);
    lines.push(`| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`);
    for (const key of scenario.systems) {
      const r = rows[key];
      if (!r) continue;
      const cells = [
        `${SYSTEMS[key].label}${r.errors ? ` (**${r.errors} errors**)` : ""}`,
        r.rounds > 1 ? `${fmtInt(r.rps)} (${fmtInt(r.rpsMin)}–${fmtInt(r.rpsMax)})` : fmtInt(r.rps),
        fmtMs(r.p50),
        fmtMs(r.p99),
        r.cpuShare < BUSY_ENOUGH ? `${r.cpuUsPerRequest.toFixed(0)} †` : r.cpuUsPerRequest.toFixed(1),
        `${fmtMiB(idleRss[key])} / ${fmtMiB(r.rssLoadKiB)}`,
        ...base.map((b) => (b === key ? "1.00×" : rows[b] ? fmtRatio(r.rps / rows[b].rps) : "–")),
      ];
      lines.push(`| ${cells.join(" | ")} |`);
    }
    lines.push("");
    const notes = [];
    if (rows.ours && rows["node-http"]) {
      const x = rows.ours.rps / rows["node-http"].rps;
      notes.push(
        `ours (logging on) serves ${fmtRatio(x)} node:http's requests/s ` +
          `(target ≥ 1.00×: ${x >= 1 ? "met" : "**not met**"}), at ` +
          `${fmtRatio(rows.ours.cpuUsPerRequest / rows["node-http"].cpuUsPerRequest)} its CPU per request.`,
      );
      const p = pairedRatio(raw[load.name], "ours", "node-http");
      if (p && p.n > 1) {
        notes.push(
          `Round by round, ours/node:http requests/s: median ${fmtRatio(p.median)} ` +
            `(${fmtRatio(p.min)}–${fmtRatio(p.max)} over ${p.n} rounds).`,
        );
      }
    }
    if (rows.ours && rows["ours-quiet"]) {
      const cost = rows.ours.cpuUsPerRequest - rows["ours-quiet"].cpuUsPerRequest;
      notes.push(
        (cost > 0
          ? `Logging costs ${cost.toFixed(1)} µs of server CPU per request; `
          : `Logging's CPU cost is below this run's noise (${cost.toFixed(1)} µs/request); `) +
          `turning log_message off gives ${fmtRatio(rows["ours-quiet"].rps / rows.ours.rps)} the requests/s.`,
      );
    }
    if (rows["ours-quiet"] && rows["node-http"]) {
      notes.push(
        `ours (log_message off) serves ${fmtRatio(rows["ours-quiet"].rps / rows["node-http"].rps)} node:http's requests/s.`,
      );
    }
    if (Object.values(rows).some((r) => r.cpuShare < BUSY_ENOUGH)) {
      notes.push(
        `† The server used under ${100 * BUSY_ENOUGH}% of a core: its CPU time is a few clock ticks ` +
          `(1/${CLK_TCK} s each), which a virtual machine charges loosely, so this CPU µs/req is a rough figure.`,
      );
    }
    const all = Object.values(rows);
    const spread = all.map((r) => (r.rpsMax - r.rpsMin) / r.rps).filter(Number.isFinite);
    const repeats = all.reduce((a, r) => a + r.retried, 0);
    notes.push(
      `Noise: ${nRounds > 1 ? `the widest min–max spread of a row is ${(100 * Math.max(...spread)).toFixed(0)}% of its median; ` : ""}` +
        `other processes of this machine used at most ${Math.max(...all.map((r) => r.foreignPctMax)).toFixed(0)}% ` +
        `of core 0 during a kept run` +
        (repeats ? `, and ${repeats} kept run(s) replace runs where they used more than ${NOISY_PCT}%` : "") +
        `. The rest of the variation comes from the shared host.`,
    );
    for (const n of notes) lines.push(`- ${n}`);
    if (notes.length) lines.push("");
  }
  lines.push(`<!-- /scenario:${scenario.name} -->`);
  return lines.join("\n");
}

const FILE_HEAD = `# Benchmark results

Generated by \`node bench/run.mjs\` (\`npm run bench\`); see [README.md](README.md)
for what each figure means. Each scenario section below is rewritten when that
scenario is run again; the others are kept.

Method: every server runs pinned to core 0 and \`wrk -t1\` to core 1, all
systems of a scenario in the same run with their rounds interleaved, and we
report the median requests/s with min–max, the median p50/p99 latency, the
server's CPU time per request (utime+stime from /proc) and its resident memory.
The machine is shared, so compare the ratios and CPU µs/request between rows of
one table, not absolute numbers between runs.
`;

/** Writes (or replaces) this scenario's section, keeping every other section. */
function writeResults(file, scenario, section) {
  let sections = [];
  if (existsSync(file)) {
    const text = readFileSync(file, "utf8");
    const re = /<!-- scenario:([\w-]+) -->[\s\S]*?<!-- \/scenario:\1 -->/g;
    sections = [...text.matchAll(re)].map((m) => ({ name: m[1], text: m[0] }));
  }
  const i = sections.findIndex((s) => s.name === scenario.name);
  if (i >= 0) sections[i] = { name: scenario.name, text: section };
  else sections.push({ name: scenario.name, text: section });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${FILE_HEAD}\n${sections.map((s) => s.text).join("\n\n")}\n`);
}

// ---- the run ----------------------------------------------------------------

function machine(duration, smoke) {
  const version = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    } catch (e) {
      return String(e.stdout ?? "").trim() || "unknown";
    }
  };
  const wrkLine = version("wrk", ["--version"]).split("\n")[0];
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    nproc: Number(version("nproc", [])) || cpus().length,
    cpuModel: cpus()[0]?.model?.trim() ?? "unknown CPU",
    kernel: release(),
    node: process.version,
    python: version("python3", ["--version"]),
    wrk: `wrk ${/wrk (\S+)/.exec(wrkLine)?.[1] ?? "unknown"}`,
    duration,
    smoke,
  };
}

async function runScenario(scenario, opts) {
  const systems = scenario.systems.filter((s) => !opts.only || opts.only.includes(s));
  const plan = scenario.loads.map((l) => ({ ...l, n: l.rounds === "all" ? opts.rounds : l.rounds }));
  const estimate = systems.length * (WARMUP_SECONDS + plan.reduce((a, l) => a + l.n * (opts.duration + 0.5), 0));
  const worst = estimate + (opts.smoke ? 0 : plan.length * MAX_RETRIES * (opts.duration + 0.5));
  log(`scenario ${scenario.name}: ${systems.join(", ")}; about ${Math.ceil(estimate)} s (at most ${Math.ceil(worst)} s with retries)`);

  const servers = {};
  const idleRss = {};
  const raw = {};
  try {
    for (const key of systems) {
      servers[key] = await startServer(key);
      await checkServer(servers[key], scenario);
    }
    // Idle RSS after the check requests, before any load.
    for (const key of systems) idleRss[key] = rssKiB(servers[key].pid);
    for (const key of systems) {
      log(`  warm-up ${key} (${WARMUP_SECONDS} s)`);
      await runWrk([...plan[0].wrk, `-d${WARMUP_SECONDS}s`, `http://127.0.0.1:${servers[key].port}${scenario.path}`]);
    }
    const retries = {};
    for (const load of plan) {
      raw[load.name] = Object.fromEntries(systems.map((k) => [k, []]));
      retries[load.name] = 0;
      for (let round = 0; round < load.n; round++) {
        // Rotate the order each round so that no system always goes first.
        const order = systems.map((_, i) => systems[(i + round) % systems.length]);
        for (const key of order) {
          let r = await measure(servers[key], scenario, load, opts.duration);
          logRun(load, round, key, r);
          // Another process took the server's core: measure again, within a budget.
          while (r.foreignPct > NOISY_PCT && retries[load.name] < (opts.smoke ? 0 : MAX_RETRIES)) {
            retries[load.name] += 1;
            r = { ...(await measure(servers[key], scenario, load, opts.duration)), retried: true };
            logRun(load, round, key, r);
          }
          raw[load.name][key].push(r);
        }
      }
    }
  } finally {
    await Promise.all(Object.values(servers).map((s) => stop(s.child)));
  }
  const results = Object.fromEntries(
    Object.entries(raw).map(([load, bySystem]) => [
      load,
      Object.fromEntries(Object.entries(bySystem).map(([k, runs]) => [k, summarise(runs)])),
    ]),
  );
  return { systems, results, raw, idleRss };
}

function logRun(load, round, key, r) {
  log(
    `  ${load.name} round ${round + 1}/${load.n} ${key.padEnd(15)} ${fmtInt(r.rps).padStart(8)} req/s  ` +
      `p50 ${fmtMs(r.p50)}  p99 ${fmtMs(r.p99)}  ${r.cpuUsPerRequest.toFixed(1)} µs CPU/req  ` +
      `core-0 other ${r.foreignPct.toFixed(0)}%` +
      (r.foreignPct > NOISY_PCT ? " (noisy)" : "") +
      (r.retried ? " (retry)" : "") +
      (r.errors ? `  ${r.errors} errors` : ""),
  );
}

function log(line) {
  process.stderr.write(`${line}\n`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const scenarios = opts.scenario ? SCENARIOS.filter((s) => s.name === opts.scenario) : SCENARIOS;
  if (scenarios.length === 0) usage(`no scenario named ${JSON.stringify(opts.scenario)}`);
  if (opts.only) for (const k of opts.only) if (!SYSTEMS[k]) usage(`no system named ${JSON.stringify(k)}`);
  if (!existsSync(join(ROOT, "dist", "index.js"))) {
    throw new Error("dist/index.js is missing: run `npx tsc -p tsconfig.json` first");
  }
  for (const [tool, args] of [["wrk", ["--version"]], ["taskset", ["--version"]], ["python3", ["--version"]]]) {
    try {
      execFileSync(tool, args, { stdio: "ignore" });
    } catch (e) {
      // wrk --version exits 1 after printing its banner; only a missing binary is fatal.
      if (e.code === "ENOENT") throw new Error(`${tool} not found: run \`bash bench/setup.sh\` first`);
    }
  }
  if (cpus().length < 2) throw new Error("needs two cores: servers on core 0, wrk on core 1");
  // Read the machine before pinning: nproc counts the cores this process may use.
  const meta = machine(opts.duration, opts.smoke);
  // Keep this runner (its RSS sampler, its timers) off the server's core.
  execFileSync("taskset", ["-a", "-p", "-c", LOAD_CORE, String(process.pid)], { stdio: "ignore" });
  // A smoke run must not overwrite the committed figures.
  const out = opts.out ?? (opts.smoke ? join(BENCH_DIR, "out", "RESULTS.smoke.md") : join(BENCH_DIR, "RESULTS.md"));
  for (const scenario of scenarios) {
    const { systems, results, raw, idleRss } = await runScenario(scenario, opts);
    const shown = { ...scenario, systems, baselines: scenario.baselines.filter((b) => systems.includes(b)) };
    writeResults(out, shown, scenarioMarkdown(shown, meta, results, idleRss, raw));
    mkdirSync(join(BENCH_DIR, "out"), { recursive: true });
    writeFileSync(
      join(BENCH_DIR, "out", `${scenario.name}${opts.smoke ? ".smoke" : ""}.json`),
      JSON.stringify({ meta, scenario: scenario.name, idleRss, results, raw }, null, 2),
    );
    log(`wrote ${relative(process.cwd(), out)} (scenario ${scenario.name})`);
  }
}

main().catch((err) => {
  log(`run.mjs: ${err.stack ?? err}`);
  stopAllSync();
  process.exit(1);
});
