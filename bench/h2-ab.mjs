// bench/h2-ab.mjs: HTTP/2 hello, ours against node:http2, interleaved (issue 17).
//
// `node bench/h2-ab.mjs [TREE...]` (ROUNDS=4 N=30000 WARM=3000 by default). Each TREE
// is a checkout of this package with `npm run build` done (default: this
// one), served by its bench/servers/ours.mjs --quiet --http2; node:http2 by
// bench/servers/node-h2.mjs. Each round starts every server in turn (order
// reversed every other round), warms it with WARM requests, then loads it
// with `h2load -c10 -m10 -n N` (cleartext prior knowledge) and reads the
// server's CPU (utime+stime from /proc) around the load. Prints each run and
// the medians: requests/s (wall clock: noisy on a shared machine) and CPU µs
// per request (steadier). Compare rows of one run only.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const trees = process.argv.slice(2).map((t) => resolve(t));
if (trees.length === 0) trees.push(resolve(here, ".."));
const rounds = Number(process.env.ROUNDS ?? 4);
const N = Number(process.env.N ?? 30000);
const WARM = Number(process.env.WARM ?? 3000);

function start(args) {
  return new Promise((resolve, reject) => {
    const child = spawn("node", args, { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /READY (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on("error", reject);
    setTimeout(() => reject(new Error(`${args[0]} did not start`)), 10_000).unref();
  });
}
const ticks = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return Number(f[11]) + Number(f[12]);
};
function load(port, pid, n) {
  const before = ticks(pid);
  const r = spawnSync("h2load", ["-c", "10", "-m", "10", "-n", String(n), `http://127.0.0.1:${port}/`], { encoding: "utf8" });
  const after = ticks(pid);
  const rps = Number(/finished in [^,]+, ([\d.]+) req\/s/.exec(r.stdout)?.[1]);
  const ok = Number(/(\d+) succeeded/.exec(r.stdout)?.[1]);
  return { rps, ok, cpu: ((after - before) * 10_000) / ok }; // 100 ticks/s → µs per request
}

const servers = [
  ...trees.map((t) => [t, [join(t, "bench/servers/ours.mjs"), "0", "--quiet", "--http2"]]),
  ["node:http2", [join(here, "servers/node-h2.mjs"), "0"]],
];
const results = new Map();
for (let r = 0; r < rounds; r++) {
  for (const [name, args] of r % 2 ? [...servers].reverse() : servers) {
    const { child, port } = await start(args);
    load(port, child.pid, WARM);
    const x = load(port, child.pid, N);
    child.kill();
    if (!results.has(name)) results.set(name, []);
    results.get(name).push(x);
    console.log(`round ${r}  ${name}: ${x.rps.toFixed(0)} req/s, ${x.cpu.toFixed(1)} µs CPU/request (${x.ok} ok)`);
  }
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
console.log("\n| server | req/s (median) | CPU µs/request (median) |\n|---|---:|---:|");
for (const [name, xs] of results) console.log(`| ${name} | ${median(xs.map((x) => x.rps)).toFixed(0)} | ${median(xs.map((x) => x.cpu)).toFixed(1)} |`);
