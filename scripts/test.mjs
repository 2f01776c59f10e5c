// `npm test`: compile src and test with tsc, then run every test file with
// node's test runner under c8, which reports line coverage of src/ and fails
// below the threshold.
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.error) throw r.error;
  if (r.status !== 0) process.exit(r.status ?? 1);
};

rmSync("build", { recursive: true, force: true });
run("npx", ["tsc", "-p", "tsconfig.test.json"]);
run("npx", ["tsc", "-p", "tsconfig.json"]);
// Every build/test/**/*.test.js by name: Node.js 22+ reads `node --test DIR`
// as a file pattern, not a folder to search, so a folder would run nothing.
const allTests = () =>
  readdirSync("build/test", { recursive: true })
    .filter((f) => f.endsWith(".test.js"))
    .sort()
    .map((f) => `build/test/${f}`);
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
  ...(files.length > 0 ? files : allTests()),
]);
