// bench/h2.mjs: HTTP/2 scenarios with h2load (issue 17), separate from run.mjs.
//
// `node bench/h2.mjs [--duration S]` (needs `npm run build`, h2load from
// Debian's nghttp2-client, nginx optional). All servers on 127.0.0.1,
// cleartext prior knowledge (h2c), loads bounded by --duration (default 5 s):
//   1. hello c10 m10: ours (bench/servers/ours.mjs --http2 --quiet) vs
//      node:http2's own server vs nginx `listen ... http2` (`return 200`);
//      requests/s and server CPU per request (utime+stime from /proc).
//   2. page of 50 small files: ours over HTTP/2 (1 connection, 50 streams)
//      vs ours over HTTP/1.1 (6 connections, as a browser; h2load --h1).
// Prints a Markdown table. Figures depend on the machine's load: compare
// rows of one run, never against a fixed threshold. For ours against
// node:http2 on a shared machine, bench/h2-ab.mjs (interleaved rounds, CPU
// per request) and bench/h2-ir.sh (callgrind Ir per request) are steadier.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const duration = Number(process.argv[process.argv.indexOf("--duration") + 1] || 5);
const tmp = mkdtempSync(join(tmpdir(), "bench-h2-"));
const children = [];

function start(cmd, args, ready) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "ignore"] });
    children.push(child);
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = ready(out);
      if (m !== null) resolve({ child, port: m });
    });
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`${cmd} exited ${code}`)));
    setTimeout(() => reject(new Error(`${cmd} did not start`)), 10_000).unref();
  });
}
const readyLine = (out) => {
  const m = /READY (\d+)/.exec(out);
  return m ? Number(m[1]) : null;
};

function cpuTicks(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return Number(f[11]) + Number(f[12]);
  } catch {
    return NaN;
  }
}

function h2load(args, pid) {
  const before = cpuTicks(pid);
  const r = spawnSync("h2load", args, { encoding: "utf8", timeout: (duration + 30) * 1000 });
  const after = cpuTicks(pid);
  const text = r.stdout ?? "";
  const rps = Number(/finished in [^,]+, ([\d.]+) req\/s/.exec(text)?.[1] ?? NaN);
  const done = Number(/(\d+) succeeded/.exec(text)?.[1] ?? NaN);
  const failed = Number(/(\d+) failed/.exec(text)?.[1] ?? NaN);
  const cpuMsPerReq = ((after - before) * 10) / done; // 100 ticks/s
  return { rps, done, failed, cpuUsPerReq: cpuMsPerReq * 1000 };
}

const rows = [];
try {
  const hello = [
    ["ours (http2 = true)", () => start("node", [join(here, "servers/ours.mjs"), "0", "--quiet", "--http2"], readyLine)],
    ["node:http2", () => start("node", [join(here, "servers/node-h2.mjs"), "0"], readyLine)],
  ];
  if (spawnSync("nginx", ["-v"]).status === 0) {
    hello.push([
      "nginx http2",
      async () => {
        const port = 20000 + Math.floor(Math.random() * 20000);
        const conf = join(tmp, "nginx.conf");
        writeFileSync(
          conf,
          `daemon off; worker_processes 1; pid ${tmp}/nginx.pid; error_log /dev/null;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path ${tmp}; proxy_temp_path ${tmp}; fastcgi_temp_path ${tmp}; uwsgi_temp_path ${tmp}; scgi_temp_path ${tmp};
  server { listen 127.0.0.1:${port} http2; location / { default_type text/plain; return 200 "Hello, world!"; } } }\n`,
        );
        const child = spawn("nginx", ["-c", conf, "-p", tmp], { stdio: "ignore" });
        children.push(child);
        await new Promise((r) => setTimeout(r, 500));
        return { child, port };
      },
    ]);
  }
  for (const [name, launch] of hello) {
    const { child, port } = await launch();
    h2load(["-c", "10", "-m", "10", "-D", "1", `http://127.0.0.1:${port}/`], child.pid); // warm-up
    const r = h2load(["-c", "10", "-m", "10", "-D", String(duration), `http://127.0.0.1:${port}/`], child.pid);
    rows.push([`hello c10 m10`, name, r]);
    child.kill();
  }

  // A page of 50 small files (1 KiB each), as a browser loads it.
  const site = join(tmp, "site");
  mkdirSync(site);
  const uris = [];
  for (let i = 0; i < 50; i++) {
    writeFileSync(join(site, `f${i}.css`), "x".repeat(1024));
    uris.push(`/f${i}.css`);
  }
  const { child, port } = await start("node", [join(here, "servers/ours-static.mjs"), "0", site, "--quiet", "--http2"], readyLine);
  const list = join(tmp, "uris.txt");
  writeFileSync(list, uris.map((u) => `http://127.0.0.1:${port}${u}`).join("\n") + "\n");
  const h2 = h2load(["-c", "1", "-m", "50", "-D", String(duration), "-i", list], child.pid);
  rows.push(["page of 50 files", "ours HTTP/2 (1 conn, 50 streams)", h2]);
  const h1 = h2load(["--h1", "-c", "6", "-m", "1", "-D", String(duration), "-i", list], child.pid);
  rows.push(["page of 50 files", "ours HTTP/1.1 (6 conns)", h1]);
  child.kill();
} finally {
  for (const c of children) if (c.exitCode === null) c.kill();
}

console.log("| scenario | server | req/s | failed | server CPU µs/req |");
console.log("|---|---|---:|---:|---:|");
for (const [s, n, r] of rows) console.log(`| ${s} | ${n} | ${r.rps.toFixed(0)} | ${r.failed} | ${r.cpuUsPerReq.toFixed(0)} |`);
