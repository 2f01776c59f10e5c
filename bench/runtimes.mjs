// bench/runtimes.mjs: this package on each JavaScript runtime — Node.js 20,
// 22 and 24, Bun, Deno — side by side with that runtime's own server
// (node:http, Bun.serve, Deno.serve; bench/servers/native.mjs).
//
//   node bench/runtimes.mjs [--seconds N] [--rounds N] [--runtimes a,b] [--smoke] [--out FILE]
//
// Two scenarios, both keep-alive, 50 connections, `wrk -t1 -c50`:
//   hello     GET / → `Hello, world!` (bench/servers/ours.mjs --quiet against native.mjs hello)
//   file-1k   GET /1k.bin, 1024 bytes (bench/servers/ours-static.mjs --quiet against native.mjs file)
// As in bench/run.mjs, the server is pinned to core 0 and wrk to core 1
// (`taskset`), every server binds 127.0.0.1 on a port it picks, and each
// answer is checked (status and length) before load. Each pair is measured
// `--rounds` times (default 2), ours and native alternating, `--seconds`
// each (default 3); the table gives the median requests/s and ours/native.
//
// The runtimes come from scripts/runtimes.mjs (npm registry, cached). wrk
// and taskset come from bench/setup.sh. dist/ must be built. The report
// replaces the section between the `runtimes` markers in bench/RESULTS.md
// (or writes --out); --smoke runs 1 s once per pair and writes nothing.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { request } from "node:http";
import { cpus, loadavg, release } from "node:os";
import { join } from "node:path";
import { MAIN_RUNTIMES, ensureRuntime } from "../scripts/runtimes.mjs";

const ROOT = new URL("..", import.meta.url).pathname;
const BENCH = join(ROOT, "bench");
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : args[i + 1];
};
const smoke = args.includes("--smoke");
const seconds = smoke ? 1 : Number(opt("--seconds", 3));
const rounds = smoke ? 1 : Number(opt("--rounds", 2));
const names = opt("--runtimes", MAIN_RUNTIMES.join(",")).split(",");
const outFile = opt("--out", join(BENCH, "RESULTS.md"));

if (!existsSync(join(ROOT, "dist/index.js"))) {
  console.error("bench/runtimes.mjs: dist/ is missing: run `npx tsc -p tsconfig.json` first");
  process.exit(1);
}
for (const tool of ["wrk", "taskset"]) {
  if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) {
    console.error(`bench/runtimes.mjs: ${tool} is missing: run bash bench/setup.sh`);
    process.exit(1);
  }
}

// The file to serve: 1024 fixed bytes.
const dir = join(BENCH, "out", "runtimes-fixture");
mkdirSync(dir, { recursive: true });
const ONE_K = Buffer.alloc(1024, 0);
for (let i = 0; i < 1024; i++) ONE_K[i] = (i * 131 + 7) & 0xff;
writeFileSync(join(dir, "1k.bin"), ONE_K);

const SCENARIOS = [
  { name: "hello", title: "hello world, keep-alive, 50 connections", path: "/", length: 13, ours: ["bench/servers/ours.mjs", "0", "--quiet"], native: ["bench/servers/native.mjs", "0", "hello"] },
  { name: "file-1k", title: "a 1 KiB file, keep-alive, 50 connections", path: "/1k.bin", length: 1024, ours: ["bench/servers/ours-static.mjs", "0", dir, "--quiet"], native: ["bench/servers/native.mjs", "0", "file", dir] },
];

/** Starts `script args` under runtime `rt` pinned to core 0; resolves to { child, port } after `READY <port>`. */
function startServer(rt, argv) {
  const run = rt.name === "deno" ? [rt.bin, "run", "--allow-all", ...argv] : [rt.bin, ...argv];
  const child = spawn("taskset", ["-c", "0", ...run], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr.setEncoding("utf8").on("data", (d) => (err = (err + d).slice(-4000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${rt.name} ${argv[0]}: no READY within 20 s\n${err}`));
    }, 20_000);
    child.stdout.setEncoding("utf8").on("data", (d) => {
      out += d;
      const m = /READY (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${rt.name} ${argv[0]} exited ${code}\n${err}`));
    });
  });
}

/** Stops a server by its PID and waits for it. */
async function stopServer({ child }) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

/** One GET; resolves to { status, length }. */
function check(port, path) {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path, agent: false, timeout: 5000 }, (res) => {
      let length = 0;
      res.on("data", (c) => (length += c.length));
      res.on("end", () => resolve({ status: res.statusCode, length }));
    })
      .on("error", reject)
      .on("timeout", function () {
        this.destroy(new Error("timeout"));
      })
      .end();
  });
}

/** wrk on core 1 for `seconds`; resolves to requests/s. */
function wrk(port, path) {
  const r = spawnSync("taskset", ["-c", "1", "wrk", "-t1", "-c50", `-d${seconds}s`, `http://127.0.0.1:${port}${path}`], { encoding: "utf8", timeout: (seconds + 30) * 1000 });
  const m = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout ?? "");
  if (r.status !== 0 || !m) throw new Error(`wrk failed: ${r.stdout}${r.stderr}`);
  if (/Non-2xx or 3xx responses/.test(r.stdout)) throw new Error(`wrk saw errors: ${r.stdout}`);
  return Number(m[1]);
}

/** Measures one server once: start, check, load, stop. */
async function measure(rt, scenario, which) {
  const server = await startServer(rt, scenario[which]);
  try {
    const got = await check(server.port, scenario.path);
    if (got.status !== 200 || got.length !== scenario.length) {
      throw new Error(`${rt.name} ${which} ${scenario.name}: got ${got.status} with ${got.length} bytes, expected 200 with ${scenario.length}`);
    }
    return wrk(server.port, scenario.path);
  } finally {
    await stopServer(server);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const started = Date.now();
const loadAtStart = loadavg()[0].toFixed(1);
const rows = [];
for (const name of names) {
  const rt = ensureRuntime(name);
  const version = name === "deno" ? rt.version.replace(/^deno /, "").split(" ")[0] : rt.version;
  for (const scenario of SCENARIOS) {
    const ours = [];
    const native = [];
    for (let i = 0; i < rounds; i++) {
      ours.push(await measure(rt, scenario, "ours"));
      native.push(await measure(rt, scenario, "native"));
    }
    const row = { runtime: name, version, scenario: scenario.name, ours: median(ours), native: median(native) };
    rows.push(row);
    console.log(`${name} ${version} ${scenario.name}: ours ${Math.round(row.ours)} req/s, native ${Math.round(row.native)} req/s, ${(row.ours / row.native).toFixed(2)}x`);
  }
}
const took = Math.round((Date.now() - started) / 1000);

if (smoke) {
  console.log(`smoke run: every server answered and took load (${took} s); nothing written`);
  process.exit(0);
}

const NATIVE = { bun: "`Bun.serve`", deno: "`Deno.serve`" };
const commit = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).stdout.trim();
const lines = [
  "<!-- runtimes:start (bench/runtimes.mjs writes this section) -->",
  "## Runtimes: ours against each runtime's own server",
  "",
  `\`node bench/runtimes.mjs\` at commit ${commit}: ${cpus().length} cores shared with other work, Linux ${release()}; server pinned to core 0, \`wrk -t1 -c50\` to core 1; ${rounds} rounds of ${seconds} s per server, median requests/s; load average ${loadAtStart} at the start (other work on the machine). Took ${took} s.`,
  "Ours: `bench/servers/ours.mjs --quiet` (hello) and `bench/servers/ours-static.mjs --quiet` (file), logging off. Native: `bench/servers/native.mjs` — `node:http`, `Bun.serve` or `Deno.serve`; its file answer reads the file per request with no validators or path checks (Bun's sends it with sendfile).",
  "",
];
for (const scenario of SCENARIOS) {
  lines.push(`### ${scenario.title}`, "", "| runtime | version | ours (req/s) | native (req/s) | native server | ours / native |", "|---|---|---:|---:|---|---:|");
  for (const r of rows.filter((r) => r.scenario === scenario.name)) {
    lines.push(`| ${r.runtime} | ${r.version} | ${Math.round(r.ours)} | ${Math.round(r.native)} | ${NATIVE[r.runtime] ?? "`node:http`"} | ${(r.ours / r.native).toFixed(2)}× |`);
  }
  lines.push("");
}
lines.push("<!-- runtimes:end -->");
const section = lines.join("\n");
const previous = existsSync(outFile) ? readFileSync(outFile, "utf8") : "";
const re = /<!-- runtimes:start[\s\S]*?<!-- runtimes:end -->/;
const next = re.test(previous) ? previous.replace(re, section) : `${previous.trimEnd()}\n\n${section}\n`;
writeFileSync(outFile, next);
console.log(`wrote ${outFile}`);
