// `npm test`: compile src and test with tsc, then run the test files with
// node's test runner under c8, and print a short summary.
//
//   npm test                                  every build/test/**/*.test.js, coverage checked
//   npm test -- build/test/cli/main.test.js   chosen files (test/…/x.test.ts works too);
//                                             coverage shown, not checked
//   npm test -- --test-name-pattern=431       arguments starting with - go to node (coverage
//                                             then not checked either)
//
// Strategy: node runs the files, several at a time (TEST_CONCURRENCY; by
// default one per core, at least 2: much of the suite waits on sockets and
// child processes, and more at once makes timing-bound tests flaky on a busy
// machine),
// with the quiet reporter in scripts/test-reporter.mjs: passing tests print
// nothing, a failure prints at once in full. c8 measures line coverage of
// src/ and fails the run below COVERAGE_LINES %. Then this script prints the
// skips with their reasons, the slowest tests, the coverage, and last a line
// `tests: N passed, N failed, N skipped` (CI reads it); it exits non-zero on
// any failure or a coverage miss. TEST_REPORTER=spec gives node's full
// per-test listing instead.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, mkdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { availableParallelism } from "node:os";

/** The line-coverage floor of src/ for the full run. */
const COVERAGE_LINES = 95;
const BUILD = "build";
const SUMMARY = join(BUILD, "test-summary.json");
const COVERAGE_DIR = join(BUILD, "coverage");

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

// --test-concurrency exists from Node 20.10 / 21.
const [major, minor] = process.versions.node.split(".").map(Number);
const concurrency = Number(process.env.TEST_CONCURRENCY ?? Math.max(2, availableParallelism()));
const concurrencyFlag = major > 20 || (major === 20 && minor >= 10) ? [`--test-concurrency=${concurrency}`] : [];
const spec = process.env.TEST_REPORTER === "spec";
const reporter = spec ? ["--test-reporter=spec"] : [`--test-reporter=${join(dirname(fileURLToPath(import.meta.url)), "test-reporter.mjs")}`];

const c8 = [
  "c8",
  "--reporter=json-summary",
  ...(spec ? ["--reporter=text"] : []),
  `--reports-dir=${COVERAGE_DIR}`,
  "--include=src/**",
  "--exclude-after-remap",
  ...(full ? ["--check-coverage", `--lines=${COVERAGE_LINES}`] : []),
];
const status = run("npx", [...c8, "node", "--test", ...concurrencyFlag, ...reporter, ...nodeFlags, ...files], {
  env: { ...process.env, HTTP_SERVER_TEST_SUMMARY: spec ? "" : SUMMARY },
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
  summary.line = `tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
  if (counts.cancelled > 0) out.push(`(${counts.cancelled} of the failed were cancelled: a timeout, or their file crashed)`);
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
out.push(`time: ${((Date.now() - started) / 1000).toFixed(1)} s (compile included)`);
if (summary !== null) out.push(summary.line);
console.log("\n" + out.join("\n"));

const failed = status !== 0 || (!spec && summary === null) || summary.counts.failed > 0 || coverageMiss;
process.exit(failed ? (status !== 0 ? status : 1) : 0);
