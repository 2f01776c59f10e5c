// bench/lib/args.mjs: the command-line arguments of bench/run.mjs.
// Part of bench/run.mjs (see there and bench/README.md), split along its section headings.

import { SCENARIOS, SYSTEMS } from "./scenarios.mjs";

export function parseArgs(argv) {
  const opts = { scenario: null, duration: null, rounds: null, smoke: false, only: null, out: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    const flag = a.split("=")[0];
    if (flag === "--scenario") opts.scenario = value();
    else if (flag === "--duration") opts.duration = positiveInt(flag, value());
    else if (flag === "--rounds") opts.rounds = positiveInt(flag, value());
    else if (flag === "--only") opts.only = value().split(",").filter(Boolean);
    else if (flag === "--out") opts.out = value();
    else if (flag === "--smoke") opts.smoke = true;
    else if (flag === "--charts") opts.charts = true;
    else if (flag === "-h" || flag === "--help") usage(null);
    else usage(`unknown argument ${a}`);
  }
  if (opts.smoke) {
    opts.duration = 1;
    opts.rounds = 1;
  }
  return opts;
}

function positiveInt(flag, v) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) usage(`${flag} must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

export function usage(error) {
  const text =
    "usage: node bench/run.mjs [--scenario NAME,...] [--duration SECONDS] [--rounds N]\n" +
    "                          [--only SYSTEM,...] [--smoke] [--out FILE] [--charts]\n" +
    "  --charts: only redraw bench/charts/*.svg from the last run's bench/out/<scenario>.json\n" +
    `scenarios: ${SCENARIOS.map((s) => s.name).join(", ")}\n` +
    `systems: ${Object.keys(SYSTEMS).join(", ")}\n`;
  if (error) {
    process.stderr.write(`run.mjs: ${error}\n${text}`);
    process.exit(2);
  }
  process.stdout.write(text);
  process.exit(0);
}
