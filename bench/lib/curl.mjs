// bench/lib/curl.mjs: curl downloads of one large body.
// Part of bench/run.mjs (see there and bench/README.md), split along its section headings.

import { spawn } from "node:child_process";
import { LOAD_CORE, SERVER_CORE } from "./config.mjs";
import { coreSeconds, cpuSeconds, rssKiB } from "./proc.mjs";
import { track } from "./processes.mjs";

/**
 * Runs one curl process pinned to the load core that downloads `url` `times`
 * times, back to back over one keep-alive connection; resolves to curl's -w
 * figures of each transfer ([{ speed, size, status, total }]).
 */
export function runCurl(url, times = 1, timeoutSeconds = 120) {
  return new Promise((resolve, reject) => {
    const args = ["-c", LOAD_CORE, "curl", "-s", "-w", "%{speed_download} %{size_download} %{http_code} %{time_total}\\n"];
    for (let i = 0; i < times; i++) args.push("-o", "/dev/null", url);
    const child = track(spawn("taskset", args, { stdio: ["ignore", "pipe", "pipe"] }));
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutSeconds * 1000);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      const transfers = out
        .trim()
        .split("\n")
        .map((line) => line.trim().split(/\s+/).map(Number))
        .map(([speed, size, status, total]) => ({ speed, size, status, total }));
      if (code === 0 && transfers.length === times && transfers.every((t) => Number.isFinite(t.speed))) resolve(transfers);
      else reject(new Error(`curl ${url} failed (${signal ?? code}): ${err.trim() || out.trim()}`));
    });
  });
}

/**
 * One round: `times` downloads of `scenario.path` by one curl process. MB/s is
 * the bytes over the sum of the transfers' times (each transfer's is curl's
 * speed_download; with one transfer, exactly it), / 10^6; with the server's CPU
 * time, the load core's busy share, and peak RSS. A short or non-200 answer
 * counts as an error.
 */
export async function measureCurl(server, scenario, expectedBytes, times) {
  const url = `http://127.0.0.1:${server.port}${scenario.path}`;
  const rss = [];
  const sampler = setInterval(() => {
    try {
      rss.push(rssKiB(server.pid));
    } catch {
      // the server died; curl will fail
    }
  }, 50);
  const cpu0 = cpuSeconds(server.pid);
  const core0 = coreSeconds(SERVER_CORE);
  const load0 = coreSeconds(LOAD_CORE);
  let transfers;
  try {
    transfers = await runCurl(url, times);
  } finally {
    clearInterval(sampler);
  }
  const bytes = transfers.reduce((a, t) => a + t.size, 0);
  const seconds = transfers.reduce((a, t) => a + t.total, 0);
  const cpu1 = cpuSeconds(server.pid);
  const core1 = coreSeconds(SERVER_CORE);
  const load1 = coreSeconds(LOAD_CORE);
  const foreign = core1.task - core0.task - (cpu1 - cpu0);
  const loadAll = load1.all - load0.all || 1;
  return {
    mbps: bytes / seconds / 1e6,
    bytes,
    seconds,
    transfersMBps: transfers.map((t) => t.speed / 1e6),
    errors: transfers.filter((t) => t.status !== 200 || t.size !== expectedBytes).length,
    foreignPct: Math.max(0, (100 * foreign) / (core1.all - core0.all || 1)),
    cpuSeconds: cpu1 - cpu0,
    // Busy = not idle: curl, the runner, and the softirq work of receiving on loopback.
    clientBusyPct: Math.min(100, (100 * (loadAll - (load1.idle - load0.idle))) / loadAll),
    rssLoadKiB: rss.length ? Math.max(...rss) : rssKiB(server.pid),
  };
}
