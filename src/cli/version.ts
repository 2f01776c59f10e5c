/**
 * `http.server --version`: the package's version and the JavaScript runtime
 * running it (`http.server 0.2.0 (Node.js v22.12.0)`, `(Bun 1.2.0)`,
 * `(Deno 2.1.0)`).
 *
 * Strategy: the version is read from the package's own package.json, found by
 * walking up from this module's folder (it is `dist/cli/` when installed and
 * `build/src/cli/` under the tests), so it can never drift from what npm
 * installed. The runtime comes from `runtime.ts`.
 */

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runtime } from "../runtime.js";

/** The package's name, as in package.json. */
const PACKAGE_NAME = "http.server";

/** The version in this package's package.json, or `"unknown"` when it cannot be found. */
export function packageVersion(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === "string") return pkg.version;
    } catch {
      // No package.json here (or not ours): keep walking up.
    }
    const parent = dirname(dir);
    if (parent === dir) return "unknown";
    dir = parent;
  }
}

/** The runtime running this process: `Node.js v20.19.0`, `Bun 1.2.0`, `Deno 2.1.0`. */
export function runtimeName(versions: NodeJS.ProcessVersions = process.versions): string {
  const { name, version } = runtime(versions);
  return name === "Node.js" ? `Node.js v${version}` : `${name} ${version}`;
}

/** The line `--version` prints (with its newline). */
export function versionLine(): string {
  return `${PACKAGE_NAME} ${packageVersion()} (${runtimeName()})\n`;
}
