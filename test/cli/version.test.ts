/**
 * Tests of `http.server --version` (src/cli/version.ts): the line names the
 * version in package.json and the runtime, and `--version` wins over the
 * other arguments the way argparse's version action does.
 */

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseArgs } from "../../src/cli/args.js";
import { packageVersion, runtimeName } from "../../src/cli/version.js";
import { runtimeToken } from "../../src/runtime.js";
import { BaseHTTPRequestHandler } from "../../src/handler/base-handler.js";
import { startCli } from "./cli-process.js";

const PKG = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };

test("http.server --version prints the package version and the runtime, exits 0", async (t) => {
  const cli = startCli(t, ["--version"]);
  assert.deepEqual(await cli.exit(), { code: 0, signal: null });
  assert.equal(cli.stdout.text, `http.server ${PKG.version} (Node.js ${process.version})\n`);
  assert.equal(cli.stderr.text, "");
});

test("--version is parsed like argparse's version action", () => {
  assert.deepEqual(parseArgs(["--version"]), { kind: "version" });
  assert.deepEqual(parseArgs(["8080", "--version", "--cgi"]), { kind: "version" });
  assert.deepEqual(parseArgs(["--vers"]), { kind: "version" }); // a unique prefix
  assert.deepEqual(parseArgs(["--help", "--version"]), { kind: "help" }); // left to right
  assert.deepEqual(parseArgs(["--bogus", "--version"]), { kind: "version" }); // unknown arguments are reported at the end
  assert.equal(parseArgs(["-b", "--version"]).kind, "error"); // an error before it wins
});

test("runtimeName tells Node.js, Bun and Deno apart by process.versions", () => {
  const node = { node: "22.12.0" } as NodeJS.ProcessVersions;
  assert.equal(runtimeName(node), "Node.js v22.12.0");
  assert.equal(runtimeName({ ...node, bun: "1.2.3" }), "Bun 1.2.3");
  assert.equal(runtimeName({ ...node, deno: "2.1.4" }), "Deno 2.1.4");
  assert.equal(runtimeName(), `Node.js ${process.version}`);
});

test("packageVersion walks up to this package's package.json and skips others", async (t) => {
  const base = await mkdtemp(join(tmpdir(), "http-server-version-"));
  t.after(() => rm(base, { recursive: true, force: true }));
  const deep = join(base, "node_modules", "http.server", "dist", "cli");
  await mkdir(deep, { recursive: true });
  await writeFile(join(base, "package.json"), JSON.stringify({ name: "someone-else", version: "9.9.9" }));
  assert.equal(packageVersion(deep), "unknown"); // only a package.json named http.server counts
  await writeFile(join(base, "node_modules", "http.server", "package.json"), JSON.stringify({ name: "http.server", version: "1.2.3" }));
  assert.equal(packageVersion(deep), "1.2.3");
  await writeFile(join(deep, "package.json"), "{not json");
  assert.equal(packageVersion(deep), "1.2.3");
  assert.equal(packageVersion(), PKG.version);
});

test("runtimeToken (the Server header's sys_version) names the runtime, not the Node.js version it imitates", () => {
  const node = { node: "26.3.0" } as NodeJS.ProcessVersions;
  assert.equal(runtimeToken(node), "Node.js/26.3.0");
  assert.equal(runtimeToken({ ...node, bun: "1.4.5" }), "Bun/1.4.5");
  assert.equal(runtimeToken({ ...node, deno: "2.9.6" }), "Deno/2.9.6");
  assert.equal(BaseHTTPRequestHandler.prototype.sys_version, `Node.js/${process.versions.node}`);
});
