#!/usr/bin/env node
// bench/soak.mjs: the hostile-client soak of issue #6. Starts its own server
// (bench/soak/server.mjs, dist/ build, 127.0.0.1 only), then for --seconds
// runs at once:
//   - slowloris: N connections each dripping one header line a second, reopened
//     when the server closes them (header_timeout), lifetime recorded;
//   - idle: M keep-alive connections that made one request and then sit idle;
//   - a client that stops reading a 1 GB response, again and again;
//   - resets mid-head, mid-body and mid-response;
//   - 1 MB header blocks (expect 431);
//   - sequential keep-alive requests (100,000 by default) on 4 connections;
//   - normal clients: a fresh connection per GET, latency and errors recorded;
// while the server reports its RSS, heap, open connections and descriptors
// twice a second. At the end every client closes and the server must come
// back to 0 connections. The result is printed and written into
// bench/RESULTS.md between `<!-- scenario:soak -->` markers.
//
// Usage: node bench/soak.mjs [--seconds 60] [--slowloris 500] [--idle 10000]
//          [--sequential 100000] [--big-mb 1024] [--no-write]
// Needs about idle + slowloris + 200 descriptors in this process and in the
// server: it raises its soft `ulimit -n` to the hard limit (re-executing
// itself under `sh -c 'ulimit -n …'`) and lowers --idle if that is not enough.
// Run `npx tsc -p tsconfig.json` first (it serves dist/).

import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { connect } from "node:net";
import { cpus, release } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, "..");

// ---- options and descriptor limit -------------------------------------------------

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(argv[i + 1]);
};
const SECONDS = opt("seconds", 60);
const SLOW = opt("slowloris", 500);
let IDLE = opt("idle", 10_000);
const SEQUENTIAL = opt("sequential", 100_000);
const BIG = opt("big-mb", 1024) * 1024 * 1024;
const WRITE = !argv.includes("--no-write");
const TIMEOUTS = { header_timeout: 10, keep_alive_timeout: SECONDS + 120, body_timeout: 10, send_timeout: 10 };

function nofile() {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "latin1"));
  const n = (s) => (s === "unlimited" ? Infinity : Number(s));
  return m ? { soft: n(m[1]), hard: n(m[2]) } : { soft: 1024, hard: 1024 };
}
{
  const need = IDLE + SLOW + 300;
  const { soft, hard } = nofile();
  if (soft < need && soft < hard && !process.env.SOAK_REEXEC) {
    const target = Math.min(hard, Math.max(need, 65536));
    const r = spawnSync("sh", ["-c", `ulimit -n ${target} && exec "$0" "$@"`, process.execPath, ...process.argv.slice(1)], {
      stdio: "inherit",
      env: { ...process.env, SOAK_REEXEC: "1" },
    });
    process.exit(r.status ?? 1);
  }
  const usable = Math.min(soft, hard) - SLOW - 300;
  if (IDLE > usable) {
    console.error(`soak: ulimit -n ${soft} allows ${usable} idle connections, not ${IDLE}; using ${usable}`);
    IDLE = Math.max(0, usable);
  }
}
if (!existsSync(join(ROOT, "dist/index.js"))) {
  console.error("soak: dist/ is missing: run `npx tsc -p tsconfig.json` first");
  process.exit(2);
}

// ---- the server ---------------------------------------------------------------------

const serverCfg = { ...TIMEOUTS, bigBytes: BIG, max_connections: IDLE + SLOW + 1000, sampleMs: 500 };
const server = spawn(process.execPath, ["--expose-gc", join(BENCH, "soak/server.mjs"), JSON.stringify(serverCfg)], {
  stdio: ["pipe", "pipe", "inherit"],
});
const samples = [];
let PORT = 0;
const ready = new Promise((resolve, reject) => {
  let buf = "";
  server.stdout.setEncoding("utf8").on("data", (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf("\n")) !== -1) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.startsWith("READY ")) {
        PORT = Number(line.slice(6));
        resolve();
      } else if (line.startsWith("{")) samples.push({ ...JSON.parse(line), phase });
    }
  });
  server.once("exit", (code) => reject(new Error(`server exited ${code}`)));
});
const killServer = () => {
  if (server.exitCode === null) server.kill("SIGKILL");
};
process.on("exit", killServer);
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));

let phase = "start";
let running = true;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
const clients = new Set();

/** Opens a connection; resolves with the socket (errors swallowed and counted by the caller). */
function open() {
  return new Promise((resolve, reject) => {
    const s = connect({ port: PORT, host: "127.0.0.1" }, () => resolve(s));
    s.once("error", reject);
    clients.add(s);
    s.once("close", () => clients.delete(s));
  });
}

const pct = (xs, p) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(x < 10 ? 2 : 0)} ms` : "–");
const mib = (b) => `${(b / 1024 ** 2).toFixed(1)}`;

// ---- the attackers ----------------------------------------------------------------------

const stats = {
  slow: { opened: 0, closed408: 0, closedOther: 0, lifetimes: [] },
  idle: { target: IDLE, opened: 0, answered: 0, failed: 0, closedEarly: 0 },
  stall: { runs: 0, cutOff: 0, receivedMb: [] },
  resets: { head: 0, body: 0, response: 0 },
  huge: { sent: 0, got431: 0, resetFirst: 0, other: 0, otherKinds: {} },
  seq: { requests: 0, errors: 0, ms: 0 },
  normal: { ok: 0, errors: 0, lat: [], errorKinds: {} },
};

async function slowloris(id) {
  while (running) {
    let s;
    try {
      s = await open();
    } catch {
      await sleep(100);
      continue;
    }
    stats.slow.opened++;
    const t0 = now();
    let got = "";
    s.on("data", (d) => (got += d.toString("latin1")));
    s.on("error", () => {});
    s.write("GET / HTTP/1.1\r\nHost: soak\r\n");
    const drip = setInterval(() => s.writable && s.write(`X-Drip-${id}: x\r\n`), 1000);
    await new Promise((r) => s.once("close", r));
    clearInterval(drip);
    if (!running) return;
    if (got.startsWith("HTTP/1.1 408 ")) {
      stats.slow.closed408++;
      stats.slow.lifetimes.push(now() - t0);
    } else stats.slow.closedOther++;
  }
}

const idleSockets = [];
async function openIdle() {
  const batch = 200;
  for (let i = 0; i < IDLE; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, IDLE - i) }, async () => {
        try {
          const s = await open();
          stats.idle.opened++;
          s.on("error", () => {});
          s.once("close", () => running && stats.idle.closedEarly++);
          const answered = new Promise((resolve) => {
            let got = "";
            const onData = (d) => {
              got += d;
              if (got.endsWith("Hello, world!")) {
                s.off("data", onData);
                resolve(true);
              }
            };
            s.on("data", onData);
            s.once("close", () => resolve(false));
          });
          s.write("GET / HTTP/1.1\r\nHost: soak\r\n\r\n");
          if (await answered) stats.idle.answered++;
          else stats.idle.failed++;
          idleSockets.push(s);
        } catch {
          stats.idle.failed++;
        }
      }),
    );
  }
}

async function stalledReader() {
  while (running) {
    let s;
    try {
      s = await open();
    } catch {
      await sleep(100);
      continue;
    }
    stats.stall.runs++;
    let received = 0;
    s.on("error", () => {});
    const first = new Promise((r) => s.once("data", r));
    s.write("GET /big HTTP/1.1\r\nHost: soak\r\n\r\n");
    s.on("data", (d) => (received += d.length));
    await first;
    s.pause(); // stop reading: the server must not buffer the rest, and must give up
    const until = now() + (TIMEOUTS.send_timeout + 3) * 1000;
    while (running && now() < until) await sleep(200);
    if (!running) {
      stats.stall.runs--; // cut short by the end of the run: not counted
      s.destroy();
      return;
    }
    // Read what the kernel holds; a server that gave up has ended the stream.
    const ended = new Promise((r) => {
      s.once("end", () => r(true));
      s.once("close", () => r(true));
      setTimeout(() => r(false), 5000);
    });
    s.resume();
    const cut = await ended;
    if (cut && received < BIG) stats.stall.cutOff++;
    stats.stall.receivedMb.push(received / 1024 ** 2);
    s.destroy();
  }
}

async function resets() {
  const kinds = [
    ["head", "GET / HTTP/1.1\r\nHost: soak\r\nX-Half: ab", 0],
    ["body", "POST / HTTP/1.1\r\nHost: soak\r\nContent-Length: 100000\r\n\r\nabc", 0],
    ["response", "GET /big HTTP/1.1\r\nHost: soak\r\n\r\n", 256 * 1024],
  ];
  let k = 0;
  while (running) {
    const [kind, bytes, readFirst] = kinds[k++ % kinds.length];
    try {
      const s = await open();
      s.on("error", () => {});
      s.write(bytes);
      if (readFirst > 0) {
        let n = 0;
        await new Promise((r) => {
          s.on("data", (d) => (n += d.length) >= readFirst && r());
          s.once("close", r);
        });
      } else await sleep(5);
      s.resetAndDestroy();
      stats.resets[kind]++;
    } catch {}
    await sleep(30);
  }
}

async function hugeHeaders() {
  const line = `X-Big: ${"b".repeat(16 * 1024 - 10)}\r\n`;
  while (running) {
    try {
      const s = await open();
      let got = "";
      let reset = false;
      s.on("data", (d) => (got += d.toString("latin1")));
      s.on("error", () => (reset = true));
      const done = new Promise((r) => s.once("close", r));
      s.write("GET / HTTP/1.1\r\nHost: soak\r\n");
      for (let i = 0; i < 64 && !s.destroyed; i++) s.write(line); // 1 MiB
      s.end("\r\n");
      stats.huge.sent++;
      await done;
      if (got.startsWith("HTTP/1.1 431 ")) stats.huge.got431++;
      else if (reset) stats.huge.resetFirst++;
      else {
        stats.huge.other++;
        const kind = got.slice(0, 12) || "closed, nothing received";
        stats.huge.otherKinds[kind] = (stats.huge.otherKinds[kind] ?? 0) + 1;
      }
    } catch {}
    await sleep(200);
  }
}

async function sequential(share) {
  let s = null;
  let got = "";
  let wake = null;
  const connectOne = async () => {
    s = await open();
    s.on("error", () => {});
    s.on("data", (d) => {
      got += d.toString("latin1");
      if (got.endsWith("Hello, world!") && wake) wake(true);
    });
    s.once("close", () => wake && wake(false));
  };
  const t0 = now();
  for (let i = 0; i < share && running; i++) {
    try {
      if (s === null || s.destroyed) await connectOne();
      got = "";
      const answered = new Promise((r) => (wake = r));
      s.write("GET / HTTP/1.1\r\nHost: soak\r\n\r\n");
      if (await answered) stats.seq.requests++;
      else {
        stats.seq.errors++;
        s = null;
      }
    } catch {
      stats.seq.errors++;
      s = null;
    }
  }
  stats.seq.ms = Math.max(stats.seq.ms, now() - t0);
  s?.destroy();
}

async function normalClient() {
  while (running) {
    const t0 = now();
    try {
      const s = await open();
      const res = await new Promise((resolve) => {
        let got = "";
        const timer = setTimeout(() => resolve("timeout"), 10_000);
        s.on("data", (d) => (got += d.toString("latin1")));
        s.on("error", (e) => resolve(e.code ?? "error"));
        s.once("close", () => {
          clearTimeout(timer);
          resolve(got.startsWith("HTTP/1.1 200 ") && got.endsWith("Hello, world!") ? "ok" : `status ${got.slice(9, 12) || "none"}`);
        });
        s.write("GET / HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n");
      });
      s.destroy();
      if (res === "ok") {
        stats.normal.ok++;
        stats.normal.lat.push(now() - t0);
      } else {
        stats.normal.errors++;
        stats.normal.errorKinds[res] = (stats.normal.errorKinds[res] ?? 0) + 1;
      }
    } catch (e) {
      stats.normal.errors++;
      stats.normal.errorKinds[e.code ?? "connect"] = (stats.normal.errorKinds[e.code ?? "connect"] ?? 0) + 1;
    }
    await sleep(20);
  }
}

// ---- the run ---------------------------------------------------------------------------

await ready;
const started = new Date();
console.error(`soak: server on 127.0.0.1:${PORT}; ${SECONDS} s; ${SLOW} slowloris, ${IDLE} idle, ${SEQUENTIAL} sequential, ${mib(BIG)} MiB stalled response`);
await sleep(1000);
phase = "baseline";
await sleep(1000);
const baseline = samples.at(-1);

// First the sequential keep-alive run alone, so its RSS curve is its own.
phase = "sequential-alone";
const alone = { checkpoints: [], ms: 0 };
{
  const marks = [0.1, 0.25, 0.5, 0.75, 1].map((f) => Math.round(f * SEQUENTIAL));
  const watch = setInterval(() => {
    while (marks.length > 0 && stats.seq.requests >= marks[0]) alone.checkpoints.push({ n: marks.shift(), sample: null, t: Date.now() });
  }, 20);
  const t0 = now();
  running = true;
  await Promise.all(Array.from({ length: 4 }, () => sequential(Math.ceil(SEQUENTIAL / 4))));
  alone.ms = now() - t0;
  clearInterval(watch);
  while (marks.length > 0) alone.checkpoints.push({ n: marks.shift(), sample: null, t: Date.now() });
  await sleep(1200); // the sample after the last checkpoint
  for (const c of alone.checkpoints) c.sample = samples.find((x) => x.t >= c.t) ?? samples.at(-1);
  alone.requests = stats.seq.requests;
  alone.errors = stats.seq.errors;
  stats.seq = { requests: 0, errors: 0, ms: 0 };
  console.error(`soak: ${alone.requests} sequential requests alone in ${(alone.ms / 1000).toFixed(1)} s; RSS ${alone.checkpoints.map((c) => mib(c.sample.rss)).join(" → ")} MiB`);
}

// Normal clients measure throughout, from before the idle crowd arrives.
running = true;
phase = "ramp";
const normals = [normalClient(), normalClient()];
const tRamp = now();
await openIdle();
const rampMs = now() - tRamp;
console.error(`soak: ${stats.idle.answered}/${IDLE} idle connections open in ${(rampMs / 1000).toFixed(1)} s`);

phase = "soak";
const tSoak = now();
const attackers = [
  ...Array.from({ length: SLOW }, (_, i) => slowloris(i)),
  stalledReader(),
  resets(),
  hugeHeaders(),
];
const seqDone = Promise.all(Array.from({ length: 4 }, () => sequential(Math.ceil(SEQUENTIAL / 4))));
const seqMark = { first: null };
const progress = setInterval(() => {
  const s = samples.at(-1);
  if (seqMark.first === null && stats.seq.requests >= Math.min(10_000, SEQUENTIAL / 10)) seqMark.first = s;
  console.error(
    `soak: ${((now() - tSoak) / 1000).toFixed(0)} s: server ${s ? `${mib(s.rss)} MiB rss, ${s.conns} conns, ${s.fds} fds` : "?"}; ` +
      `seq ${stats.seq.requests}; normal ok ${stats.normal.ok} err ${stats.normal.errors}; slowloris 408 ${stats.slow.closed408}`,
  );
}, 5000);
await sleep(SECONDS * 1000);
const seqAtEnd = stats.seq.requests;
// The sequential run is bounded by count, not time: give it up to 50% more time, no more.
await Promise.race([seqDone, sleep(SECONDS * 500)]);
phase = "drain";
running = false;
clearInterval(progress);
const peakSample = samples.filter((s) => s.phase === "soak" || s.phase === "ramp");
const seqLast = samples.at(-1);
await Promise.race([Promise.all(normals), sleep(12_000)]);
for (const s of clients) s.destroy();
for (const s of idleSockets) s.destroy();
await Promise.race([Promise.all(attackers), sleep(8_000)]);
for (const s of clients) s.destroy();

// Every client is gone: the server must come back to 0 connections.
let back = null;
const tDrain = now();
while (now() - tDrain < 15_000) {
  await sleep(500);
  const s = samples.at(-1);
  if (s && s.t > Date.now() - 700 && s.conns === 0) {
    back = { ...s, after: now() - tDrain };
    break;
  }
}
server.stdin.end();
await new Promise((r) => (server.exitCode !== null ? r() : server.once("exit", r)));
const final = samples.at(-1); // taken at exit, after a full garbage collection

// ---- report -------------------------------------------------------------------------------

const maxOf = (xs, k) => Math.max(...xs.map((s) => s[k]));
const rssMax = maxOf(peakSample, "rss");
const lat = stats.normal.lat;
const errRate = stats.normal.errors / Math.max(1, stats.normal.ok + stats.normal.errors);
const lifetimes = stats.slow.lifetimes;
const git = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).stdout.trim();
const lines = [];
lines.push("<!-- scenario:soak -->");
lines.push("## Soak: hostile clients all at once (`node bench/soak.mjs`)");
lines.push("");
lines.push(`Measured ${started.toISOString().replace(/\.\d+Z$/, "Z")}; ${SECONDS} s of attack after a ${(rampMs / 1000).toFixed(1)} s ramp of the idle connections.`);
lines.push(`Machine: ${cpus().length} cores (shared with other work), Linux ${release()}; Node.js ${process.version}; package dist/ from commit ${git}.`);
lines.push(`Server: ThreadingHTTPServer, one process, no core pinning; header_timeout ${TIMEOUTS.header_timeout} s, send_timeout ${TIMEOUTS.send_timeout} s, body_timeout ${TIMEOUTS.body_timeout} s, keep_alive_timeout ${TIMEOUTS.keep_alive_timeout} s (so the idle crowd is held for the whole run), max_connections ${serverCfg.max_connections}. Clients in another process on the same machine.`);
lines.push("");
lines.push(
  `First, alone: ${alone.requests.toLocaleString("en")} sequential keep-alive requests on 4 connections in ${(alone.ms / 1000).toFixed(1)} s (${alone.errors} errors). ` +
    `Server RSS after ${alone.checkpoints.map((c) => `${c.n.toLocaleString("en")}: ${mib(c.sample.rss)} MiB`).join(", ")} ` +
    `(heap ${alone.checkpoints.map((c) => mib(c.sample.heap)).join(" → ")} MiB).`,
);
lines.push("");
lines.push("Then everything at once:");
lines.push("");
lines.push("| attack | load | outcome |");
lines.push("| --- | --- | --- |");
lines.push(`| slowloris | ${SLOW} connections, one header line a second each, reopened when closed | ${stats.slow.closed408} answered 408 and closed (${stats.slow.closedOther} closed otherwise); lifetime p50 ${ms(pct(lifetimes, 50))}, max ${ms(Math.max(...lifetimes))} (header_timeout ${TIMEOUTS.header_timeout} s) |`);
lines.push(`| idle keep-alive | ${IDLE} connections, one request each, then idle | ${stats.idle.answered} answered and held; ${stats.idle.failed} failed; ${stats.idle.closedEarly} closed by the server during the run |`);
lines.push(`| stalled reader | GET of ${mib(BIG)} MiB, client stops reading after the first bytes; ${stats.stall.runs} runs | ${stats.stall.cutOff} of ${stats.stall.runs} cut off by send_timeout; the client had received ${stats.stall.receivedMb.length ? `${Math.min(...stats.stall.receivedMb).toFixed(1)}–${Math.max(...stats.stall.receivedMb).toFixed(1)}` : "–"} MiB (kernel buffers) |`);
lines.push(`| resets | RST mid-head ${stats.resets.head}, mid-body ${stats.resets.body}, mid-response ${stats.resets.response} | see the connection count after the run |`);
lines.push(`| 1 MiB header blocks | ${stats.huge.sent} sent | ${stats.huge.got431} answered 431; ${stats.huge.resetFirst} reset before the answer was read; ${stats.huge.other} other${stats.huge.other ? ` (${JSON.stringify(stats.huge.otherKinds)})` : ""} |`);
lines.push(`| sequential keep-alive | ${stats.seq.requests.toLocaleString("en")} requests on 4 connections (${seqAtEnd.toLocaleString("en")} within the ${SECONDS} s) | ${stats.seq.errors} errors; ${Math.round(stats.seq.requests / (stats.seq.ms / 1000)).toLocaleString("en")} requests/s |`);
lines.push(`| normal clients | 2 loops, a fresh connection per GET, 20 ms apart | ${stats.normal.ok} ok, ${stats.normal.errors} errors (${(errRate * 100).toFixed(2)} %${stats.normal.errors ? `: ${JSON.stringify(stats.normal.errorKinds)}` : ""}); latency p50 ${ms(pct(lat, 50))}, p99 ${ms(pct(lat, 99))}, max ${ms(Math.max(...lat))} |`);
lines.push("");
lines.push("Server state (sampled every 0.5 s):");
lines.push("");
lines.push(`- RSS: ${mib(baseline.rss)} MiB before, ${mib(rssMax)} MiB at most during the run (${mib(maxOf(peakSample, "heap"))} MiB heap at most), ${mib(final.rss)} MiB after; most connections open at once ${maxOf(peakSample, "conns")}, descriptors ${maxOf(peakSample, "fds")}.`);
if (seqMark.first)
  lines.push(`- Sequential keep-alive: RSS ${mib(seqMark.first.rss)} MiB after ${Math.min(10_000, SEQUENTIAL / 10).toLocaleString("en")} requests, ${mib(seqLast.rss)} MiB after ${stats.seq.requests.toLocaleString("en")} (the other attacks running meanwhile).`);
lines.push(
  back
    ? `- After every client closed: 0 connections after ${(back.after / 1000).toFixed(1)} s, ${back.fds} descriptors open (${baseline.fds} before the run), RSS ${mib(back.rss)} MiB, heap ${mib(back.heap)} MiB; after a full garbage collection at exit, heap ${mib(final.heap)} MiB (${mib(baseline.heap)} MiB before the run).`
    : `- After every client closed: the server still reported ${final.conns} connections after 15 s (a leak) — ${final.fds} descriptors.`,
);
lines.push(`- Log lines written by the server: ${final.logLines.toLocaleString("en")} (counted, not printed).`);
lines.push("");
{
  const late = (Math.max(...lifetimes) - TIMEOUTS.header_timeout * 1000) / 1000;
  const aloneRss = alone.checkpoints.map((c) => c.sample.rss);
  const heapBack = (final.heap - baseline.heap) / 1024 ** 2;
  lines.push(
    `Reading it: ${stats.normal.errors === 0 ? "no normal request failed while the attacks ran" : `${stats.normal.errors} normal requests failed`}. ` +
      "The normal clients' p99 and max latency are the event loop's lag at the moments when hundreds of slowloris connections, opened together, " +
      `time out and reconnect together (which is also why the slowest lived ${late.toFixed(1)} s past header_timeout), on 2 cores shared with other work. ` +
      `RSS rises with ${IDLE.toLocaleString("en")} open connections and Node keeps the pages after they close; after a full collection the heap is ` +
      `${heapBack.toFixed(1)} MiB above where it started. The keep-alive run alone moved RSS by ${mib(Math.max(...aloneRss) - Math.min(...aloneRss))} MiB over ${alone.requests.toLocaleString("en")} requests.`,
  );
}
lines.push("<!-- /scenario:soak -->");
const section = lines.join("\n");
console.log(section);

if (WRITE) {
  const file = join(BENCH, "RESULTS.md");
  const text = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmark results\n";
  const re = /<!-- scenario:soak -->[\s\S]*?<!-- \/scenario:soak -->/;
  writeFileSync(file, re.test(text) ? text.replace(re, section) : `${text.trimEnd()}\n\n${section}\n`);
  console.error(`soak: wrote the soak section of ${file}`);
}
process.exit(back ? 0 : 1);
