// `npm test`: compile src and test with tsc, then run the test files with
// node's test runner under c8, and print a short summary.
//
//   npm test                                  every build/test/**/*.test.js, coverage checked
//   npm test -- build/test/cli/main.test.js   chosen files (test/…/x.test.ts works too);
//                                             coverage shown, not checked
//   npm test -- --test-name-pattern=431       arguments starting with - go to node (coverage
//                                             then not checked either)
//   TEST_PROFILE=1 npm test                   also a table of each file's wall time, CPU
//                                             time (its own and its child processes') and
//                                             time in timers of 100 ms or more
//
// Strategy: scripts/test-run.mjs runs the files, TEST_CONCURRENCY at a time
// (by default one more than cores, at least 3: much of the suite waits on sockets,
// child processes and Chromium), slowest first: the order is that of each
// file's duration in the last full run (kept in
// node_modules/.cache/http.server/test-times.json), or, before any run, the
// files of SLOW_FIRST, then the rest by name. Passing tests print nothing, a
// failure prints at once in full (scripts/test-reporter.mjs). c8 measures
// line coverage of src/ and fails the run below COVERAGE_LINES %. Then this
// script prints the skips with their reasons, the slowest tests and files,
// the coverage, and last a line `tests: N passed, N failed, N skipped` (CI
// reads it); it exits non-zero on any failure or a coverage miss.
// TEST_REPORTER=spec gives node's full per-test listing instead.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { availableParallelism } from "node:os";

/** The line-coverage floor of src/ for the full run. */
const COVERAGE_LINES = 95;
const BUILD = "build";
const SUMMARY = join(BUILD, "test-summary.json");
const COVERAGE_DIR = join(BUILD, "coverage");
/** Each file's duration in the last full run (ms), to start the slowest first. */
const TIMES = join("node_modules", ".cache", "http.server", "test-times.json");
/** Before any run has been timed: files known to take longest, started first. */
const SLOW_FIRST = [
  "deploy/dockerfile",
  "e2e/share",
  "cli/main",
  "protocol/request-head",
  "server/workers",
  "e2e/spa",
  "e2e/upload",
  "security/connections",
  "protocol/chunked",
  "server/http2-rfc9113",
  "protocol/properties",
  "cli/workers",
  "static/webapp",
  "e2e/http2",
  "static/simple-handler",
];
const HERE = dirname(fileURLToPath(import.meta.url));

const started = Date.now();

const run = (cmd, args, options = {}) => {
  const r = spawnSync(cmd, args, { stdio: "inherit", ...options });
  if (r.error) throw r.error;
  return r.status ?? 1;
};

// `node --test` sets FORCE_COLOR=1 in its test processes when run from a
// terminal, which (as in Python 3.15, gh-146292) would colour the servers'
// log lines that tests compare byte for byte; PYTHON_COLORS=0 is checked first.
process.env.PYTHON_COLORS = "0";

/** Every *.test.js under `dir`, sorted (helpers and fixtures are not test files). */
function testFiles(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".test.js")) found.push(join(entry.parentPath ?? entry.path, entry.name));
  }
  return found.sort();
}

/** `test/a/b.test.ts` → `build/test/a/b.test.js`; anything else as given. */
const compiled = (file) => (/^test\/.*\.ts$/.test(file) ? join(BUILD, file.replace(/\.ts$/, ".js")) : file);

const args = process.argv.slice(2);
const nodeFlags = args.filter((a) => a.startsWith("-"));
const chosen = args.filter((a) => !a.startsWith("-")).map(compiled);
/** The whole suite, unfiltered: only then is the coverage floor checked. */
const full = chosen.length === 0 && nodeFlags.length === 0;

rmSync(BUILD, { recursive: true, force: true });
for (const project of ["tsconfig.test.json", "tsconfig.json"]) {
  if (run("npx", ["tsc", "-p", project]) !== 0) {
    console.log(`tsc -p ${project} failed: nothing was tested`);
    process.exit(1);
  }
}
mkdirSync(BUILD, { recursive: true });
const files = chosen.length === 0 ? testFiles(join(BUILD, "test")) : chosen;
for (const f of files) {
  if (!existsSync(f)) {
    console.log(`no such test file: ${f}`);
    process.exit(1);
  }
}

/** The files, slowest first (see the strategy above). */
function slowestFirst(list) {
  let times = {};
  try {
    times = JSON.parse(readFileSync(TIMES, "utf8"));
  } catch {
    // No full run timed yet: SLOW_FIRST's order.
  }
  const rank = (f) => {
    const known = times[relative(BUILD, f)];
    if (known !== undefined) return -known;
    const i = SLOW_FIRST.findIndex((s) => f.endsWith(`/${s}.test.js`));
    return i === -1 ? 0 : -1e9 + i;
  };
  return list.map((f) => [rank(f), f]).sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1)).map(([, f]) => f);
}

// One file more than cores: a file spends part of its time waiting on sockets,
// child processes and browsers, and with one per core the 2-core machine
// this is developed on stayed ~12 % idle (139 s; with 3 at once, 120 s).
const concurrency = Number(process.env.TEST_CONCURRENCY ?? Math.max(3, availableParallelism() + 1));
const spec = process.env.TEST_REPORTER === "spec";
const profile = process.env.TEST_PROFILE !== undefined && process.env.TEST_PROFILE !== "" && process.env.TEST_PROFILE !== "0";
const PROFILE = join(BUILD, "test-profile.jsonl");
const profileFlags = profile ? ["--import", join(HERE, "test-profile.mjs")] : [];

const c8 = [
  "c8",
  "--reporter=json-summary",
  ...(spec ? ["--reporter=text"] : []),
  `--reports-dir=${COVERAGE_DIR}`,
  "--include=src/**",
  "--exclude-after-remap",
  ...(full ? ["--check-coverage", `--lines=${COVERAGE_LINES}`] : []),
];
const status = run("npx", [...c8, "node", ...profileFlags, ...nodeFlags, join(HERE, "test-run.mjs"), ...slowestFirst(files)], {
  env: {
    ...process.env,
    TEST_CONCURRENCY: String(concurrency),
    HTTP_SERVER_TEST_SUMMARY: spec ? "" : SUMMARY,
    HTTP_SERVER_TEST_PROFILE: profile ? PROFILE : "",
  },
});

// ---- the summary -------------------------------------------------------------

const out = [];
let summary = null;
if (!spec) {
  try {
    summary = JSON.parse(readFileSync(SUMMARY, "utf8"));
  } catch {
    out.push(`the test reporter wrote no summary (${SUMMARY}): the test run itself broke; see above`);
  }
}
if (summary !== null) {
  const { counts, failures, skips, todos, slowest, slowestFiles } = summary;
  const unmatched = skips.filter((s) => s.reason === "test name does not match pattern");
  // One line per reason: a reason shared by many rows (a fixture table's
  // "does not apply" rows) is counted, with its first test named.
  const byReason = new Map();
  for (const s of skips) if (!unmatched.includes(s)) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s]);
  for (const [reason, group] of byReason) {
    const first = group[0];
    out.push(group.length === 1 ? `skipped: ${first.name} (${first.where}): ${reason}` : `skipped: ${group.length} tests, e.g. ${first.name} (${first.where}): ${reason}`);
  }
  if (unmatched.length > 0) out.push(`skipped: ${unmatched.length} tests whose name does not match the pattern`);
  for (const s of todos) out.push(`todo: ${s.name} (${s.where}): ${s.reason}`);
  if (slowest.length > 0) {
    out.push("slowest tests:", ...slowest.map((s) => `  ${(s.ms / 1000).toFixed(1).padStart(5)} s  ${s.name} (${s.where})`));
    out.push(`slowest files: ${slowestFiles.map((s) => `${s.file} ${(s.ms / 1000).toFixed(1)} s`).join(", ")}`);
  }
  for (const f of failures) out.push(`FAILED: ${f.name} (${f.where})`);
  if (full) {
    const times = Object.fromEntries(summary.files.map((f) => [relative(BUILD, f.file), Math.round(f.ms)]));
    mkdirSync(dirname(TIMES), { recursive: true });
    writeFileSync(TIMES, JSON.stringify(times, null, 1) + "\n");
  }
  summary.line = `tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
  if (counts.cancelled > 0) out.push(`(${counts.cancelled} of the failed were cancelled: a timeout, or their file crashed)`);
}

/** TEST_PROFILE's table: one row per file, longest wall time first, and the longest timer waits. */
function profileTable() {
  let rows;
  try {
    rows = readFileSync(PROFILE, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  } catch {
    return [`profile: no ${PROFILE}`];
  }
  rows.sort((a, b) => b.wallMs - a.wallMs);
  const s = (ms) => (ms / 1000).toFixed(1).padStart(6);
  const sum = (k) => rows.reduce((t, r) => t + r[k], 0);
  const lines = ["profile (seconds):   wall    cpu  child  timers  file"];
  for (const r of rows) lines.push(`                   ${s(r.wallMs)} ${s(r.cpuMs)} ${s(r.childCpuMs)} ${s(r.timerMs)}  ${relative(join(BUILD, "test"), r.file)}`);
  lines.push(`             total ${s(sum("wallMs"))} ${s(sum("cpuMs"))} ${s(sum("childCpuMs"))} ${s(sum("timerMs"))}`);
  const waits = rows.flatMap((r) => r.sites.map((w) => ({ ...w, file: relative(join(BUILD, "test"), r.file) })));
  waits.sort((a, b) => b.ms - a.ms);
  lines.push("longest timer waits (total per place they were set):");
  for (const w of waits.slice(0, 15)) lines.push(`  ${s(w.ms)} s  ${w.count} × at ${w.where} (${w.file})`);
  return lines;
}

// Coverage of src/ (lines, statements, branches, functions), from c8's JSON summary.
let coverageMiss = false;
try {
  const cov = JSON.parse(readFileSync(join(COVERAGE_DIR, "coverage-summary.json"), "utf8"));
  const pct = (k) => `${k} ${cov.total[k].pct}%`;
  const checked = full ? `, floor ${COVERAGE_LINES}% lines` : " (part of the suite: not checked)";
  out.push(`coverage of src/: ${["lines", "statements", "branches", "functions"].map(pct).join(", ")}${checked}`);
  if (full && cov.total.lines.pct < COVERAGE_LINES) {
    coverageMiss = true;
    const low = Object.entries(cov)
      .filter(([k]) => k !== "total")
      .map(([file, c]) => [relative(process.cwd(), file), c.lines])
      .sort((a, b) => a[1].pct - b[1].pct)
      .slice(0, 8);
    out.push(`COVERAGE MISS: lines ${cov.total.lines.pct}% < ${COVERAGE_LINES}%; least covered: ${low.map(([f, l]) => `${f} ${l.pct}%`).join(", ")}`);
  }
} catch {
  out.push("coverage: c8 wrote no summary");
}
if (profile) out.push(...profileTable());
out.push(`time: ${((Date.now() - started) / 1000).toFixed(1)} s (compile included)`);
if (summary !== null) out.push(summary.line);
console.log("\n" + out.join("\n"));

const failed = status !== 0 || (!spec && summary === null) || summary.counts.failed > 0 || coverageMiss;
process.exit(failed ? (status !== 0 ? status : 1) : 0);
