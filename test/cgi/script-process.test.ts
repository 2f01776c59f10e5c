/**
 * Running a script as a child: its exit described for the log, its process
 * group killed (what it started included), and `nobody_ids()`.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { exitMessage, nobody_ids, spawnScript } from "../../src/cgi/script-process.js";

test("exitMessage() is CPython's exit-code line, negative for a signal, null for a clean exit", () => {
  assert.equal(exitMessage({ code: 0, signal: null }), null);
  assert.deepEqual(exitMessage({ code: 3, signal: null }), ["CGI script exit code %d", 3]);
  assert.deepEqual(exitMessage({ code: null, signal: "SIGTERM" }), ["CGI script exit code %d (killed by %s)", -15, "SIGTERM"]);
  const error = Object.assign(new Error("spawn x ENOENT"), { code: "ENOENT" });
  assert.deepEqual(exitMessage({ code: null, signal: null, error }), ["CGI script could not be started: %s", "ENOENT"]);
});

test("spawnScript() runs the file with its argv, env and pipes, and reports its exit", async () => {
  const p = spawnScript("/bin/sh", "sh", ["-c", 'printf "%s|%s" "$0" "$V"; exit 4'], { V: "v1" });
  let out = "";
  p.child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  p.child.stdin!.end();
  const exit = await p.exited;
  p.release();
  assert.equal(exit.code, 4);
  assert.equal(out, "sh|v1");
});

test("spawnScript().terminate() kills the whole process group, what the script started included", async () => {
  const p = spawnScript("/bin/sh", "sh", ["-c", "sleep 30 & echo $!; wait"], {});
  const grandchild = await new Promise<number>((resolve) => p.child.stdout!.setEncoding("utf8").once("data", (d: string) => resolve(Number(d.trim()))));
  p.terminate();
  const exit = await p.exited;
  p.release();
  assert.equal(exit.signal, "SIGTERM");
  // The grandchild got the same SIGTERM: gone, or a zombie waiting for init.
  const alive = (): boolean => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${grandchild}/stat`, "utf8"));
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 200; i++) {
    if (!alive()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`process ${grandchild} outlived its group's SIGTERM`);
});

test("nobody_ids() finds nobody in /etc/passwd (or the fallback), and is stable", () => {
  const ids = nobody_ids();
  assert.ok(Number.isInteger(ids.uid) && Number.isInteger(ids.gid));
  assert.deepEqual(nobody_ids(), ids);
});
