// scripts/runtimes.mjs: the JavaScript runtimes the runtime smoke suites and
// bench/runtimes.mjs run on — Node.js 20, 22 and 24, Bun and Deno — installed
// from the npm registry (the `node` package's platform binaries, and the
// `bun` and `deno` packages), never assumed to be on the machine.
//
// Each runtime is installed once into its own folder of a cache outside the
// work tree (`npm ci` empties node_modules/), by default
// ~/.cache/http.server-runtimes/<name>/, or $HTTP_SERVER_RUNTIMES_DIR; a
// later run finds the binary there and makes no network request. The
// machine's own Node.js stands in for the Node.js of its major version.
//
//   node scripts/runtimes.mjs [name ...]   install (default: all) and print each binary
//
// Names: node20, node22, node24, bun, deno; node20.18 (for the package test).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** name → npm package spec, and the binary inside its install folder. */
export const RUNTIMES = {
  node20: { spec: "node@20", bin: "node_modules/node/bin/node", major: 20 },
  node22: { spec: "node@22", bin: "node_modules/node/bin/node", major: 22 },
  node24: { spec: "node@24", bin: "node_modules/node/bin/node", major: 24 },
  bun: { spec: "bun@1", bin: "node_modules/.bin/bun" },
  deno: { spec: "deno@2", bin: "node_modules/.bin/deno" },
  // The last Node.js 20 without require() of ES modules: only the package
  // test uses it, to check the error require() gives there.
  "node20.18": { spec: "node@20.18.3", bin: "node_modules/node/bin/node", major: 20.18, extra: true },
};

/** The runtimes the smoke suites and the benchmark run on (not the extra ones). */
export const MAIN_RUNTIMES = Object.keys(RUNTIMES).filter((name) => !RUNTIMES[name].extra);

export const CACHE = process.env.HTTP_SERVER_RUNTIMES_DIR || join(homedir(), ".cache", "http.server-runtimes");

/** The machine's Node.js major version. */
const OWN_MAJOR = Number(process.versions.node.split(".")[0]);

/**
 * The binary of runtime `name`, installing it first if it is not cached.
 * Returns `{ name, bin, version }`; throws with npm's output on failure.
 */
export function ensureRuntime(name) {
  const rt = RUNTIMES[name];
  if (rt === undefined) throw new Error(`unknown runtime ${name} (known: ${Object.keys(RUNTIMES).join(", ")})`);
  if (rt.major === OWN_MAJOR) return { name, bin: process.execPath, version: process.version, own: true };
  const dir = join(CACHE, name);
  const bin = join(dir, rt.bin);
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "package.json"), '{ "private": true }\n');
    const r = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error", "--prefix", dir, rt.spec], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (r.status !== 0 || !existsSync(bin)) {
      throw new Error(`npm install ${rt.spec} failed (status ${r.status}):\n${r.stdout}${r.stderr}`);
    }
  }
  const v = spawnSync(bin, ["--version"], { encoding: "utf8" });
  if (v.status !== 0) throw new Error(`${bin} --version failed: ${v.stderr}`);
  return { name, bin, version: v.stdout.split("\n")[0].trim(), own: false };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(RUNTIMES);
  for (const name of names) {
    const rt = ensureRuntime(name);
    console.log(`${name}\t${rt.version}\t${rt.bin}`);
  }
}
