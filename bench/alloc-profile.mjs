#!/usr/bin/env node
// bench/alloc-profile.mjs: what does a server allocate per request, and what
// of it survives a young-generation GC (is promoted)?
//
// Usage: node bench/alloc-profile.mjs [--server ours|node-http] [--close]
//                                     [--survivors] [--top N] [--keep FILE]
//                                     [-- SERVER ARGS]
//
// Starts bench/servers/<server>.mjs inside this script (as a child), with
// V8's sampling heap profiler (inspector `HeapProfiler.startSampling`, one
// sample per 512 bytes). Warms it with `wrk -t1 -c10 -d1s`, samples during
// `wrk -t1 -c10 -d3s` (`--close`: `Connection: close`, a connection per
// request), and prints bytes per request by allocating function (dist/ is
// not mapped back: read the .js line). By default every allocation counts,
// also those collected since (how much is allocated); with `--survivors`,
// only what outlived a scavenge (how much is promoted: what makes scavenges
// slow). Run the server with `--no-turbo-inlining` (NODE_FLAGS) to see
// allocations of inlined functions under their own name.
// Sampling is statistical: compare rows of one run, or runs of the same
// length. `--keep FILE` also writes the profile there (open it in Chrome's
// DevTools, Memory tab, for the call trees). Needs wrk.
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync, readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

if (process.env.ALLOC_PROFILE_CHILD) {
  // The server side: sample between two SIGUSR2s, then write the profile.
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  await session.post("HeapProfiler.enable");
  process.once("SIGUSR2", async () => {
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: 512,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: process.env.ALLOC_PROFILE_SURVIVORS !== "1",
    });
    process.once("SIGUSR2", async () => {
      const { profile } = await session.post("HeapProfiler.stopSampling");
      writeFileSync(process.env.ALLOC_PROFILE_OUT, JSON.stringify(profile));
      process.stdout.write("WROTE\n");
    });
  });
  await import(pathToFileURL(process.env.ALLOC_PROFILE_CHILD).href);
} else {
  const args = process.argv.slice(2);
  const dash = args.indexOf("--");
  const serverArgs = dash >= 0 ? args.splice(dash).slice(1) : [];
  const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
  const server = join(here, "servers", `${opt("--server", "ours")}.mjs`);
  const top = Number(opt("--top", 30));
  const tmp = mkdtempSync(join(tmpdir(), "alloc-"));
  const out = join(tmp, "profile.json");
  const nodeFlags = (process.env.NODE_FLAGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeFlags, fileURLToPath(import.meta.url), "0", ...serverArgs], {
    env: { ...process.env, ALLOC_PROFILE_CHILD: server, ALLOC_PROFILE_OUT: out, ALLOC_PROFILE_SURVIVORS: args.includes("--survivors") ? "1" : "0" },
    stdio: ["ignore", "pipe", "ignore"],
  });
  let stdout = "";
  const seen = (re) =>
    new Promise((resolve) => {
      const check = () => (re.test(stdout) ? resolve(re.exec(stdout)) : setTimeout(check, 50));
      check();
    });
  child.stdout.on("data", (d) => (stdout += d));
  const port = Number((await seen(/READY (\d+)/))[1]);
  const wrk = (seconds) =>
    spawnSync("wrk", ["-t1", "-c10", `-d${seconds}s`, ...(args.includes("--close") ? ["-H", "Connection: close"] : []), `http://127.0.0.1:${port}/`], { encoding: "utf8" }).stdout;
  wrk(1);
  child.kill("SIGUSR2");
  await new Promise((r) => setTimeout(r, 200));
  const requests = Number(/(\d+) requests in/.exec(wrk(3))[1]);
  child.kill("SIGUSR2");
  await seen(/WROTE/);
  child.kill();
  const profile = JSON.parse(readFileSync(out, "utf8"));
  if (opt("--keep", null) !== null) writeFileSync(opt("--keep"), JSON.stringify(profile));
  rmSync(tmp, { recursive: true });

  const bySite = new Map();
  let total = 0;
  const walk = (node) => {
    const f = node.callFrame;
    const where = f.url.replace(/^.*\/(dist|bench|node_modules)\//, "$1/").replace(/^file:\/\//, "");
    const site = `${f.functionName || "(anonymous)"} ${where || "(native)"}${f.url ? `:${f.lineNumber + 1}` : ""}`;
    total += node.selfSize;
    if (node.selfSize > 0) bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    for (const c of node.children) walk(c);
  };
  walk(profile.head);
  const what = args.includes("--survivors") ? "surviving a scavenge" : "allocated";
  console.log(`${requests} requests; bytes ${what} per request: ${Math.round(total / requests)}`);
  console.log("| B/request | function |\n| ---: | --- |");
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`| ${Math.round(bytes / requests)} | \`${site}\` |`);
  }
}
