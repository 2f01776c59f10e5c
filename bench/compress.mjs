#!/usr/bin/env node
// bench/compress.mjs: `--compress` (issue #14) against our plain CLI and npm's
// `serve`, which compresses by default (the `compression` middleware).
//
// Usage: node bench/compress.mjs [--duration SECONDS] [--rounds N] [--smoke]
//                                [--case text-100k,small-500,png-100k] [--only ours,ours-compress,serve]
//   (after `npx tsc -p tsconfig.json` and `bash bench/setup.sh`)
//
// Strategy: the same method as bench/run.mjs, in one small file until that
// runner's split lands: each server is pinned to core 0 (`taskset -c 0`), wrk
// to core 1 (`wrk -t1 -c10`, keep-alive), the systems interleaved round by
// round, and around each run the server's utime+stime is read from
// /proc/PID/stat for CPU µs per request. Three files in a fixture directory
// made here (bench/out/compress-fixture), each with a browser's
// `Accept-Encoding` (`gzip, deflate, br, zstd`):
//
// - text-100k: 100 KiB of text (English-like words, deterministic): the case
//   compression is for. Ours answers from its cache of encoded bytes; serve
//   compresses every response.
// - small-500: a 500-byte stylesheet, under the 1 KiB threshold: `--compress`
//   must cost nothing here.
// - png-100k: 100 KiB of incompressible bytes typed image/png: never coded;
//   `--compress` must cost nothing here either.
//
// Each system is checked first (one curl: status 200, the coding it chose,
// bytes on the wire), and the report is printed as a Markdown table to paste
// into bench/RESULTS.md.

import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const FIXTURE = join(BENCH, "out", "compress-fixture");
const MODULES = process.env.BENCH_NODE_MODULES ?? join(BENCH, "node_modules");
const AE = "gzip, deflate, br, zstd";

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i === -1 ? dflt : Number(argv[i + 1]);
};
const SMOKE = argv.includes("--smoke");
const DURATION = SMOKE ? 1 : opt("--duration", 3);
const ROUNDS = SMOKE ? 1 : opt("--rounds", 3);
const list = (name) => {
  const i = argv.indexOf(name);
  return i === -1 ? null : argv[i + 1].split(",");
};
const ONLY_CASES = list("--case");
const ONLY_SYSTEMS = list("--only");

/** Deterministic English-like text of exactly `n` bytes. */
function text(n) {
  const words = "the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their has would when if so no what up out more can said about other into some could them time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people".split(" ");
  let x = 0x9e3779b9;
  let out = "";
  let line = 0;
  while (out.length < n) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const w = words[(x >>> 0) % words.length];
    out += w;
    line += w.length + 1;
    if (line > 72) {
      out += ".\n";
      line = 0;
    } else out += " ";
  }
  return out.slice(0, n);
}

function fixture() {
  mkdirSync(FIXTURE, { recursive: true });
  writeFileSync(join(FIXTURE, "text-100k.txt"), text(100 * 1024));
  writeFileSync(join(FIXTURE, "small.css"), `body { margin: 0 }\n${"p { color: #333 }\n".repeat(26)}`.slice(0, 500));
  let x = 12345;
  const png = Buffer.alloc(100 * 1024);
  for (let i = 0; i < png.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    png[i] = x >>> 24;
  }
  writeFileSync(join(FIXTURE, "image.png"), png);
}

const CASES = [
  { name: "text-100k", path: "/text-100k.txt" },
  { name: "small-500", path: "/small.css" },
  { name: "png-100k", path: "/image.png" },
].filter((c) => ONLY_CASES === null || ONLY_CASES.includes(c.name));

const ourCli = (extra) => (port) => ["node", join(ROOT, "dist", "cli", "bin.js"), "-q", "-p", "HTTP/1.1", "-b", "127.0.0.1", "-d", FIXTURE, ...extra, String(port)];
const SYSTEMS = [
  { name: "ours", label: "ours CLI (`-q`)", argv: ourCli([]) },
  { name: "ours-compress", label: "ours CLI (`-q --compress`)", argv: ourCli(["--compress"]) },
  {
    name: "serve",
    label: "npm serve 14 (`-L`, compression on: its default)",
    argv: (port) => ["node", join(MODULES, "serve", "build", "main.js"), "-l", `tcp://127.0.0.1:${port}`, "-L", "-n", "--no-port-switching", FIXTURE],
  },
].filter((s) => ONLY_SYSTEMS === null || ONLY_SYSTEMS.includes(s.name));

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function start(system) {
  const port = await freePort();
  const child = spawn("taskset", ["-c", "0", ...system.argv(port)], { stdio: ["ignore", "ignore", "inherit"] });
  for (let i = 0; i < 150; i++) {
    const r = spawnSync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", `http://127.0.0.1:${port}/small.css`]);
    if (String(r.stdout) === "200") return { child, port };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`${system.name} did not start`);
}

/** utime + stime of a process, in clock ticks (100 per second). */
function cpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return Number(f[11]) + Number(f[12]);
}

/** The server's real pid: taskset execs the program, so the child's pid is it. */
function check(port, path) {
  const r = spawnSync("curl", ["-s", "-o", "/dev/null", "-H", `Accept-Encoding: ${AE}`, "-w", "%{http_code} %{size_download} %header{content-encoding}", `http://127.0.0.1:${port}${path}`]);
  const [code, size, coding] = String(r.stdout).split(" ");
  if (code !== "200") throw new Error(`GET ${path}: ${code}`);
  return { size: Number(size), coding: coding || "identity" };
}

function wrk(port, path, seconds) {
  const r = spawnSync("taskset", ["-c", "1", "wrk", "-t1", "-c10", `-d${seconds}s`, "-H", `Accept-Encoding: ${AE}`, `http://127.0.0.1:${port}${path}`], {
    encoding: "utf8",
    timeout: (seconds + 10) * 1000,
  });
  const m = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  const total = /(\d+) requests in/.exec(r.stdout);
  if (m === null || total === null) throw new Error(`wrk failed: ${r.stdout} ${r.stderr}`);
  return { rps: Number(m[1]), requests: Number(total[1]) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  if (!existsSync(join(ROOT, "dist", "cli", "bin.js"))) throw new Error("build first: npx tsc -p tsconfig.json");
  fixture();
  const running = [];
  const stop = () => running.forEach((r) => r.child.kill("SIGTERM"));
  process.on("SIGINT", () => (stop(), process.exit(130)));
  try {
    for (const s of SYSTEMS) running.push({ system: s, ...(await start(s)) });
    const results = {};
    for (const c of CASES) {
      for (const r of running) {
        results[`${c.name}/${r.system.name}`] = { ...check(r.port, c.path), rps: [], cpu: [] };
        wrk(r.port, c.path, 1); // warm-up
      }
      for (let round = 0; round < ROUNDS; round++) {
        const order = running.map((_, i) => running[(i + round) % running.length]);
        for (const r of order) {
          const before = cpuTicks(r.child.pid);
          const { rps, requests } = wrk(r.port, c.path, DURATION);
          const ticks = cpuTicks(r.child.pid) - before;
          const slot = results[`${c.name}/${r.system.name}`];
          slot.rps.push(rps);
          slot.cpu.push((ticks * 10_000) / requests); // µs per request (10 ms per tick)
        }
      }
    }
    const lines = [
      `| case | system | coding | bytes/response | req/s (median of ${ROUNDS}) | CPU µs/request | req/s vs serve |`,
      "| --- | --- | --- | --- | --- | --- | --- |",
    ];
    for (const c of CASES) {
      const serveRps = results[`${c.name}/serve`] ? median(results[`${c.name}/serve`].rps) : NaN;
      for (const s of SYSTEMS) {
        const r = results[`${c.name}/${s.name}`];
        const rps = median(r.rps);
        lines.push(`| ${c.name} | ${s.label} | ${r.coding} | ${r.size} | ${Math.round(rps)} | ${median(r.cpu).toFixed(0)} | ${(rps / serveRps).toFixed(2)}× |`);
      }
    }
    console.log(lines.join("\n"));
    console.log(`\n${DURATION} s per run, ${ROUNDS} rounds, wrk -t1 -c10, Accept-Encoding: ${AE}; node ${process.version}`);
  } finally {
    stop();
  }
}

main().catch((e) => {
  console.error(`bench/compress.mjs: ${e.message}`);
  process.exit(1);
});
