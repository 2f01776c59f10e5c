// A quiet node:test reporter for `npm test` (scripts/test.mjs).
//
// Strategy: passing tests print nothing. A failing test prints at once, in
// full: its name (with its parents' names), file and line, and the error with
// its assertion diff and stack; then whatever its file wrote to stdout/stderr
// (bounded). Everything else is counted and written as JSON to the file named
// by $HTTP_SERVER_TEST_SUMMARY (counts, failures' names, skips and todos with
// their reasons, the slowest tests, every file's duration), so that
// scripts/test.mjs can print the summary after c8's coverage and end with the
// one line CI reads. Counting follows node's own summary: every test and
// subtest counts, suites do not; a test whose subtests failed counts as failed.
// Without $HTTP_SERVER_TEST_SUMMARY, the summary is printed at the end instead.
import { writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { inspect } from "node:util";

/** Lines of a failing file's own output shown with its failures. */
const OUTPUT_LINES = 60;
/** How many of the slowest tests the summary names. */
const SLOWEST = 5;

const where = (data) => {
  const file = data.file === undefined ? "?" : relative(process.cwd(), data.file);
  return data.line === undefined ? file : `${file}:${data.line}`;
};

/** The error as the spec reporter shows it: message (with the assertion diff), stack, extra fields. */
function describeError(error) {
  if (error === undefined || error === null) return "(no error)";
  const cause = error.failureType === "testCodeFailure" && error.cause !== undefined ? error.cause : error;
  const text = cause instanceof Error ? inspect(cause, { depth: 4, colors: false }) : inspect(cause);
  // The test runner's own frames say nothing about the test.
  return text.replace(/^\s+at (?:.* \()?node:(?:internal|async_hooks)[^\n]*\n?/gm, "");
}

/** The event of a file as a whole (its name is the path as given, its file the absolute path). */
const isFile = (data) => data.nesting === 0 && data.file !== undefined && data.name !== undefined && resolve(data.name) === data.file;

const indent = (text, by = "    ") => text.replace(/^(?=.)/gm, by);

export default async function* quietReporter(source) {
  const counts = { tests: 0, passed: 0, failed: 0, skipped: 0, todo: 0, cancelled: 0 };
  const failures = [];
  const skips = [];
  const todos = [];
  const durations = [];
  /** Per file: names of the tests open at each nesting level. */
  const stacks = new Map();
  /** Per file: what it wrote (stdout, stderr, diagnostics), kept for files that fail. */
  const output = new Map();
  /** Per file: wall time of the file as a whole. */
  const fileTimes = [];
  const failedFiles = new Set();

  const stackOf = (file) => {
    let s = stacks.get(file);
    if (s === undefined) stacks.set(file, (s = []));
    return s;
  };
  const fullName = (data) => {
    const parents = stackOf(data.file).slice(0, data.nesting);
    return [...parents, data.name].join(" > ");
  };
  const remember = (file, text) => {
    if (file === undefined) return;
    let lines = output.get(file);
    if (lines === undefined) output.set(file, (lines = []));
    lines.push(...text.replace(/\n$/, "").split("\n"));
    if (lines.length > OUTPUT_LINES * 4) lines.splice(0, lines.length - OUTPUT_LINES * 2);
  };

  for await (const event of source) {
    const data = event.data ?? {};
    switch (event.type) {
      case "test:start": {
        const s = stackOf(data.file);
        s.length = data.nesting;
        s[data.nesting] = data.name;
        break;
      }
      case "test:pass":
      case "test:fail": {
        const isFileWrapper = isFile(data);
        if (isFileWrapper && event.type === "test:pass") break; // a file without tests of its own: not a test
        if (data.details?.type === "suite") {
          if (event.type === "test:fail" && data.details?.error?.failureType !== "subtestsFailed") {
            // A suite that failed by itself (a hook, an error while declaring it): report it.
            failedFiles.add(data.file);
            const name = fullName(data);
            failures.push({ name, where: where(data) });
            yield `\n✖ FAILED (suite): ${name}\n  at ${where(data)}\n${indent(describeError(data.details?.error))}\n`;
          }
          break;
        }
        counts.tests++;
        const name = fullName(data);
        const ms = data.details?.duration_ms ?? 0;
        if (!isFileWrapper) durations.push({ name, where: where(data), ms, nesting: data.nesting });
        if (event.type === "test:pass") {
          if (data.skip !== undefined && data.skip !== false) {
            counts.skipped++;
            skips.push({ name, where: where(data), reason: data.skip === true ? "(no reason given)" : String(data.skip) });
          } else if (data.todo !== undefined && data.todo !== false) {
            counts.todo++;
            todos.push({ name, where: where(data), reason: data.todo === true ? "(no reason given)" : String(data.todo) });
          } else {
            counts.passed++;
          }
          break;
        }
        if (data.todo !== undefined && data.todo !== false) {
          // A failing todo test does not fail the run (node's rule).
          counts.todo++;
          todos.push({ name, where: where(data), reason: `${data.todo === true ? "" : data.todo + "; "}failing` });
          break;
        }
        const error = data.details?.error;
        if (error?.failureType === "cancelledByParent") counts.cancelled++;
        counts.failed++;
        failedFiles.add(data.file);
        // A parent that failed only because a subtest did says nothing new.
        if (error?.failureType === "subtestsFailed") break;
        failures.push({ name, where: where(data) });
        yield `\n✖ FAILED: ${name}\n  at ${where(data)} (${ms.toFixed(0)} ms)\n${indent(describeError(error))}\n`;
        break;
      }
      case "test:complete":
        if (isFile(data)) fileTimes.push({ file: where({ file: data.file }), ms: data.details?.duration_ms ?? 0 });
        break;
      case "test:stdout":
      case "test:stderr":
        remember(data.file, data.message ?? "");
        break;
      case "test:diagnostic":
        // The root's own totals carry no file; a test's t.diagnostic() does.
        if (data.file !== undefined) remember(data.file, `# ${data.message}`);
        break;
      default:
        break;
    }
  }

  // The output of each file that failed, after all its failures.
  for (const file of failedFiles) {
    const lines = output.get(file);
    if (lines === undefined || lines.length === 0) continue;
    const shown = lines.slice(-OUTPUT_LINES);
    const cut = lines.length > shown.length ? ` (last ${shown.length} lines)` : "";
    yield `\n--- output of ${where({ file })}${cut} ---\n${shown.join("\n")}\n---\n`;
  }

  durations.sort((a, b) => b.ms - a.ms);
  fileTimes.sort((a, b) => b.ms - a.ms);
  const summary = {
    counts,
    failures,
    skips,
    todos,
    slowest: durations.filter((d) => d.nesting === 0).slice(0, SLOWEST),
    slowestFiles: fileTimes.slice(0, SLOWEST),
    files: fileTimes,
  };
  const target = process.env.HTTP_SERVER_TEST_SUMMARY;
  if (target !== undefined && target !== "") {
    writeFileSync(target, JSON.stringify(summary, null, 2) + "\n");
  } else {
    for (const s of skips) if (s.reason !== "test name does not match pattern") yield `skipped: ${s.name} (${s.where}): ${s.reason}\n`;
    yield `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`;
  }
}
