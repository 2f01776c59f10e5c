// Where the test suite's time goes, file by file: `npm test -- --profile`
// (scripts/test.mjs) preloads this module into every test file's process
// (`node --import`), and prints the table it writes.
//
// Strategy: on a shared machine wall-clock time says little, so each test
// file's process records, when it exits, its wall time, its own CPU time
// (user + system), the CPU time of the child processes it waited for (the CLI,
// python3, curl, openssl, Chromium: /proc/self/stat's cutime + cstime), and
// the time during which a timer of 100 ms or more was running that later
// fired (a `setTimeout` or `timers/promises` wait that ran to the end, not a
// safety timeout that was cleared; overlapping timers count once), and
// those timers' totals by the place they were set. A server's idle poll
// (serve_forever's wait for a connection) is not counted: nothing waits for
// it. One JSON line per file is appended to $HTTP_SERVER_TEST_PROFILE.
// Outside a test file's process (the runner itself) it does nothing.
import { appendFileSync, readFileSync } from "node:fs";
import { createRequire, syncBuiltinESMExports } from "node:module";
import { relative } from "node:path";

const out = process.env.HTTP_SERVER_TEST_PROFILE;
const isTestFile = process.env.NODE_TEST_CONTEXT !== undefined && process.argv[1] !== undefined;

/** Timers shorter than this are not counted as waits. */
const LONG_MS = 100;

if (out !== undefined && out !== "" && isTestFile) {
  const require = createRequire(import.meta.url);
  const timers = require("node:timers");
  const timersPromises = require("node:timers/promises");
  /** Fired timers: [start, end] in performance.now() ms, and where they were set. */
  const waits = [];

  /** The first stack frame outside this module and node's internals; null for a server's idle poll. */
  const site = () => {
    const stack = new Error().stack ?? "";
    if (stack.includes("waitForRequest")) return null;
    const lines = stack.split("\n").slice(2);
    const frame = lines.find((l) => !l.includes("test-profile.mjs") && !l.includes("node:"));
    return frame === undefined ? "?" : frame.trim().replace(/^at /, "").replace("file://", "").replace(process.cwd() + "/", "");
  };
  const record = (start, where) => {
    if (where !== null) waits.push({ start, end: performance.now(), where });
  };

  const realSetTimeout = globalThis.setTimeout;
  const wrappedSetTimeout = function setTimeout(fn, ms, ...rest) {
    const delay = Number(ms) || 0;
    if (delay < LONG_MS || typeof fn !== "function") return realSetTimeout(fn, ms, ...rest);
    const where = site();
    const start = performance.now();
    return realSetTimeout(
      (...a) => {
        record(start, where);
        return fn(...a);
      },
      ms,
      ...rest,
    );
  };
  Object.defineProperty(wrappedSetTimeout, Symbol.for("nodejs.util.promisify.custom"), {
    value: timersPromises.setTimeout,
  });
  globalThis.setTimeout = wrappedSetTimeout;
  timers.setTimeout = wrappedSetTimeout;

  const realDelay = timersPromises.setTimeout;
  timersPromises.setTimeout = async function setTimeout(ms, ...rest) {
    const delay = Number(ms) || 0;
    const where = delay >= LONG_MS ? site() : null;
    const start = performance.now();
    const value = await realDelay(ms, ...rest);
    record(start, where);
    return value;
  };
  syncBuiltinESMExports();

  process.once("exit", () => {
    const wallMs = performance.now();
    const cpu = process.cpuUsage();
    let childMs = 0;
    try {
      // Fields after the command name: utime stime cutime cstime are fields 14–17 (1-based).
      const stat = readFileSync("/proc/self/stat", "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = 100; // USER_HZ on Linux
      childMs = ((Number(fields[13]) + Number(fields[14])) * 1000) / ticks;
    } catch {
      childMs = NaN;
    }
    // The union of the waits' intervals, and their totals by place.
    waits.sort((a, b) => a.start - b.start);
    let timerMs = 0;
    let until = -Infinity;
    for (const w of waits) {
      if (w.end <= until) continue;
      timerMs += w.end - Math.max(w.start, until);
      until = w.end;
    }
    const bySite = new Map();
    for (const w of waits) {
      const s = bySite.get(w.where) ?? { where: w.where, ms: 0, count: 0 };
      s.ms += w.end - w.start;
      s.count++;
      bySite.set(w.where, s);
    }
    const sites = [...bySite.values()].sort((a, b) => b.ms - a.ms).slice(0, 5).map((s) => ({ ...s, ms: Math.round(s.ms) }));
    const line = {
      file: relative(process.cwd(), process.argv[1]),
      wallMs: Math.round(wallMs),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      childCpuMs: Math.round(childMs),
      timerMs: Math.round(timerMs),
      sites,
    };
    appendFileSync(out, JSON.stringify(line) + "\n");
  });
}
