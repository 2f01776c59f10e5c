#!/usr/bin/env node
// bench/profile.mjs: where does our server spend its CPU under a scenario's load?
//
// Usage: node bench/profile.mjs [--scenario hello|hello-close|file-1k|listing-1000|file-100m|tls-hello]
//                               [--quiet] [--server ours|node-http|node-https]
//                               [--duration SECONDS] [--top N]
//                               [--connections N] [--script FILE.lua]
//        node bench/profile.mjs --summarise FILE.cpuprofile [--top N]
//
// Starts the scenario's server under `node --cpu-prof`, pinned to core 0:
// hello: bench/servers/ours.mjs (or node-http.mjs, for a reference profile of
// the same load); tls-hello: bench/servers/ours-tls.mjs (or node-https.mjs)
// with bench/out/tls/cert.pem and key.pem (made by bench/tls-cert.mjs if
// missing), loaded over https; the file scenarios: bench/servers/ours-static.mjs serving
// bench/out/fixture (made by bench/fixture.mjs if missing). Warms it up for
// 1 s, loads it with
// `taskset -c 1 wrk -t1 -cN -d<duration>s` on the scenario's path (file-100m:
// `curl` downloads of /100m.bin, back to back, for <duration> seconds),
// stops it with SIGTERM (the server exits normally, so V8 writes the
// profile into bench/out/profile/), and prints the top self-time functions.
// Positions in dist/ are mapped back to src/*.ts through the source maps
// that tsc writes next to dist/*.js.
// `--summarise` only summarises an existing .cpuprofile.

import { spawn, execFileSync } from "node:child_process";
import { readFileSync, readdirSync, mkdirSync, existsSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ensureFixture } from "./fixture.mjs";
import { ensureCert } from "./tls-cert.mjs";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);
const OUT_DIR = join(BENCH_DIR, "out", "profile");

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const duration = Number(opt("--duration", 10));
const top = Number(opt("--top", 15));
const quiet = args.includes("--quiet");
const scenarioName = opt("--scenario", "hello");
/** What each scenario loads: the server script, its extra arguments, the path, the load. */
const LOADS = {
  hello: { path: "/", connections: 50 },
  "hello-close": { path: "/", connections: 10, header: "Connection: close" },
  "file-1k": { path: "/1k.bin", connections: 50, files: true },
  "listing-1000": { path: "/many/", connections: 10, files: true },
  "file-100m": { path: "/100m.bin", curl: true, files: true },
  "tls-hello": { path: "/", connections: 50, tls: true },
};
const load = LOADS[scenarioName];
if (!load) throw new Error(`--scenario must be one of ${Object.keys(LOADS).join(", ")}`);
const serverOpt = opt("--server", "ours");
// --connections N overrides the scenario's; --script FILE.lua is handed to wrk
// (e.g. bench/pipeline.lua: 16 requests pipelined per round trip).
const connections = Number(opt("--connections", load.connections));
const script = opt("--script", null);
const serverName = load.files ? "ours-static" : load.tls ? { ours: "ours-tls", "node-https": "node-https" }[serverOpt] : serverOpt;
if (load.tls ? !serverName : !load.files && !["ours", "node-http"].includes(serverName)) {
  throw new Error(load.tls ? "--server must be ours or node-https" : "--server must be ours or node-http");
}

// ---- summary ----------------------------------------------------------------

const sourceMaps = new Map();

/** Maps a 0-based position in a dist/ file to `src/…ts:line` when a source map exists. */
function original(url, line, column) {
  if (!url.startsWith("file://")) return null;
  const file = fileURLToPath(url);
  if (!sourceMaps.has(file)) {
    let map = null;
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")));
    } catch {
      // no map: report the JS position
    }
    sourceMaps.set(file, map);
  }
  const map = sourceMaps.get(file);
  if (!map) return null;
  const entry = map.findEntry(line, column);
  if (!entry || !entry.originalSource) return null;
  const source = entry.originalSource.startsWith("file://")
    ? fileURLToPath(entry.originalSource)
    : join(dirname(file), entry.originalSource);
  return `${relative(ROOT, source)}:${entry.originalLine + 1}`;
}

function where(frame) {
  const { url, lineNumber, columnNumber } = frame;
  if (!url) return "(native)";
  const mapped = original(url, lineNumber, columnNumber);
  if (mapped) return mapped;
  const path = url.startsWith("file://") ? relative(ROOT, fileURLToPath(url)) : url;
  return `${path}:${lineNumber + 1}`;
}

/** Coarse buckets, to compare two profiles at a glance. */
function kindOf(name, loc) {
  if (name === "(idle)") return "idle (waiting for I/O)";
  if (name === "(garbage collector)") return "garbage collector";
  if (name === "(program)") return "(program): V8/libuv outside JS";
  if (/^(writeBuffer|writev|writeUtf8String|writeLatin1String|writeString)$/.test(name)) return "socket write (native)";
  if (loc.startsWith("src/")) return "this package (src/)";
  if (loc.startsWith("bench/")) return "bench server";
  if (loc.startsWith("node:")) return "Node.js internals (JS)";
  return "other native";
}

/** Top self-time entries of a .cpuprofile: [{ms, pct, name, where}]. */
export function summarise(file, n = 15) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map(); // node id → µs
  // timeDeltas[i] is the time before samples[i]; V8 (and DevTools) charge the
  // interval that follows a sample to that sample.
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map();
  const byKind = new Map();
  for (const [id, us] of self) {
    const frame = byId.get(id).callFrame;
    const name = frame.functionName || "(anonymous)";
    const loc = where(frame);
    const key = `${name}\u0000${loc}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const kind = kindOf(name, loc);
    byKind.set(kind, (byKind.get(kind) ?? 0) + us);
  }
  return {
    totalMs: total / 1000,
    kinds: [...byKind.entries()].sort((a, b) => b[1] - a[1]).map(([kind, us]) => ({ kind, ms: us / 1000 })),
    rows: [...byFunction.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, us]) => {
        const [name, loc] = key.split("\u0000");
        return { ms: us / 1000, pct: (100 * us) / total, name, where: loc };
      }),
  };
}

function printSummary(file, requests = null) {
  const { totalMs, rows, kinds } = summarise(file, top);
  console.log(`${relative(process.cwd(), file)}: ${(totalMs / 1000).toFixed(2)} s sampled`);
  console.log(`| self time by kind | ms | % |${requests ? " µs/request |" : ""}`);
  console.log(`| --- | ---: | ---: |${requests ? " ---: |" : ""}`);
  for (const k of kinds) {
    const perRequest = requests ? ` ${((k.ms * 1000) / requests).toFixed(1)} |` : "";
    console.log(`| ${k.kind} | ${k.ms.toFixed(0)} | ${((100 * k.ms) / totalMs).toFixed(1)} |${perRequest}`);
  }
  console.log("");
  console.log(`Top ${rows.length} functions by self time:`);
  console.log(`| # | self ms | self % | function | where |`);
  console.log(`| ---: | ---: | ---: | --- | --- |`);
  rows.forEach((r, i) =>
    console.log(`| ${i + 1} | ${r.ms.toFixed(0)} | ${r.pct.toFixed(1)} | \`${r.name}\` | ${r.where} |`),
  );
}

// ---- profiling run ----------------------------------------------------------

function waitReady(child) {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("no READY within 15 s")), 15_000);
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before READY`)));
    child.stdout.on("data", (c) => {
      out += c;
      const m = /^READY (\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
}

function wrk(port, seconds) {
  const url = `${load.tls ? "https" : "http"}://127.0.0.1:${port}${load.path}`;
  if (load.curl) {
    // Downloads back to back for `seconds`; "requests" counts downloads.
    const end = Date.now() + seconds * 1000;
    let n = 0;
    let bytes = 0;
    const t0 = Date.now();
    do {
      const out = execFileSync("taskset", ["-c", "1", "curl", "-s", "-o", "/dev/null", "-w", "%{size_download}", url], {
        encoding: "utf8",
        timeout: 120_000,
      });
      bytes += Number(out);
      n += 1;
    } while (Date.now() < end);
    return { rps: `${(bytes / 1e6 / ((Date.now() - t0) / 1000)).toFixed(0)} MB/s over ${n} downloads; per download`, requests: n };
  }
  const result = execFileSync(
    "taskset",
    ["-c", "1", "wrk", "-t1", `-c${connections}`, `-d${seconds}s`, ...(load.header ? ["-H", load.header] : []), ...(script ? ["-s", script] : []), url],
    { encoding: "utf8", timeout: (seconds + 20) * 1000 },
  );
  return {
    rps: /^Requests\/sec:\s+(\S+)/m.exec(result)?.[1],
    requests: Number(/^\s*(\d+) requests in/m.exec(result)?.[1] ?? NaN),
  };
}

async function profileRun() {
  mkdirSync(OUT_DIR, { recursive: true });
  const before = new Set(readdirSync(OUT_DIR));
  const server = spawn(
    "taskset",
    [
      "-c", "0", process.execPath, "--cpu-prof", "--cpu-prof-dir", OUT_DIR, "--cpu-prof-interval", "250",
      join(BENCH_DIR, "servers", `${serverName}.mjs`), "0",
      ...(load.files ? [ensureFixture(join(BENCH_DIR, "out", "fixture")).dir] : []),
      ...(load.tls ? Object.values(ensureCert(join(BENCH_DIR, "out", "tls"))) : []),
      ...(quiet ? ["--quiet"] : []),
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] },
  );
  const kill = () => server.kill("SIGKILL");
  process.once("SIGINT", () => { kill(); process.exit(130); });
  let result;
  try {
    const port = await waitReady(server);
    wrk(port, 1);
    result = wrk(port, duration);
    console.log(
      `${serverName}${quiet ? " (log_message off)" : ""}, ${scenarioName} ` +
        `(${load.path}) under --cpu-prof: ${result.rps} req/s (profiling slows it down)`,
    );
  } catch (e) {
    kill();
    throw e;
  }
  const exited = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGTERM");
  const timer = setTimeout(kill, 10_000);
  await exited;
  clearTimeout(timer);
  const fresh = readdirSync(OUT_DIR).filter((f) => f.endsWith(".cpuprofile") && !before.has(f));
  if (fresh.length === 0) throw new Error(`no new .cpuprofile in ${OUT_DIR}`);
  // The profile spans warm-up and load; µs/request below divides by the loaded requests only.
  return { file: join(OUT_DIR, fresh.sort().at(-1)), requests: result.requests };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = opt("--summarise", null);
  if (file) {
    printSummary(file);
  } else {
    if (!existsSync(join(ROOT, "dist", "index.js"))) throw new Error("run `npx tsc -p tsconfig.json` first");
    const { file: profile, requests } = await profileRun();
    printSummary(profile, requests);
  }
}
