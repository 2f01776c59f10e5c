// bench/lib/report.mjs: statistics and formatting: medians, ratios, target notes, RESULTS.md sections.
// Part of bench/run.mjs (see there and bench/README.md), split along its section headings.

import { spawn } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, relative } from "node:path";
import { BUSY_ENOUGH, NOISY_PCT, ROOT } from "./config.mjs";
import { CLK_TCK } from "./proc.mjs";
import { OURS, SYSTEMS } from "./scenarios.mjs";

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

export function summarise(runs) {
  if (runs.length && runs[0].still !== undefined) {
    const r = runs[0];
    return { ...r, rounds: runs.length, retried: 0, foreignPctMax: 0 };
  }
  if (runs.length && runs[0].ms !== undefined) {
    return {
      rounds: runs.length,
      ms: median(runs.map((r) => r.ms)),
      msMin: Math.min(...runs.map((r) => r.ms)),
      msMax: Math.max(...runs.map((r) => r.ms)),
      rssLoadKiB: median(runs.map((r) => r.rssLoadKiB)),
      foreignPctMax: 0,
      retried: 0,
      errors: 0,
    };
  }
  if (runs.length && runs[0].mbps !== undefined) {
    const bytes = runs.reduce((a, r) => a + r.bytes, 0);
    const cpu = runs.reduce((a, r) => a + r.cpuSeconds, 0);
    return {
      rounds: runs.length,
      mbps: median(runs.map((r) => r.mbps)),
      mbpsMin: Math.min(...runs.map((r) => r.mbps)),
      mbpsMax: Math.max(...runs.map((r) => r.mbps)),
      cpuMsPerGB: bytes > 0 ? (cpu * 1000) / (bytes / 1e9) : NaN,
      cpuTicks: Math.round(cpu * CLK_TCK),
      clientBusyPct: median(runs.map((r) => r.clientBusyPct)),
      rssLoadKiB: Math.max(...runs.map((r) => r.rssLoadKiB)),
      foreignPctMax: Math.max(...runs.map((r) => r.foreignPct)),
      retried: runs.filter((r) => r.retried).length,
      errors: runs.reduce((a, r) => a + r.errors, 0),
    };
  }
  return {
    rounds: runs.length,
    rps: median(runs.map((r) => r.rps)),
    rpsMin: Math.min(...runs.map((r) => r.rps)),
    rpsMax: Math.max(...runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    cpuUsPerRequest: median(runs.map((r) => r.cpuUsPerRequest)),
    cpuShare: median(runs.map((r) => r.cpuShare)),
    clientBusyPct: median(runs.map((r) => r.clientBusyPct)),
    rssLoadKiB: Math.max(...runs.map((r) => r.rssLoadKiB)),
    foreignPctMax: Math.max(...runs.map((r) => r.foreignPct)),
    retried: runs.filter((r) => r.retried).length,
    errors: runs.reduce((a, r) => a + r.errors, 0),
  };
}

export const fmtInt = (n) => Math.round(n).toLocaleString("en-US");
export const fmtMs = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : ms < 100 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(0)} ms`);
export const fmtMiB = (kib) => `${(kib / 1024).toFixed(1)}`;
const fmtRatio = (x) =>
  !Number.isFinite(x) ? "–" : x >= 100 ? `${x.toFixed(0)}×` : x >= 0.1 ? `${x.toFixed(2)}×` : `${x.toPrecision(2)}×`;

/** Median and range of the per-round ratio a/b: rounds are interleaved, so each pair ran minutes apart at most. */
function pairedRatio(raw, a, b, metric = "rps") {
  const n = Math.min(raw[a]?.length ?? 0, raw[b]?.length ?? 0);
  const ratios = [];
  for (let i = 0; i < n; i++) ratios.push(raw[a][i][metric] / raw[b][i][metric]);
  return n ? { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), n } : null;
}

/** The metric a load's ratios compare: requests/s for wrk, MB/s for curl, RSS for idle, ms for start-up. */
export const metricOf = (load) => ({ curl: "mbps", idle: "rssLoadKiB", startup: "ms" })[load.kind] ?? "rps";

/**
 * Notes on the scenario's targets: for each of our rows and each target, the
 * ratio of medians to every peer named, met or not, with the round-by-round
 * ratio when there are several rounds.
 */
function targetNotes(scenario, load, rows, raw) {
  const metric = metricOf(load);
  const unit = metric === "mbps" ? "MB/s" : load.per === "handshake" ? "handshakes/s" : "requests/s";
  const notes = [];
  for (const ours of OURS) {
    if (!rows[ours]) continue;
    for (const t of scenario.targets ?? []) {
      if ((t.load && t.load !== load.name) || (t.ours && !t.ours.includes(ours))) continue;
      if (t.idle) {
        const note = idleTargetNote(t, ours, rows);
        if (note) notes.push(note);
        continue;
      }
      if (t.maxCpu !== undefined) {
        const p = t.peers.find((k) => rows[k]);
        if (!p) continue;
        const x = rows[ours].cpuUsPerRequest / rows[p].cpuUsPerRequest;
        notes.push(
          `Target for ${SYSTEMS[ours].short} — ${t.what}: ${x <= t.maxCpu ? "**met**" : "**not met**"}: ` +
            `${rows[ours].cpuUsPerRequest.toFixed(1)} µs vs ${rows[p].cpuUsPerRequest.toFixed(1)} µs, ${fmtRatio(x)}.`,
        );
        continue;
      }
      // "The best npm server": a target naming several npm peers is against the fastest of them.
      let peers = t.peers.filter((p) => rows[p]);
      if (peers.length === 0) continue;
      if (t.min > 1 && peers.length > 1) peers = [peers.reduce((a, b) => (rows[b][metric] > rows[a][metric] ? b : a))];
      const parts = peers.map((p) => {
        const x = rows[ours][metric] / rows[p][metric];
        const ok = t.strict ? x > t.min : x >= t.min;
        const pr = pairedRatio(raw[load.name], ours, p, metric);
        const rounds = pr && pr.n > 1 ? `, round by round ${fmtRatio(pr.min)}–${fmtRatio(pr.max)}` : "";
        const cpu =
          t.cpu && metric === "rps"
            ? `, at ${fmtRatio(rows[ours].cpuUsPerRequest / rows[p].cpuUsPerRequest)} its CPU per ${load.per ?? "request"}`
            : "";
        return { ok, text: `${fmtRatio(x)} ${SYSTEMS[p].short}${rounds}${ok ? "" : " (**not met**)"}${cpu}` };
      });
      const met = parts.every((q) => q.ok);
      notes.push(
        `Target for ${SYSTEMS[ours].short} — ${t.strict ? ">" : "≥"} ${fmtRatio(t.min)} ${t.what} (${unit}): ` +
          `${met ? "**met**" : "**not met**"}: ${parts.map((q) => q.text).join("; ")}.`,
      );
    }
  }
  return notes;
}

/** The idle scenario's targets: RSS before the connections against a peer's, and RSS with them against a ceiling. */
function idleTargetNote(t, ours, rows) {
  const r = rows[ours];
  if (t.idle === "rss-idle") {
    const p = t.peers.find((k) => rows[k]);
    if (!p) return null;
    const diff = (r.rssBeforeKiB - rows[p].rssBeforeKiB) / 1024;
    return (
      `Target for ${SYSTEMS[ours].short} — ${t.what}: ${diff <= t.maxDiffMiB ? "**met**" : "**not met**"}: ` +
      `${fmtMiB(r.rssBeforeKiB)} MiB vs ${fmtMiB(rows[p].rssBeforeKiB)} MiB (${diff >= 0 ? "+" : ""}${diff.toFixed(1)} MiB).`
    );
  }
  const mib = r.rssLoadKiB / 1024;
  const all = r.still >= r.opened && r.failed === 0;
  return (
    `Target for ${SYSTEMS[ours].short} — ${t.what}: ${mib < t.maxMiB && all ? "**met**" : "**not met**"}: ` +
    `${mib.toFixed(1)} MiB with ${fmtInt(r.still)} connections open` +
    (all ? "." : ` (${fmtInt(r.failed)} failed to open, ${fmtInt(r.opened - r.still)} closed by the server).`)
  );
}

export function scenarioMarkdown(scenario, meta, results, idleRss, raw, skipped = {}, sessions = {}) {
  const lines = [];
  lines.push(`<!-- scenario:${scenario.name} -->`);
  lines.push(`## Scenario \`${scenario.name}\`: ${scenario.title}`);
  lines.push("");
  lines.push(`Measured ${meta.date}${meta.smoke ? " (**smoke run**: 1 s, one round; figures are not meaningful)" : ""}.`);
  lines.push(
    `Machine: ${meta.nproc} cores (${meta.cpuModel}), Linux ${meta.kernel}; Node.js ${meta.node}, ${meta.python}, ${meta.wrk}` +
      `${scenario.fixture ? `, ${meta.nginx}, ${meta.curl}, ${meta.npmPeers}` : ""}.`,
  );
  lines.push(`Package: dist/ built from commit ${meta.commit}. This scenario took ${meta.seconds} s.`);
  lines.push("");
  lines.push(scenario.description);
  lines.push("");
  if (meta.chart) {
    lines.push(`![${scenario.name} chart](${meta.chart})`);
    lines.push("");
  }
  for (const [key, why] of Object.entries(skipped)) {
    lines.push(`- Not measured: ${SYSTEMS[key].label}: ${why}`);
  }
  if (Object.keys(skipped).length) lines.push("");
  const base = scenario.baselines.filter((b) => scenario.systems.includes(b) && !skipped[b]);
  for (const load of scenario.loads) {
    const rows = results[load.name];
    const nRounds = Math.max(...Object.values(rows).map((r) => r.rounds));
    const metric = metricOf(load);
    let head;
    if (load.kind === "idle") {
      lines.push(`### ${fmtInt(load.connections)} connections, one request each, then idle`);
      head = ["system", "RSS MiB idle", `RSS MiB with the connections`, "KiB per connection", "open after 1 s", "time to open", "server CPU ms"];
    } else if (load.kind === "startup") {
      lines.push(`### spawn to first answer — ${nRounds} round(s) per system, interleaved`);
      head = ["system", "ms median (min–max)", "RSS MiB after the first answer"];
    } else if (load.kind === "curl") {
      lines.push(
        `### one \`curl\` of ${load.downloads ?? 1} download(s) per round — ${nRounds} round(s) per system, interleaved`,
      );
      head = ["system", "MB/s median (min–max)", "server CPU ms/GB", "client core busy", "RSS MiB idle / load"];
    } else {
      const wrkArgs = load.wrk.map((a) => (a.startsWith(ROOT) ? relative(ROOT, a) : /\s/.test(a) ? `"${a}"` : a)).join(" ");
      const shim = load.noResume ? " (wrk with bench/wrk-no-resume.c preloaded)" : "";
      lines.push(`### \`${wrkArgs}\`${shim} — ${nRounds} round(s) of ${meta.duration} s per system, interleaved`);
      const per = load.per === "handshake" ? ["handshakes/s median (min–max)", "server CPU µs/handshake"] : ["req/s median (min–max)", "server CPU µs/req"];
      head = ["system", per[0], "p50", "p99", per[1], "RSS MiB idle / load"];
    }
    head.push(...base.map((b) => (load.kind === "idle" || load.kind === "startup" ? `÷ ${SYSTEMS[b].short}` : `× ${SYSTEMS[b].short}`)));
    lines.push("");
    lines.push(`| ${head.join(" | ")} |`);
    lines.push(`| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`);
    for (const key of scenario.systems) {
      const r = rows[key];
      if (!r) continue;
      const label = `${SYSTEMS[key].label}${r.errors ? ` (**${r.errors} errors**)` : ""}`;
      const cells =
        load.kind === "idle"
          ? [
              label,
              fmtMiB(r.rssBeforeKiB),
              fmtMiB(r.rssLoadKiB),
              Number.isFinite(r.perConnKiB) ? r.perConnKiB.toFixed(1) : "–",
              `${fmtInt(r.still)} of ${fmtInt(r.opened + r.failed)}`,
              fmtMs(r.openMs),
              fmtInt(r.cpuSeconds * 1000),
            ]
          : load.kind === "startup"
          ? [label, r.rounds > 1 ? `${r.ms.toFixed(0)} (${r.msMin.toFixed(0)}–${r.msMax.toFixed(0)})` : r.ms.toFixed(0), fmtMiB(r.rssLoadKiB)]
          : load.kind === "curl"
          ? [
              label,
              r.rounds > 1 ? `${fmtInt(r.mbps)} (${fmtInt(r.mbpsMin)}–${fmtInt(r.mbpsMax)})` : fmtInt(r.mbps),
              r.cpuTicks < 20 ? `${fmtInt(r.cpuMsPerGB)} †` : fmtInt(r.cpuMsPerGB),
              `${r.clientBusyPct.toFixed(0)}%`,
              `${fmtMiB(idleRss[key])} / ${fmtMiB(r.rssLoadKiB)}`,
            ]
          : [
              label,
              r.rounds > 1 ? `${fmtInt(r.rps)} (${fmtInt(r.rpsMin)}–${fmtInt(r.rpsMax)})` : fmtInt(r.rps),
              fmtMs(r.p50),
              fmtMs(r.p99),
              r.cpuShare < BUSY_ENOUGH ? `${r.cpuUsPerRequest.toFixed(0)} †` : r.cpuUsPerRequest.toFixed(1),
              `${fmtMiB(idleRss[key])} / ${fmtMiB(r.rssLoadKiB)}`,
            ];
      cells.push(...base.map((b) => (b === key ? "1.00×" : rows[b] ? fmtRatio(r[metric] / rows[b][metric]) : "–")));
      lines.push(`| ${cells.join(" | ")} |`);
    }
    lines.push("");
    const notes = targetNotes(scenario, load, rows, raw);
    if (load.kind === "idle" || load.kind === "startup") {
      notes.push(
        load.kind === "idle"
          ? "Lower is better; the ÷ columns are this row's RSS with the connections divided by that system's."
          : "Lower is better; the ÷ columns are this row's median time divided by that system's.",
      );
      for (const n of notes) lines.push(`- ${n}`);
      lines.push("");
      continue;
    }
    if (rows.ours && rows["node-http"]) {
      const p = pairedRatio(raw[load.name], "ours", "node-http");
      if (p && p.n > 1) {
        notes.push(
          `Round by round, ours/node:http requests/s: median ${fmtRatio(p.median)} ` +
            `(${fmtRatio(p.min)}–${fmtRatio(p.max)} over ${p.n} rounds).`,
        );
      }
    }
    if (rows.ours && rows["ours-quiet"]) {
      const cost = rows.ours.cpuUsPerRequest - rows["ours-quiet"].cpuUsPerRequest;
      notes.push(
        (cost > 0
          ? `Logging costs ${cost.toFixed(1)} µs of server CPU per request; `
          : `Logging's CPU cost is below this run's noise (${cost.toFixed(1)} µs/request); `) +
          `turning log_message off gives ${fmtRatio(rows["ours-quiet"].rps / rows.ours.rps)} the requests/s.`,
      );
    }
    if (rows["ours-quiet"] && rows["node-http"]) {
      notes.push(
        `ours (log_message off) serves ${fmtRatio(rows["ours-quiet"].rps / rows["node-http"].rps)} node:http's requests/s.`,
      );
    }
    if (load.kind === "curl") {
      if (Object.values(rows).some((r) => r.cpuTicks < 20)) {
        notes.push(
          `† Fewer than 20 clock ticks (1/${CLK_TCK} s each) of server CPU over all rounds: a rough figure.`,
        );
      }
    } else if (Object.values(rows).some((r) => r.cpuShare < BUSY_ENOUGH)) {
      notes.push(
        `† The server used under ${100 * BUSY_ENOUGH}% of a core: its CPU time is a few clock ticks ` +
          `(1/${CLK_TCK} s each), which a virtual machine charges loosely, so this CPU µs/req is a rough figure.`,
      );
    }
    if (metric === "rps") {
      const busy = Object.entries(rows).filter(([, r]) => r.clientBusyPct >= 95).map(([k]) => SYSTEMS[k].short);
      if (busy.length) {
        notes.push(
          `Core 1 (wrk's) was at least 95% busy (median over the rounds) against ${busy.join(", ")}: there the client ` +
            "(or another process on its core), not the server, may have set the pace, so compare those rows by server CPU " +
            "per request rather than by requests/s.",
        );
      }
    }
    const all = Object.values(rows);
    const lo = metric === "mbps" ? "mbpsMin" : "rpsMin";
    const hi = metric === "mbps" ? "mbpsMax" : "rpsMax";
    const spread = all.map((r) => (r[hi] - r[lo]) / r[metric]).filter(Number.isFinite);
    const repeats = all.reduce((a, r) => a + r.retried, 0);
    notes.push(
      `Noise: ${nRounds > 1 ? `the widest min–max spread of a row is ${(100 * Math.max(...spread)).toFixed(0)}% of its median; ` : ""}` +
        `other processes of this machine used at most ${Math.max(...all.map((r) => r.foreignPctMax)).toFixed(0)}% ` +
        `of core 0 during a kept run` +
        (repeats ? `, and ${repeats} kept run(s) replace runs where they used more than ${NOISY_PCT}%` : "") +
        `. The rest of the variation comes from the shared host.`,
    );
    for (const n of notes) lines.push(`- ${n}`);
    if (notes.length) lines.push("");
  }
  const counted = Object.entries(sessions).filter(([k]) => scenario.systems.includes(k));
  if (counted.length) {
    lines.push(
      "TLS sessions each server counted over the whole scenario (checks, warm-up and every run): " +
        counted.map(([k, c]) => `${SYSTEMS[k].short} ${fmtInt(c.handshakes)} handshakes, ${fmtInt(c.resumed)} resumed`).join("; ") +
        ".",
    );
    lines.push("");
  }
  lines.push(`<!-- /scenario:${scenario.name} -->`);
  return lines.join("\n");
}

const FILE_HEAD = `# Benchmark results

Generated by \`node bench/run.mjs\` (\`npm run bench\`); see [README.md](README.md)
for what each figure means. Each scenario section below is rewritten when that
scenario is run again, with its chart in [charts/](charts/); the others (and
sections written by other scripts, such as \`soak\`) are kept.

Method: every server runs pinned to core 0 and \`wrk -t1\` (or, for the
100 MB file, \`curl\`) to core 1, all systems of a scenario in the same run
with their rounds interleaved, and we report the median requests/s (MB/s) with
min–max, the median p50/p99 latency, the server's CPU time per request (per GB)
(utime+stime from /proc) and its resident memory. The machine is shared, so
compare the ratios and CPU per request between rows of one table, not absolute
numbers between runs.
`;

/** Writes (or replaces) this scenario's section, keeping every other section. */
export function writeResults(file, scenario, section) {
  let sections = [];
  if (existsSync(file)) {
    const text = readFileSync(file, "utf8");
    const re = /<!-- scenario:([\w-]+) -->[\s\S]*?<!-- \/scenario:\1 -->/g;
    sections = [...text.matchAll(re)].map((m) => ({ name: m[1], text: m[0] }));
  }
  const i = sections.findIndex((s) => s.name === scenario.name);
  if (i >= 0) sections[i] = { name: scenario.name, text: section };
  else sections.push({ name: scenario.name, text: section });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${FILE_HEAD}\n${sections.map((s) => s.text).join("\n\n")}\n`);
}
