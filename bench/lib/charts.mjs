// bench/lib/charts.mjs: SVG charts of a scenario.
// Part of bench/run.mjs (see there and bench/README.md), split along its section headings.

import { writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fmtInt, median, metricOf } from "./report.mjs";
import { OURS, SYSTEMS } from "./scenarios.mjs";

const escapeXml = (t) => String(t).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/**
 * One SVG chart for a scenario's first load: a horizontal bar per system
 * (median requests/s, MB/s, ms or MiB) with a min–max whisker when there
 * were several rounds; our rows in a darker colour. No dependencies: plain SVG text.
 */
function chartSvg(scenario, load, rows, meta) {
  const metric = metricOf(load);
  const keys = scenario.systems.filter((k) => rows[k] && Number.isFinite(rows[k][metric]));
  const unit = { rps: load.per === "handshake" ? "handshakes/s" : "requests/s", mbps: "MB/s", ms: "ms to first answer", rssLoadKiB: "MiB RSS with the connections" }[metric];
  const better = metric === "ms" || metric === "rssLoadKiB" ? "lower is better" : "higher is better";
  const value = (r) => (metric === "rssLoadKiB" ? r.rssLoadKiB / 1024 : r[metric]);
  const lo = (r) => ({ rps: r.rpsMin, mbps: r.mbpsMin, ms: r.msMin })[metric];
  const hi = (r) => ({ rps: r.rpsMax, mbps: r.mbpsMax, ms: r.msMax })[metric];
  const max = Math.max(...keys.map((k) => Math.max(value(rows[k]), hi(rows[k]) ?? 0)), 1e-9);
  const labelW = 150;
  const barW = 420;
  const rowH = 26;
  const top = 48;
  const width = labelW + barW + 120;
  const height = top + keys.length * rowH + 30;
  const x = (v) => labelW + (barW * v) / max;
  const fmt = (v) => (metric === "rssLoadKiB" ? v.toFixed(1) : metric === "ms" ? v.toFixed(0) : fmtInt(v));
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(`<text x="10" y="18" font-size="14" font-weight="bold">${escapeXml(`${scenario.name}: ${scenario.title}`)}</text>`);
  out.push(
    `<text x="10" y="36" fill="#555">${escapeXml(`median ${unit} (${better}), whiskers min–max over ${Math.max(...keys.map((k) => rows[k].rounds))} round(s); ${meta.date}${meta.smoke ? ", SMOKE RUN" : ""}`)}</text>`,
  );
  keys.forEach((k, i) => {
    const r = rows[k];
    const y = top + i * rowH;
    const ours = OURS.includes(k) || k.startsWith("ours");
    out.push(`<text x="${labelW - 8}" y="${y + 16}" text-anchor="end"><title>${escapeXml(SYSTEMS[k].label.replace(/`/g, ""))}</title>${escapeXml(SYSTEMS[k].short)}</text>`);
    out.push(`<rect x="${labelW}" y="${y + 4}" width="${Math.max(1, x(value(r)) - labelW).toFixed(1)}" height="${rowH - 8}" fill="${ours ? "#2b6cb0" : "#a0aec0"}"/>`);
    if (r.rounds > 1 && lo(r) !== undefined) {
      const cy = y + rowH / 2;
      out.push(`<path d="M${x(lo(r)).toFixed(1)} ${cy}H${x(hi(r)).toFixed(1)}M${x(lo(r)).toFixed(1)} ${cy - 5}V${cy + 5}M${x(hi(r)).toFixed(1)} ${cy - 5}V${cy + 5}" stroke="#1a202c" fill="none"/>`);
    }
    out.push(`<text x="${(Math.max(x(value(r)), hi(r) !== undefined && r.rounds > 1 ? x(hi(r)) : 0) + 6).toFixed(1)}" y="${y + 16}">${fmt(value(r))}</text>`);
  });
  out.push(`<line x1="${labelW}" y1="${top}" x2="${labelW}" y2="${top + keys.length * rowH}" stroke="#1a202c"/>`);
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

/** Writes the scenario's chart next to the report (`charts/<scenario>.svg`) and returns its path relative to the report. */
export function writeChart(reportFile, scenario, results, meta) {
  const load = scenario.loads[0];
  const rows = results[load.name];
  if (!rows || Object.keys(rows).length === 0) return null;
  const dir = join(dirname(reportFile), "charts");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${scenario.name}.svg`);
  writeFileSync(file, chartSvg(scenario, load, rows, meta));
  return relative(dirname(reportFile), file);
}
