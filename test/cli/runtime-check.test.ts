/**
 * Tests of the runtime check before the command starts (src/cli/runtime-check.ts):
 * which Deno permissions each set of options needs, and the one-line message.
 * Deno itself runs the real thing in test/runtimes/smoke.test.mjs.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULTS, type CliOptions } from "../../src/cli/args.js";
import { missingPermissions, permissionMessage } from "../../src/cli/runtime-check.js";

/** A fake `Deno.permissions` granting `granted` and recording what was asked. */
function permissions(granted: string[]) {
  const asked: string[] = [];
  return {
    asked,
    querySync({ name }: { name: string }) {
      asked.push(name);
      return { state: granted.includes(name) ? ("granted" as const) : ("prompt" as const) };
    },
  };
}

const options = (o: Partial<CliOptions> = {}): CliOptions => ({ ...DEFAULTS, ...o });

test("outside Deno nothing is missing", () => {
  assert.deepEqual(missingPermissions(options()), []); // this is Node.js: no Deno global
  assert.deepEqual(missingPermissions(options({ cgi: true }), null), []);
});

test("serving needs net, read, env and sys; CGI and workers need run too", () => {
  const none = permissions([]);
  assert.deepEqual(missingPermissions(options(), none), ["net", "read", "env", "sys"]);
  assert.deepEqual(missingPermissions(options({ cgi: true }), permissions([])), ["net", "read", "env", "sys", "run"]);
  assert.deepEqual(missingPermissions(options({ workers: 2 }), permissions(["net", "read", "env", "sys"])), ["run"]);
  assert.deepEqual(missingPermissions(options({ workers: "auto", cgi: true }), permissions(["net", "read", "env", "sys", "run"])), []);
  assert.deepEqual(missingPermissions(options(), permissions(["net", "read", "env", "sys"])), []);
});

test("the message names what is missing and the flags that grant it", () => {
  assert.equal(
    permissionMessage(["net", "run"]),
    "Deno has not granted net, run access: run it as `deno run -A …` (or with --allow-net --allow-run)",
  );
});
