#!/usr/bin/env node
// bench/run.mjs: side-by-side HTTP benchmarks of this package against
// node:http, CPython's http.server, npm's http-server and serve, and nginx,
// reported as ratios measured in one run.
//
// Usage: node bench/run.mjs [--scenario NAME,...] [--duration SECONDS] [--rounds N]
//                           [--only SYSTEM,SYSTEM] [--smoke] [--out FILE]
//   (`npm run bench -- --scenario hello` passes the same flags.)
//
// Strategy: every server of a scenario is started at once, pinned to core 0
// (`taskset -c 0`), and answers on a port it chose itself (argv port 0,
// `READY <port>` on stdout). Each is checked for the expected bytes and for
// keep-alive, warmed up for 1 s, and then the rounds interleave the systems
// (round 1: A B C …, round 2: B C … A, …) so that a noisy neighbour on this
// shared machine hits every system alike. Each load run is
// `taskset -c 1 wrk -t1 … -d<duration>s --latency`, bounded by wrk's own -d
// and by a watchdog here. Around each run we read the server's utime+stime
// (/proc/PID/stat) for CPU per request, and sample VmRSS (/proc/PID/status).
// Every server is stopped on success, error, SIGINT and SIGTERM.
//
// A scenario is one entry of SCENARIOS: a name, the URL path, the systems to
// compare, the baselines for ratios, and the loads to run: wrk runs (requests/s)
// or, for one large body, curl downloads (MB/s). The file-serving scenarios
// serve a fixture directory that bench/fixture.mjs makes in bench/out/fixture.
// Systems that are not ours and do not print `READY <port>` (the CLIs, npm's
// servers, nginx) get a free port chosen here, and are ready when they print
// their own start-up line or, failing that, accept a TCP connection.
//
// Layout: this file parses the arguments and runs the scenarios (the run);
// the rest is in bench/lib/, one module per part of the run:
//   config.mjs        paths, cores, time-outs, retry rules
//   scenarios.mjs     what is measured: SYSTEMS (how to start each server) and SCENARIOS
//   args.mjs          command-line arguments and --help
//   processes.mjs     starting servers, tracking and stopping every child process
//   proc.mjs          /proc readings: CPU seconds, RSS, per-core time
//   checks.mjs        the bytes each server must answer before it gets load
//   wrk.mjs           wrk runs (requests/s, latency, CPU per request)
//   curl.mjs          curl downloads of one large body (MB/s)
//   idle-startup.mjs  the idle-connections and start-up scenarios
//   report.mjs        statistics, ratios, target notes, the RESULTS.md sections
//   charts.mjs        the SVG chart of each scenario

import { spawnSync, execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { cpus, release } from "node:os";
import { join, relative } from "node:path";
import { ensureFixture } from "./fixture.mjs";
import { ensureCert } from "./tls-cert.mjs";
import { parseArgs, usage } from "./lib/args.mjs";
import { writeChart } from "./lib/charts.mjs";
import { checkServer } from "./lib/checks.mjs";
import { BENCH_DIR, BENCH_MODULES, FIXTURE, log, LOAD_CORE, MAX_RETRIES, NOISY_PCT, ROOT, TLS_DIR, WARMUP_SECONDS } from "./lib/config.mjs";
import { measureCurl, runCurl } from "./lib/curl.mjs";
import { measureIdle, raiseFileLimit, runStartup } from "./lib/idle-startup.mjs";
import { rssKiB } from "./lib/proc.mjs";
import { startServer, stop, stopAllSync } from "./lib/processes.mjs";
import { fmtInt, fmtMiB, fmtMs, scenarioMarkdown, summarise, writeResults } from "./lib/report.mjs";
import { SCENARIOS, SYSTEMS, npmModule } from "./lib/scenarios.mjs";
import { ensureNoResumeShim, measure, runWrk, urlOf } from "./lib/wrk.mjs";

// Retries over a whole run, so that a busy machine cannot push `npm run bench` past 15 minutes.
let retryBudget = 10;

// ---- the run ----------------------------------------------------------------

function machine(smoke) {
  const version = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    } catch (e) {
      return String(e.stdout ?? "").trim() || String(e.stderr ?? "").trim() || "unknown";
    }
  };
  const wrkLine = version("wrk", ["--version"]).split("\n")[0];
  const npmVersion = (name) => {
    try {
      return JSON.parse(readFileSync(join(BENCH_MODULES, name, "package.json"), "utf8")).version;
    } catch {
      return "not installed";
    }
  };
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    nproc: Number(version("nproc", [])) || cpus().length,
    cpuModel: cpus()[0]?.model?.trim() ?? "unknown CPU",
    kernel: release(),
    node: process.version,
    python: version("python3", ["--version"]),
    wrk: `wrk ${/wrk (\S+)/.exec(wrkLine)?.[1] ?? "unknown"}`,
    nginx: /nginx\/\S+/.exec(spawnSync("nginx", ["-v"], { encoding: "utf8" }).stderr ?? "")?.[0] ?? "nginx unknown",
    curl: `curl ${/^curl (\S+)/.exec(version("curl", ["--version"]))?.[1] ?? "unknown"}`,
    npmPeers: `http-server ${npmVersion("http-server")}, serve ${npmVersion("serve")}, sirv-cli ${npmVersion("sirv-cli")}`,
    // What was measured: dist/ is built from the work tree, which may differ from HEAD.
    commit:
      version("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]) +
      (version("git", ["-C", ROOT, "status", "--porcelain", "--", "src"]) ? " + uncommitted src/ changes" : ""),
    smoke,
  };
}

/** How many rounds a load gets: --rounds, else its `minRounds` or 3; --smoke: 1. */
function roundsOf(load, opts) {
  if (load.rounds !== "all") return opts.smoke ? 1 : load.rounds;
  return opts.rounds ?? load.minRounds ?? 3;
}

async function runScenario(scenario, opts) {
  const duration = opts.duration ?? scenario.duration ?? 10;
  const skipped = {};
  for (const key of scenario.systems) {
    if (opts.missing?.has(key)) skipped[key] = `not installed (bench/node_modules/${npmModule(key)}): run \`bash bench/setup.sh\`.`;
  }
  const wanted = scenario.systems.filter((s) => (!opts.only || opts.only.includes(s)) && !skipped[s]);
  // A smoke run opens 1,000 idle connections, not 10,000: it checks the path, not the figure.
  const plan = scenario.loads.map((l) => ({ ...l, n: roundsOf(l, opts), ...(l.connections && opts.smoke ? { connections: 1000 } : {}) }));
  if (scenario.kind === "startup") return runStartup(scenario, plan[0], wanted, skipped);
  // A curl round of 3 × 100 MB takes 0.2–1 s here; the check and warm-up fetch the file 3 more times.
  const runSeconds = (l) => (l.kind === "curl" ? 0.7 : l.kind === "idle" ? 12 : duration + 0.5);
  const warmup = plan[0].kind === "curl" ? 1.5 : plan[0].kind === "idle" ? 0 : WARMUP_SECONDS;
  const estimate = wanted.length * (warmup + plan.reduce((a, l) => a + l.n * runSeconds(l), 0));
  const worst =
    estimate +
    (opts.smoke ? 0 : plan.reduce((a, l) => a + (l.kind === "curl" ? 2 * wanted.length : MAX_RETRIES) * runSeconds(l), 0));
  log(`scenario ${scenario.name}: ${wanted.join(", ")}; about ${Math.ceil(estimate)} s (at most ${Math.ceil(worst)} s with retries)`);

  const fixture = scenario.fixture ? ensureFixture(FIXTURE) : null;
  if (scenario.tls) ensureCert(TLS_DIR);
  if (plan.some((l) => l.noResume)) ensureNoResumeShim();
  const expect = typeof scenario.expect === "function" ? scenario.expect(fixture) : scenario.expect;
  const servers = {};
  const idleRss = {};
  const raw = {};
  if (scenario.kind === "idle") raiseFileLimit(plan[0].connections);
  try {
    for (const key of wanted) {
      try {
        servers[key] = await startServer(key, scenario);
      } catch (err) {
        if (!SYSTEMS[key].optional) throw err;
        skipped[key] = `did not start (${err.message.replace(/^\S+ /, "")}), so it is left out of this run.`;
        log(`  ${key}: left out: ${err.message}`);
        continue;
      }
      await checkServer(servers[key], scenario, expect);
    }
    const systems = wanted.filter((k) => servers[k]);
    // Idle RSS after the check requests, before any load.
    for (const key of systems) idleRss[key] = rssKiB(servers[key].pid);
    // A smoke run checks that servers answer and take load; it skips the warm-up.
    for (const key of plan[0].kind === "idle" || opts.smoke ? [] : systems) {
      log(`  warm-up ${key}${plan[0].kind === "curl" ? " (one download)" : ` (${WARMUP_SECONDS} s)`}`);
      const url = urlOf(servers[key], scenario);
      if (plan[0].kind === "curl") await runCurl(url, 1);
      else await runWrk([...plan[0].wrk, `-d${WARMUP_SECONDS}s`, url], { noResume: plan[0].noResume });
    }
    const retries = {};
    for (const load of plan) {
      raw[load.name] = Object.fromEntries(systems.map((k) => [k, []]));
      retries[load.name] = 0;
      for (let round = 0; round < load.n; round++) {
        // Rotate the order each round so that no system always goes first.
        const order = systems.map((_, i) => systems[(i + round) % systems.length]);
        for (const key of order) {
          if (load.kind === "idle") {
            const r = await measureIdle(servers[key], scenario, load);
            log(
              `  idle ${key.padEnd(15)} ${r.opened} answered, ${r.failed} failed in ${r.openMs} ms; ${r.still} still open after 1 s; ` +
                `RSS ${fmtMiB(r.rssBeforeKiB)} → ${fmtMiB(r.rssLoadKiB)} MiB`,
            );
            raw[load.name][key].push(r);
            continue;
          }
          if (load.kind === "curl") {
            // Rounds are short: a noisy one is measured again, up to
            // MAX_RETRIES times in a row and 2 per system over the load.
            let r = await measureCurl(servers[key], scenario, expect.length, load.downloads ?? 1);
            logRun(load, round, key, r);
            for (let again = 0; r.foreignPct > NOISY_PCT && again < MAX_RETRIES; again++) {
              if (opts.smoke || retries[load.name] >= 2 * systems.length || retryBudget <= 0) break;
              retries[load.name] += 1;
              retryBudget -= 1;
              r = { ...(await measureCurl(servers[key], scenario, expect.length, load.downloads ?? 1)), retried: true };
              logRun(load, round, key, r);
            }
            raw[load.name][key].push(r);
            continue;
          }
          let r = await measure(servers[key], scenario, load, duration);
          logRun(load, round, key, r);
          // Another process took the server's core: measure again, within a budget.
          // Unpinned servers (serverCores) share both cores with wrk: core 0's "other" share means nothing there.
          while (!scenario.serverCores && r.foreignPct > NOISY_PCT && retries[load.name] < (opts.smoke ? 0 : MAX_RETRIES) && retryBudget > 0) {
            retries[load.name] += 1;
            retryBudget -= 1;
            r = { ...(await measure(servers[key], scenario, load, duration)), retried: true };
            logRun(load, round, key, r);
          }
          raw[load.name][key].push(r);
        }
      }
    }
  } finally {
    await Promise.all(Object.values(servers).map((s) => stop(s.child)));
  }
  // What the TLS servers counted over the whole scenario (checks, warm-up, every run).
  const sessions = {};
  for (const [key, s] of Object.entries(servers)) {
    const m = /^TLS sessions: (\d+) handshakes, (\d+) resumed$/m.exec(s.tail);
    if (m) sessions[key] = { handshakes: Number(m[1]), resumed: Number(m[2]) };
  }
  const results = Object.fromEntries(
    Object.entries(raw).map(([load, bySystem]) => [
      load,
      Object.fromEntries(Object.entries(bySystem).map(([k, runs]) => [k, summarise(runs)])),
    ]),
  );
  return { systems: wanted.filter((k) => servers[k]), results, raw, idleRss, skipped, duration, sessions };
}

function logRun(load, round, key, r) {
  const head = `  ${load.name} round ${round + 1}/${load.n} ${key.padEnd(15)}`;
  const tail =
    `core-0 other ${r.foreignPct.toFixed(0)}%` +
    (r.foreignPct > NOISY_PCT ? " (noisy)" : "") +
    (r.retried ? " (retry)" : "") +
    (r.errors ? `  ${r.errors} errors` : "");
  if (r.mbps !== undefined) {
    log(
      `${head} ${fmtInt(r.mbps).padStart(6)} MB/s  ${r.seconds.toFixed(2)} s  server CPU ${(r.cpuSeconds * 1000).toFixed(0)} ms  ` +
        `client core busy ${r.clientBusyPct.toFixed(0)}%  ${tail}`,
    );
    return;
  }
  log(
    `${head} ${fmtInt(r.rps).padStart(8)} req/s  ` +
      `p50 ${fmtMs(r.p50)}  p99 ${fmtMs(r.p99)}  ${r.cpuUsPerRequest.toFixed(1)} µs CPU/req  client core busy ${r.clientBusyPct.toFixed(0)}%  ${tail}`,
  );
}


async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const names = opts.scenario ? opts.scenario.split(",").filter(Boolean) : null;
  for (const n of names ?? []) if (!SCENARIOS.some((s) => s.name === n)) usage(`no scenario named ${JSON.stringify(n)}`);
  const scenarios = names ? SCENARIOS.filter((s) => names.includes(s.name)) : SCENARIOS;
  if (opts.charts) {
    const report = opts.out ?? join(BENCH_DIR, "RESULTS.md");
    for (const scenario of scenarios) {
      const file = join(BENCH_DIR, "out", `${scenario.name}.json`);
      if (!existsSync(file)) continue;
      const saved = JSON.parse(readFileSync(file, "utf8"));
      const systems = scenario.systems.filter((k) => saved.results[scenario.loads[0].name]?.[k]);
      const chart = writeChart(report, { ...scenario, systems }, saved.results, saved.meta);
      if (chart) log(`wrote ${chart} from ${relative(process.cwd(), file)}`);
    }
    return;
  }
  if (opts.only) for (const k of opts.only) if (!SYSTEMS[k]) usage(`no system named ${JSON.stringify(k)}`);
  if (!existsSync(join(ROOT, "dist", "index.js"))) {
    throw new Error("dist/index.js is missing: run `npx tsc -p tsconfig.json` first");
  }
  const needed = new Set(scenarios.flatMap((s) => s.systems).filter((k) => !opts.only || opts.only.includes(k)));
  const tools = [["wrk", ["--version"]], ["taskset", ["--version"]], ["python3", ["--version"]]];
  if (scenarios.some((s) => s.loads.some((l) => l.kind === "curl"))) tools.push(["curl", ["--version"]]);
  if (needed.has("nginx") || needed.has("nginx-log")) tools.push(["nginx", ["-v"]]);
  if (scenarios.some((s) => s.kind === "idle")) tools.push(["prlimit", ["--version"]]);
  // An npm peer that is not installed is left out with a note (bench/setup.sh installs them all).
  opts.missing = new Set([...needed].filter((key) => SYSTEMS[key].npm && !existsSync(join(BENCH_MODULES, npmModule(key), "package.json"))));
  for (const key of opts.missing) log(`${key}: ${join(BENCH_MODULES, npmModule(key))} is missing (bash bench/setup.sh); left out`);
  for (const [tool, args] of tools) {
    try {
      execFileSync(tool, args, { stdio: "ignore" });
    } catch (e) {
      // wrk --version exits 1 after printing its banner; only a missing binary is fatal.
      if (e.code === "ENOENT") throw new Error(`${tool} not found: run \`bash bench/setup.sh\` first`);
    }
  }
  if (cpus().length < 2) throw new Error("needs two cores: servers on core 0, wrk on core 1");
  // Read the machine before pinning: nproc counts the cores this process may use.
  const meta = machine(opts.smoke);
  // Keep this runner (its RSS sampler, its timers) off the server's core.
  execFileSync("taskset", ["-a", "-p", "-c", LOAD_CORE, String(process.pid)], { stdio: "ignore" });
  // A smoke run must not overwrite the committed figures.
  const out = opts.out ?? (opts.smoke ? join(BENCH_DIR, "out", "RESULTS.smoke.md") : join(BENCH_DIR, "RESULTS.md"));
  const runStarted = Date.now();
  for (const scenario of scenarios) {
    if (!scenario.systems.some((k) => !opts.only || opts.only.includes(k))) {
      log(`scenario ${scenario.name}: none of --only's systems; skipped`);
      continue;
    }
    const started = Date.now();
    const { systems, results, raw, idleRss, skipped, duration, sessions } = await runScenario(scenario, opts);
    const shown = { ...scenario, systems, baselines: scenario.baselines.filter((b) => systems.includes(b)) };
    const when = { ...meta, date: new Date(started).toISOString().replace(/\.\d+Z$/, "Z"), duration };
    when.seconds = Math.round((Date.now() - started) / 1000);
    when.chart = writeChart(out, shown, results, when);
    writeResults(out, shown, scenarioMarkdown(shown, when, results, idleRss, raw, skipped, sessions));
    mkdirSync(join(BENCH_DIR, "out"), { recursive: true });
    writeFileSync(
      join(BENCH_DIR, "out", `${scenario.name}${opts.smoke ? ".smoke" : ""}.json`),
      JSON.stringify({ meta: when, scenario: scenario.name, idleRss, skipped, sessions, results, raw }, null, 2),
    );
    log(`wrote ${relative(process.cwd(), out)} (scenario ${scenario.name}, ${when.seconds} s)`);
  }
  log(`done in ${((Date.now() - runStarted) / 60_000).toFixed(1)} min`);
}

main().catch((err) => {
  log(`run.mjs: ${err.stack ?? err}`);
  stopAllSync();
  process.exit(1);
});
