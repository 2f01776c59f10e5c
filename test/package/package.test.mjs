// The package as a user gets it: `npm pack`, then the tarball installed into
// an empty folder. Checks what the tarball holds (dist/ with types, README,
// LICENSE, CHANGELOG, package.json; no tests, sources or source maps), that
// `npx http.server --version` runs from that folder, that strict TypeScript
// consumer projects type-check against it in every resolution mode (node16
// and nodenext, ESM and CommonJS; bundler), that their compiled output runs
// (import and require), and that @arethetypeswrong/cli finds no problem.
//
// Not part of `npm test` (packing rebuilds dist/, which the unit tests'
// CLI children would trip over); .ci/run runs it:
//
//   node --test test/package/package.test.mjs
//
// Needs the npm registry for the tarball's one dependency (mime-db; npm's
// cache serves it on later runs).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { ensureRuntime } from "../../scripts/runtimes.mjs";

const ROOT = new URL("../../", import.meta.url).pathname;
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
const ATTW = join(ROOT, "node_modules/@arethetypeswrong/cli/dist/index.js");

const work = mkdtempSync(join(tmpdir(), "http-server-package-"));
after(() => rmSync(work, { recursive: true, force: true }));
const app = join(work, "app");
let tarball;
let files;

/** Runs a command, failing the test with its output when it exits non-zero. */
function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Every file under `dir`, relative to it. */
function walk(dir, base = dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path, base) : [relative(base, path)];
  });
}

before(() => {
  const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", work], { cwd: ROOT }).slice(-100_000).replace(/^[^[]*/s, ""));
  tarball = join(work, packed[0].filename);
  files = packed[0].files.map((f) => f.path).sort();
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), '{ "name": "app", "private": true }\n');
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball], { cwd: app });
  // Two one-line users of the installed package, one per module system.
  writeFileSync(join(app, "m.mjs"), 'import { HTTPServer } from "http.server";\nconsole.log(typeof HTTPServer);\n');
  writeFileSync(join(app, "c.cjs"), 'const { HTTPServer } = require("http.server");\nconsole.log(typeof HTTPServer);\n');
});

test("the installed package loads with import and require() on this Node.js", () => {
  assert.equal(run(process.execPath, ["m.mjs"], { cwd: app }) + run(process.execPath, ["c.cjs"], { cwd: app }), "function\nfunction\n");
});

test("the tarball holds dist/ with types, README, LICENSE, CHANGELOG and package.json only", () => {
  for (const must of ["package.json", "README.md", "LICENSE", "CHANGELOG.md", "dist/index.js", "dist/index.cjs", "dist/index.d.ts", "dist/index.d.cts", "dist/cli/bin.js"]) {
    assert.ok(files.includes(must), `${must} missing from the tarball`);
  }
  const stray = files.filter((f) => !["package.json", "README.md", "LICENSE", "CHANGELOG.md"].includes(f) && !/^dist\/.+\.(js|cjs|d\.ts|d\.cts)$/.test(f));
  assert.deepEqual(stray, []);
  // Every .js has its declarations, and nothing points at a map or a source that is not there.
  for (const f of files.filter((f) => /\.c?js$/.test(f) && f !== "dist/cli/bin.js")) {
    assert.ok(files.includes(f.replace(/\.js$/, ".d.ts").replace(/\.cjs$/, ".d.cts")), `${f} has no declarations`);
  }
  const installed = join(app, "node_modules", "http.server");
  assert.deepEqual(walk(installed).sort(), files);
  for (const f of files.filter((f) => f.startsWith("dist/"))) {
    assert.doesNotMatch(readFileSync(join(installed, f), "utf8"), /sourceMappingURL/, f);
  }
});

test("npx http.server --version runs from the folder the tarball was installed into", () => {
  const out = run("npx", ["--no-install", "http.server", "--version"], { cwd: app });
  assert.equal(out, `http.server ${PKG.version} (Node.js ${process.version})\n`);
  const help = run("npx", ["--no-install", "http.server", "--help"], { cwd: app });
  assert.match(help, /^usage: http\.server /);
});

test("the README's quick start: `npm install -g .` from the clone gives a command that works from any folder", () => {
  const prefix = join(work, "global");
  run("npm", ["install", "-g", ".", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error"], { cwd: ROOT });
  const out = run(join(prefix, "bin", "http.server"), ["--version"], { cwd: work });
  assert.equal(out, `http.server ${PKG.version} (Node.js ${process.version})\n`);
  // `npx -p /path/to/clone http.server`, the way without installing.
  assert.equal(run("npx", ["--yes", "-p", ROOT, "http.server", "--version"], { cwd: work }), out);
});

test("Bun and Deno run the installed command and load the package both ways", () => {
  const bun = ensureRuntime("bun");
  const env = { ...process.env, PATH: `${dirname(bun.bin)}:${process.env.PATH}` };
  assert.equal(run("bunx", ["--bun", "http.server", "--version"], { cwd: app, env }), `http.server ${PKG.version} (Bun ${bun.version})\n`);
  assert.equal(run(bun.bin, ["m.mjs"], { cwd: app }) + run(bun.bin, ["c.cjs"], { cwd: app }), "function\nfunction\n");
  const deno = ensureRuntime("deno");
  assert.match(run(deno.bin, ["run", "-A", "npm:http.server", "--version"], { cwd: app }), new RegExp(`^http\\.server ${PKG.version} \\(Deno \\d`));
  assert.equal(run(deno.bin, ["run", "-A", "m.mjs"], { cwd: app }) + run(deno.bin, ["run", "-A", "c.cjs"], { cwd: app }), "function\nfunction\n");
});

test("on Node.js 20.18 (no require() of ES modules) require() throws the documented error; import works", () => {
  const old = ensureRuntime("node20.18");
  assert.equal(old.version, "v20.18.3");
  const r = spawnSync(old.bin, ["c.cjs"], { cwd: app, encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Error: http\.server: require\("http\.server"\) needs Node\.js 20\.19\+ or 22\.12\+ \(require\(\) of ES modules\); this is Node\.js v20\.18\.3\. Upgrade Node\.js, or load it with `await import\("http\.server"\)`\./);
  assert.equal(run(old.bin, ["m.mjs"], { cwd: app }), "function\n");
});

// One consumer program, type-checked in each mode; it subclasses a handler,
// serves one request on 127.0.0.1 and prints what it got. The
// @ts-expect-error lines fail the compile if the types were `any`.
const CONSUMER = (how) => `
import { BaseHTTPRequestHandler, HTTPServer, HTTPStatus, type ServerAddress } from "http.server";
import { request } from "node:http";

class Hello extends BaseHTTPRequestHandler {
  override protocol_version = "HTTP/1.1";
  async do_GET(): Promise<void> {
    const body = Buffer.from("hello via ${how}");
    this.send_response(HTTPStatus.OK);
    this.send_header("Content-Length", String(body.length));
    this.end_headers();
    await this.wfile.write(body);
  }
  override log_message(): void {}
}

const address: ServerAddress = ["127.0.0.1", 0];
const httpd = new HTTPServer(address, Hello);
// @ts-expect-error: a server address is a [host, port] pair
new HTTPServer("127.0.0.1:0", Hello).server_close();
// @ts-expect-error: HTTPStatus has no such member
void HTTPStatus.NOT_A_STATUS;
httpd.ready.then(() => {
  const port: number = httpd.server_address[1];
  void httpd.serve_forever();
  request({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
    let text = "";
    res.on("data", (d: Buffer) => (text += d.toString()));
    res.on("end", async () => {
      console.log(res.statusCode + " " + text);
      await httpd.shutdown();
      await httpd.server_close();
    });
  }).end();
});
`;

/** A strict tsconfig for the consumer project, with Node's types from this repo. */
function tsconfig(compilerOptions, files) {
  return JSON.stringify({
    compilerOptions: {
      strict: true,
      skipLibCheck: false,
      noImplicitOverride: true,
      target: "ES2022",
      types: ["node"],
      typeRoots: [join(ROOT, "node_modules/@types")],
      ...compilerOptions,
    },
    files,
  });
}

for (const mode of ["nodenext", "node16"]) {
  test(`strict TypeScript (module ${mode}) type-checks an ESM and a CommonJS consumer; both run`, () => {
    const dir = join(app, mode);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "esm.mts"), CONSUMER("import"));
    writeFileSync(join(dir, "cjs.cts"), CONSUMER("require"));
    writeFileSync(join(dir, "tsconfig.json"), tsconfig({ module: mode, moduleResolution: mode, outDir: "out" }, ["esm.mts", "cjs.cts"]));
    run(process.execPath, [TSC, "-p", dir]);
    assert.match(readFileSync(join(dir, "out", "cjs.cjs"), "utf8"), /require\("http\.server"\)/);
    assert.equal(run(process.execPath, [join(dir, "out", "esm.mjs")]), "200 hello via import\n");
    assert.equal(run(process.execPath, [join(dir, "out", "cjs.cjs")]), "200 hello via require\n");
  });
}

test("strict TypeScript (moduleResolution bundler) type-checks a consumer", () => {
  const dir = join(app, "bundler");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "main.ts"), CONSUMER("a bundler"));
  writeFileSync(join(dir, "tsconfig.json"), tsconfig({ module: "preserve", moduleResolution: "bundler", noEmit: true }, ["main.ts"]));
  run(process.execPath, [TSC, "-p", dir]);
});

test("a type error in a consumer is reported (the checks above can fail)", () => {
  const dir = join(app, "broken");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "main.mts"), 'import { HTTPServer } from "http.server";\nconst port: string = new HTTPServer(["127.0.0.1", 0], class {} as never).server_port;\n');
  writeFileSync(join(dir, "tsconfig.json"), tsconfig({ module: "nodenext", noEmit: true }, ["main.mts"]));
  const r = spawnSync(process.execPath, [TSC, "-p", dir], { encoding: "utf8" });
  assert.notEqual(r.status, 0);
  assert.match(r.stdout, /main\.mts.*TS2322/);
});

test("@arethetypeswrong/cli finds no problem in any resolution mode", () => {
  const out = execFileSync(process.execPath, [ATTW, tarball, "--format", "json"], { encoding: "utf8" });
  const report = JSON.parse(out);
  assert.deepEqual(Object.values(report.problems ?? {}), [], JSON.stringify(report.problems));
  const kinds = Object.keys(report.analysis.entrypoints["."].resolutions);
  assert.deepEqual(kinds.sort(), ["bundler", "node10", "node16-cjs", "node16-esm"]);
});
