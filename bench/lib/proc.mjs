// bench/lib/proc.mjs: /proc readings: CPU seconds and RSS of a server process tree, per-core time.
// Part of bench/run.mjs (see there and bench/README.md), split along its section headings.

import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { children } from "./processes.mjs";

export const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** A process and its descendants (a cluster primary's workers), from /proc/PID/task/TID/children. */
function processTree(pid) {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${all[i]}/task`);
    } catch {
      continue; // gone
    }
    for (const tid of tasks) {
      try {
        const text = readFileSync(`/proc/${all[i]}/task/${tid}/children`, "utf8").trim();
        if (text) all.push(...text.split(/\s+/).map(Number));
      } catch {
        // the thread ended
      }
    }
  }
  return all;
}

/** utime+stime of a process (all its threads) and its descendants, in seconds. */
export function cpuSeconds(pid) {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      // Fields after the parenthesised comm; utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    } catch {
      if (p === pid) throw new Error(`process ${pid} is gone`);
    }
  }
  return total;
}

/**
 * One core's CPU time from /proc/stat, in seconds: `task` is user+nice+system
 * (time charged to tasks; interrupts and softirqs are left out, since loopback
 * traffic is processed there for the server too), `idle` idle+iowait, `all`
 * every column.
 */
export function coreSeconds(core) {
  const line = readFileSync("/proc/stat", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`cpu${core} `));
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  return { task: (f[0] + f[1] + f[2]) / CLK_TCK, idle: (f[3] + f[4]) / CLK_TCK, all: f.reduce((a, b) => a + b, 0) / CLK_TCK };
}

/** VmRSS of a process and its descendants, in KiB. */
export function rssKiB(pid) {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      total += m ? Number(m[1]) : 0;
    } catch {
      if (p === pid) return NaN;
    }
  }
  return total;
}
