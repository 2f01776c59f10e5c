// bench/big-listing.mjs: does listing a huge directory stall the server? (issue 13, target 6)
//
// Usage: node bench/big-listing.mjs [--dist DIR] [--entries 20000] [--clients 20] [--times 3]
//
// Creates bench/out/big-listing/ (a folder of N empty files, plus small.txt
// next to it), starts our CLI (`node DIST/cli/bin.js -p HTTP/1.1`, logging to
// /dev/null; --dist points at another build for an A/B), and then: C clients
// each GET the folder's listing T times back to back (on one keep-alive
// connection each) while a probe GETs small.txt on its own connection every
// 10 ms. Prints the server's RSS before, its peak during the load (sampled
// every 20 ms), each client's listing bytes, the probe's worst and median
// latency, and how long the server's event loop was held up during the load
// (bench/lib/loop-delay.mjs, preloaded into the server: the worst and 99th
// percentile delay of a 1 ms timer, i.e. the longest synchronous stretch plus
// any time the server was not scheduled; less dependent on the machine's
// load than the probe's wall-clock figures). Each run starts a new server,
// so the first listing is a cold build (unless the folder changed in the last
// 2 s, when none is kept). Loopback only; the server is stopped by PID at the end.

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request, Agent } from "node:http";
import { join } from "node:path";
import { BENCH_DIR, OUT, ROOT } from "./lib/config.mjs";
import { rssKiB } from "./lib/proc.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const DIST = opt("--dist", join(ROOT, "dist"));
const ENTRIES = Number(opt("--entries", 20000));
const CLIENTS = Number(opt("--clients", 20));
const TIMES = Number(opt("--times", 3));

const base = join(OUT, "big-listing");
const big = join(base, "big");
if (!existsSync(join(big, `entry-${String(ENTRIES - 1).padStart(6, "0")}.txt`))) {
  mkdirSync(big, { recursive: true });
  for (let i = 0; i < ENTRIES; i++) writeFileSync(join(big, `entry-${String(i).padStart(6, "0")}.txt`), "");
}
writeFileSync(join(base, "small.txt"), "small\n");

const delayOut = join(base, "loop-delay.json");
rmSync(delayOut, { force: true });
const server = spawn("node", ["--import", join(BENCH_DIR, "lib", "loop-delay.mjs"), join(DIST, "cli", "bin.js"), "-p", "HTTP/1.1", "-b", "127.0.0.1", "-d", base, "0"], {
  stdio: ["ignore", "pipe", openSync(join(base, "server.log"), "w")],
  env: { ...process.env, LOOP_DELAY_OUT: delayOut },
});
const serverExit = new Promise((r) => server.on("exit", r));
const port = await new Promise((resolve, reject) => {
  let out = "";
  server.stdout.on("data", (d) => {
    out += d;
    const m = /port (\d+)/.exec(out);
    if (m) resolve(Number(m[1]));
  });
  server.on("exit", (code) => reject(new Error(`server exited ${code}`)));
});

function get(path, agent) {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path, agent }, (res) => {
      let bytes = 0;
      res.on("data", (d) => (bytes += d.length));
      res.on("end", () => resolve({ status: res.statusCode, bytes, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    })
      .on("error", reject)
      .end();
  });
}

await get("/small.txt");
await new Promise((r) => setTimeout(r, 500));
server.kill("SIGUSR2"); // the loop-delay figures start here
const rssBefore = rssKiB(server.pid);
let rssPeak = rssBefore;
const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssKiB(server.pid) ?? 0)), 20);

// The probe runs in its own process, so that the clients' work does not delay it.
const PROBE = `
const { request, Agent } = require("node:http");
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const ms = [];
let on = true;
process.stdin.on("data", () => (on = false)).resume();
(async () => {
  while (on) {
    const t0 = process.hrtime.bigint();
    await new Promise((ok, ko) => request({ host: "127.0.0.1", port: ${port}, path: "/small.txt", agent }, (res) => res.resume().on("end", ok)).on("error", ko).end());
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await new Promise((r) => setTimeout(r, 10));
  }
  process.stdout.write(JSON.stringify(ms));
  agent.destroy();
})();`;
const prober = spawn("node", ["-e", PROBE], { stdio: ["pipe", "pipe", "inherit"] });
let probeOut = "";
prober.stdout.on("data", (d) => (probeOut += d));
const probeDone = new Promise((r) => prober.on("exit", r));
await new Promise((r) => setTimeout(r, 200));

const t0 = Date.now();
const sizes = await Promise.all(
  Array.from({ length: CLIENTS }, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const got = [];
    for (let i = 0; i < TIMES; i++) got.push((await get("/big/", agent)).bytes);
    agent.destroy();
    return got;
  }),
);
const elapsed = Date.now() - t0;
prober.stdin.end("stop");
await probeDone;
const probes = JSON.parse(probeOut);
clearInterval(sampler);
server.kill("SIGTERM");
await serverExit;
const delay = existsSync(delayOut) ? JSON.parse(readFileSync(delayOut, "utf8")) : null;

probes.sort((a, b) => a - b);
const distinct = new Set(sizes.flat());
console.log(
  JSON.stringify({
    dist: DIST,
    entries: ENTRIES,
    clients: CLIENTS,
    times: TIMES,
    listingBytes: [...distinct],
    loadMs: elapsed,
    rssBeforeMiB: +(rssBefore / 1024).toFixed(1),
    rssPeakMiB: +(rssPeak / 1024).toFixed(1),
    rssRiseMiB: +((rssPeak - rssBefore) / 1024).toFixed(1),
    probes: probes.length,
    probeMedianMs: +probes[Math.floor(probes.length / 2)].toFixed(1),
    probeMaxMs: +probes[probes.length - 1].toFixed(1),
    loopDelayMaxMs: delay?.maxMs ?? null,
    loopDelayP99Ms: delay?.p99Ms ?? null,
  }),
);
