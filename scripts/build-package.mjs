// scripts/build-package.mjs: the build npm runs on `npm install` in the
// clone and before `npm pack` / `npm publish` (the `prepare` script): dist/
// from a clean slate, without source maps. The maps tsc writes for
// development point at src/*.ts, which the package does not ship, so a
// published build carries none (and no `sourceMappingURL` comments).
// `npm test` and `npx tsc -p tsconfig.json` still write maps for local
// profiling (bench/profile.mjs).
//
// Then the CommonJS declarations: `require("http.server")` loads
// dist/index.cjs, which hands over the ES modules themselves (require() of ES
// modules), so the types are the same; but TypeScript's `node16` mode
// refuses a CommonJS declaration file that re-exports an ES one (TS1479).
// So every dist/**/*.d.ts gets a CommonJS twin, *.d.cts, whose relative
// imports name `.cjs` files: a self-contained declaration tree for `require`.
// Only declarations: there is one copy of the code (no second build).
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
rmSync(join(root, "dist"), { recursive: true, force: true });
// The project's own tsc, by path: under `npm install -g .`, npx would look
// for a global one.
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json", "--sourceMap", "false", "--declarationMap", "false"], {
  stdio: "inherit",
  cwd: root,
});
if (r.status !== 0) process.exit(r.status ?? 1);

const dist = join(root, "dist");
const RELATIVE_JS = /((?:from |import\()["'])(\.{1,2}\/[^"']+)\.js(["'])/g;
for (const entry of readdirSync(dist, { recursive: true })) {
  if (!entry.endsWith(".d.ts")) continue;
  const text = readFileSync(join(dist, entry), "utf8");
  writeFileSync(join(dist, entry.replace(/\.d\.ts$/, ".d.cts")), text.replace(RELATIVE_JS, "$1$2.cjs$3"));
}
