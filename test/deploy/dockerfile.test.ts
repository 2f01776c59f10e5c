/**
 * deploy/Dockerfile cannot be built here (no container runtime), so this
 * runs its instructions in a scratch folder instead: the build stage's COPY
 * and RUN lines (npm ci, tsc, npm pack) with `/app` and `/pkg` mapped into
 * the folder, then the runtime stage's RUN lines (the global install goes to
 * a scratch npm prefix), then ENTRYPOINT + CMD (bound to loopback, port 0),
 * then the HEALTHCHECK command against it — 0 while serving, non-zero once
 * SIGTERM has started the drain — and the exit status 0. What cannot run
 * here is checked as text: USER is not root, EXPOSE matches the port in CMD,
 * STOPSIGNAL is SIGTERM. deploy/kubernetes.yaml is checked for the probe
 * path and preStop matching the image.
 *
 * The stage run (npm ci, tsc, npm pack, a global install: ~15 s of CPU, the
 * longest test of the suite) runs with HTTP_SERVER_SLOW_TESTS=1, which
 * `.ci/run` sets beside the package test (test/package), and skips otherwise.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const slow = process.env["HTTP_SERVER_SLOW_TESTS"] === "1";
const ROOT = resolve(fileURLToPath(new URL("../../..", import.meta.url)));

interface Instruction {
  op: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.replace(/\\\n\s*/g, "").split("\n");
  for (const raw of lines) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const sp = line.indexOf(" ");
    out.push({ op: line.slice(0, sp).toUpperCase(), args: line.slice(sp + 1).trim() });
  }
  return out;
}

test("deploy/Dockerfile: both stages' commands work in a scratch folder, the health check follows the drain", { skip: slow ? false : "set HTTP_SERVER_SLOW_TESTS=1 (npm ci, tsc, npm pack: run by .ci/run)", timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "lb-docker-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const map = (s: string): string => s.replace(/(^|[\s=])\/(app|pkg|srv)(?=[/\s]|$)/g, (_m, pre: string, name: string) => `${pre}${join(dir, name)}`);
  const prefix = join(dir, "global");
  const env = { ...process.env, npm_config_prefix: prefix, npm_config_prefer_offline: "true", npm_config_update_notifier: "false" };
  const steps = parseDockerfile(readFileSync(join(ROOT, "deploy/Dockerfile"), "utf8"));
  let cwd = dir;
  let stage = 0;
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  let health: string[] = [];
  let user = "root";
  let expose = "";
  let stopsignal = "";
  for (const { op, args } of steps) {
    switch (op) {
      case "FROM":
        stage++;
        assert.match(args, /^node:\d+/);
        break;
      case "WORKDIR":
        cwd = map(args);
        mkdirSync(cwd, { recursive: true });
        break;
      case "COPY": {
        const parts = args.split(/\s+/);
        if (parts[0]!.startsWith("--from=")) break; // the build stage's /pkg is already where the runtime stage wants it
        const dest = parts.pop()!;
        for (const p of parts) cpSync(join(ROOT, p), join(cwd, dest === "./" ? p : dest), { recursive: true });
        break;
      }
      case "RUN": {
        // chown to the image's user cannot be done here; everything else runs as written.
        const command = map(args).replace(/\s*&&\s*chown \S+ \S+/g, "");
        const r = spawnSync("bash", ["-c", command], { cwd, env, encoding: "utf8", timeout: 240_000 });
        assert.equal(r.status, 0, `RUN ${args}\n${r.stdout}\n${r.stderr}`);
        break;
      }
      case "ENV":
      case "LABEL":
        break;
      case "USER":
        user = args;
        break;
      case "EXPOSE":
        expose = args;
        break;
      case "STOPSIGNAL":
        stopsignal = args;
        break;
      case "HEALTHCHECK":
        health = JSON.parse(args.slice(args.indexOf("CMD ") + 4)) as string[];
        break;
      case "ENTRYPOINT":
        entrypoint = JSON.parse(args) as string[];
        break;
      case "CMD":
        cmd = JSON.parse(args) as string[];
        break;
      default:
        assert.fail(`unexpected instruction ${op}`);
    }
  }
  assert.equal(stage, 2, "multi-stage");
  assert.notEqual(user, "root");
  assert.equal(stopsignal, "SIGTERM");
  assert.equal(cmd[cmd.length - 1], expose, "EXPOSE is the port CMD serves on");
  assert.ok(cmd.includes("--health"), "CMD enables --health");
  const healthPath = cmd[cmd.indexOf("--health") + 1]!;
  assert.ok(health.join(" ").includes(`:${expose}${healthPath}`), "HEALTHCHECK asks the health path");

  // ENTRYPOINT + CMD, from the installed package, on loopback and a free port.
  writeFileSync(join(dir, "srv", "index.html"), "<p>hi</p>");
  const bin = join(prefix, "bin", entrypoint[0]!);
  const args = ["--bind", "127.0.0.1", ...cmd.slice(0, -1).map(map), "0"];
  const child = spawn(bin, args, { cwd: join(dir, "srv"), stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  for (let i = 0; !/port (\d+)/.test(out); i++) {
    if (i > 600) assert.fail(`no banner: ${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const port = /port (\d+)/.exec(out)![1]!;
  const check = (): number | null => spawnSync(health[0]!, health.slice(1).map((a) => a.replace(`:${expose}`, `:${port}`)), { timeout: 10_000 }).status;
  assert.equal(check(), 0, "healthy while serving");
  child.kill(stopsignal as NodeJS.Signals);
  for (let i = 0; !/SIGTERM received/.test(out); i++) {
    if (i > 400) assert.fail(`no drain: ${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.notEqual(check(), 0, "unhealthy once draining");
  assert.equal(await exited, 0);
});

test("deploy/kubernetes.yaml: probes on the image's health path, preStop, grace period covering preStop and the drain", () => {
  const k8s = readFileSync(join(ROOT, "deploy/kubernetes.yaml"), "utf8");
  const docker = readFileSync(join(ROOT, "deploy/Dockerfile"), "utf8");
  const cmd = JSON.parse(/^CMD (.*)$/m.exec(docker)![1]!) as string[];
  const args = JSON.parse(/args: (\[.*\])/.exec(k8s)![1]!) as string[];
  const health = args[args.indexOf("--health") + 1];
  assert.equal(health, cmd[cmd.indexOf("--health") + 1]);
  assert.match(k8s, new RegExp(`readinessProbe:\\s*\\n\\s*httpGet: \\{ path: ${health}`));
  assert.match(k8s, /preStop:/);
  const drain = Number(args[args.indexOf("--drain-timeout") + 1]);
  const sleep = Number(/"sleep", "(\d+)"/.exec(k8s)![1]);
  const grace = Number(/terminationGracePeriodSeconds: (\d+)/.exec(k8s)![1]);
  assert.ok(grace > sleep + drain, `terminationGracePeriodSeconds ${grace} > preStop ${sleep} + drain ${drain}`);
  assert.match(k8s, /kind: Service/);
  assert.match(k8s, /containerPort: 8000/);
});
