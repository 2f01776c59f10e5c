/**
 * The upload and password options of the command (issue 15): how they
 * parse, their usage errors, `--hash-password`, the warning for `--auth`
 * without TLS off loopback, and one real run of `--upload --auth`.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULTS, parseArgs, type CliOptions } from "../../src/cli/args.js";
import { authWarning, isLoopback } from "../../src/cli/main.js";
import { Authenticator } from "../../src/static/auth.js";
import { UPLOAD_TEMP_PREFIX } from "../../src/static/upload-rules.js";
import { BIN, startServing } from "./cli-process.js";

const ROWS: [argv: string[], want: Partial<CliOptions> | { error: string }][] = [
  [["--upload"], { upload: true }],
  [["--upload", "--upload-overwrite", "--upload-mkdir"], { upload: true, upload_overwrite: true, upload_mkdir: true }],
  [["--upload", "--max-upload", "100M"], { upload: true, max_upload: 100 * 1024 ** 2 }],
  [["--upload", "--max-upload=1.5G"], { upload: true, max_upload: 1.5 * 1024 ** 3 }],
  [["--upload", "--max-upload", "2048"], { upload: true, max_upload: 2048 }],
  [["--auth", "a:b", "--auth", "c:d:e"], { auth: ["a:b", "c:d:e"] }],
  [["--auth", "a:b", "--auth-scope", "upload"], { auth: ["a:b"], auth_scope: "upload" }],
  [["--hash-password"], { hash_password: true }],
  [["--upload", "--max-upload", "lots"], { error: "argument --max-upload: invalid size: 'lots' (expected bytes or a number with K, M, G or T)" }],
  [["--upload", "--max-upload", "0"], { error: "argument --max-upload: invalid size: '0' (expected bytes or a number with K, M, G or T)" }],
  [["--upload-overwrite"], { error: "--upload-overwrite requires --upload to be set" }],
  [["--upload-mkdir"], { error: "--upload-mkdir requires --upload to be set" }],
  [["--max-upload", "1G"], { error: "--max-upload requires --upload to be set" }],
  [["--auth", "alice"], { error: "argument --auth: expected USER:PASSWORD (expected USER:PASSWORD)" }],
  [["--auth", "alice:"], { error: "argument --auth: the password is empty for user 'alice' (expected USER:PASSWORD)" }],
  [["--auth", "alice:$scrypt$nope"], { error: "argument --auth: malformed $scrypt$ hash (make one with --hash-password) for user 'alice' (expected USER:PASSWORD)" }],
  [["--auth", "a:b", "--auth-scope", "write"], { error: "argument --auth-scope: invalid choice: 'write' (choose from 'all', 'upload')" }],
  [["--auth-scope", "all"], { error: "--auth-scope requires --auth to be set" }],
  [["--auth"], { error: "argument --auth: expected one argument" }],
];

test("parseArgs: upload and password options", () => {
  for (const [argv, want] of ROWS) {
    const got = parseArgs(argv);
    if ("error" in want) assert.deepEqual(got, { kind: "error", message: want.error }, JSON.stringify(argv));
    else assert.deepEqual(got, { kind: "run", options: { ...DEFAULTS, ...want } }, JSON.stringify(argv));
  }
  const secret = parseArgs(["--auth", "alice:$scrypt$hunter2"]);
  assert.ok(secret.kind === "error" && !secret.message.includes("hunter2"), "no password in a usage error");
});

test("the --auth warning: only without TLS on an address other machines reach", () => {
  const opts = (over: Partial<CliOptions>): CliOptions => ({ ...DEFAULTS, ...over });
  assert.match(authWarning(opts({ auth: ["a:b"] }), "0.0.0.0")!, /warning: --auth without --tls-cert on 0\.0\.0\.0: .*readable by anyone/);
  assert.match(authWarning(opts({ auth: ["a:b"] }), "::")!, /warning/);
  assert.match(authWarning(opts({ auth: ["a:b"] }), "192.168.1.5")!, /warning/);
  assert.equal(authWarning(opts({ auth: ["a:b"] }), "127.0.0.1"), null);
  assert.equal(authWarning(opts({ auth: ["a:b"] }), "::1"), null);
  assert.equal(authWarning(opts({ auth: ["a:b"], tls_cert: "c.pem" }), "0.0.0.0"), null);
  assert.equal(authWarning(opts({}), "0.0.0.0"), null);
  assert.deepEqual(["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "0.0.0.0", "::", "10.0.0.1"].map(isLoopback), [true, true, true, true, false, false, false]);
});

test("--hash-password reads stdin and prints a hash that --auth accepts", async () => {
  const run = spawnSync(process.execPath, [BIN, "--hash-password"], { input: "correct horse:battery\n", encoding: "utf8", timeout: 20_000 });
  assert.equal(run.status, 0, run.stderr);
  const hash = run.stdout.trim();
  assert.match(hash, /^\$scrypt\$ln=14,r=8,p=1\$/);
  assert.equal(run.stdout, hash + "\n");
  const a = new Authenticator([`alice:${hash}`]);
  assert.equal(await a.verify("alice", "correct horse:battery"), true);
  assert.equal(await a.verify("alice", "correct horse:battery\n"), false);
  const empty = spawnSync(process.execPath, [BIN, "--hash-password"], { input: "", encoding: "utf8", timeout: 20_000 });
  assert.equal(empty.status, 1);
  assert.equal(empty.stderr, "http.server: error: no password given\n");
});

test("http.server --upload --auth: stale temporaries removed at start, uploads need the password", async (t) => {
  const root = await mkdtemp(join(tmpdir(), "http-server-cli-upload-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  await writeFile(join(root, `${UPLOAD_TEMP_PREFIX}crashed.part`), "half");
  const cli = await startServing(t, ["--upload", "--auth", "alice:pw", "--auth-scope", "upload", "-b", "127.0.0.1", "-d", root, "0"]);
  await cli.stderr.waitFor(/removed 1 temporary file\(s\) left by interrupted uploads/, "sweep");
  assert.doesNotMatch(cli.stderr.text, /warning/);
  const url = `http://127.0.0.1:${cli.port}/up.txt`;
  assert.equal((await fetch(url, { method: "PUT", body: "x" })).status, 401);
  const ok = await fetch(url, { method: "PUT", body: "uploaded", headers: { Authorization: `Basic ${Buffer.from("alice:pw").toString("base64")}` } });
  assert.equal(ok.status, 201);
  assert.equal(await readFile(join(root, "up.txt"), "utf8"), "uploaded");
  assert.equal((await fetch(url)).status, 200, "reads are open with --auth-scope upload");
  cli.child.kill("SIGINT");
  await cli.exit();
});
