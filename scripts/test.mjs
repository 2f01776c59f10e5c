// `npm test`: compile src and test with tsc, then run every test file with
// node's test runner under c8, which reports line coverage of src/ and fails
// below the threshold.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.error) throw r.error;
  if (r.status !== 0) process.exit(r.status ?? 1);
};

// `node --test` sets FORCE_COLOR=1 in its test processes when run from a
// terminal, which (as in Python 3.15, gh-146292) would colour the servers'
// log lines that tests compare byte for byte; PYTHON_COLORS=0 is checked first.
process.env.PYTHON_COLORS = "0";

rmSync("build", { recursive: true, force: true });
run("npx", ["tsc", "-p", "tsconfig.test.json"]);
run("npx", ["tsc", "-p", "tsconfig.json"]);
const files = process.argv.slice(2);
run("npx", [
  "c8",
  "--reporter=text-summary",
  "--reporter=text",
  "--include=src/**",
  "--exclude-after-remap",
  "--check-coverage",
  "--lines=90",
  "node",
  "--test",
  "--test-reporter=spec",
  ...(files.length > 0 ? files : ["build/test/"]),
]);
