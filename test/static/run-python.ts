/**
 * Runs the one python3 process of a side-by-side test file: the job goes in
 * as JSON on stdin, the answer comes back as JSON on stdout. Python's `json`
 * writes lone surrogates as `\udcxx` escapes, which `JSON.parse` turns back
 * into the same lone surrogates, so strings cross the boundary exactly.
 */

import { spawnSync } from "node:child_process";

/** The reason side-by-side tests give `t.skip()` when there is no python3. */
export const NO_PYTHON = "python3 is not available";

/**
 * Runs `script` with `python3 -X utf8 -c`, feeding `input` as JSON on stdin,
 * and parses its stdout as JSON.
 *
 * @returns the parsed answer, or `null` when python3 is not installed.
 * @throws with Python's stderr when the script fails.
 */
export function runPython<T>(script: string, input: unknown): T | null {
  const r = spawnSync("python3", ["-X", "utf8", "-c", script], {
    input: JSON.stringify(input),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error !== undefined && (r.error as NodeJS.ErrnoException).code === "ENOENT") return null;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`python3 exited with ${r.status}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
