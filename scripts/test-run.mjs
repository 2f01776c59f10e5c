// The test runner process of `npm test` (scripts/test.mjs starts it under c8):
// runs the test files it is given, in the order given, N at a time.
//
//   node [node flags] scripts/test-run.mjs FILE...
//
// Strategy: `node --test FILE...` sorts its files by name before it starts
// them, so a slow file that sorts last starts last and the run ends with one
// runner busy and the others idle. node:test's run() keeps the order it is
// given, so scripts/test.mjs passes the slowest files first and the short
// ones fill in behind them. Node flags given to this process (e.g.
// --test-name-pattern, --import) reach every test file's process, as with
// `node --test`. TEST_CONCURRENCY files run at once (default 2); the events go
// to the quiet reporter (scripts/test-reporter.mjs), or to node's spec
// reporter with TEST_REPORTER=spec.
import { run } from "node:test";
import { spec } from "node:test/reporters";
import quiet from "./test-reporter.mjs";

const files = process.argv.slice(2);
const concurrency = Number(process.env.TEST_CONCURRENCY ?? 2);
const reporter = process.env.TEST_REPORTER === "spec" ? spec : quiet;

const stream = run({ files, concurrency });
stream.on("test:fail", (data) => {
  if (data.todo === undefined || data.todo === false) process.exitCode = 1;
});
stream.compose(reporter).pipe(process.stdout);
