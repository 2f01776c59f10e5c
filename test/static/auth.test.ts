/**
 * HTTP Basic authentication: the pure parts (header forms, credential specs,
 * scrypt hashes, the failure table's bound and delays) and the gate over
 * real sockets (listings, files, uploads, CGI-less 501s, scope, the
 * challenge, the log without the password, the slow-down).
 *
 * Timing is not measured: a test cannot tell constant time from noise. The
 * comparison is constant-time by construction (`timingSafeEqual` over
 * SHA-256 digests or fixed-length scrypt output; see auth.ts).
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  _authThrottleConfig,
  _clearFailures,
  _failureTableSize,
  Authenticator,
  challenge,
  hashPassword,
  parseBasic,
  parseCredential,
  parseScryptHash,
  recordFailure,
  throttleDelay,
} from "../../src/static/auth.js";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { CGIHTTPRequestHandler } from "../../src/cgi/cgi-handler.js";
import { exchange, LogCapture, serve, splitResponse, type Running } from "../helpers/net.js";
import { servingDir } from "../helpers/handlers.js";

const b64 = (s: string | Buffer): string => Buffer.from(s).toString("base64");

describe("parseBasic: header forms", () => {
  const cases: [name: string, value: string, expected: { user: string; password: string } | null][] = [
    ["canonical", `Basic ${b64("alice:secret")}`, { user: "alice", password: "secret" }],
    ["scheme in lower case", `basic ${b64("alice:secret")}`, { user: "alice", password: "secret" }],
    ["scheme in upper case", `BASIC ${b64("alice:secret")}`, { user: "alice", password: "secret" }],
    ["several spaces", `Basic    ${b64("alice:secret")}`, { user: "alice", password: "secret" }],
    ["trailing space", `Basic ${b64("alice:secret")} `, { user: "alice", password: "secret" }],
    ["password with colons", `Basic ${b64("alice:a:b:c")}`, { user: "alice", password: "a:b:c" }],
    ["empty password", `Basic ${b64("alice:")}`, { user: "alice", password: "" }],
    ["UTF-8 user", `Basic ${b64("jöhn:pässwörd")}`, { user: "jöhn", password: "pässwörd" }],
    ["no colon", `Basic ${b64("alicesecret")}`, null],
    ["bad base64 characters", "Basic YWxp*2U6c2VjcmV0", null],
    ["base64 without padding", "Basic YWxpY2U6c2VjcmV0MQ", null],
    ["non-canonical base64 bits", "Basic YWxpY2U6cx==", null],
    ["not UTF-8", `Basic ${b64(Buffer.from([0x61, 0x3a, 0xff, 0xfe]))}`, null],
    ["other scheme", `Bearer ${b64("alice:secret")}`, null],
    ["no space", `Basic${b64("alice:secret")}`, null],
    ["no credentials", "Basic", null],
    ["empty", "", null],
    ["tab instead of space", `Basic\t${b64("alice:secret")}`, null],
  ];
  for (const [name, value, expected] of cases) test(name, () => assert.deepEqual(parseBasic(value), expected));
});

describe("credentials", () => {
  test("USER:PASSWORD specs", () => {
    assert.equal(parseCredential("alice:se:cret").kind, "plain");
    assert.throws(() => parseCredential("alice"), /USER:PASSWORD/);
    assert.throws(() => parseCredential(":pw"), /user name is empty/);
    assert.throws(() => parseCredential("alice:"), /password is empty/);
    assert.throws(() => parseCredential("alice:$scrypt$broken"), /malformed/);
  });

  test("hashes verify; wrong passwords and users do not", async () => {
    const hash = await hashPassword("pässwörd", 4);
    assert.match(hash, /^\$scrypt\$ln=4,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.notEqual(await hashPassword("pässwörd", 4), hash, "salted: two hashes differ");
    assert.ok(parseScryptHash(hash) !== null);
    const a = new Authenticator([`alice:${hash}`, "bob:plain:text"]);
    assert.equal(await a.verify("alice", "pässwörd"), true);
    assert.equal(await a.verify("alice", "pässwörd"), true, "cached");
    assert.equal(await a.verify("alice", "passwörd"), false);
    assert.equal(await a.verify("bob", "plain:text"), true);
    assert.equal(await a.verify("bob", "plain"), false);
    assert.equal(await a.verify("carol", "pässwörd"), false);
    assert.equal(await a.verify("alice", "plain:text"), false, "one user's password is not another's");
  });

  test("challenge escapes the realm", () => {
    assert.equal(challenge('my "files"'), 'Basic realm="my \\"files\\"", charset="UTF-8"');
  });
});

describe("failure table", () => {
  test("free failures, then doubling delays, capped; bounded memory", () => {
    _clearFailures();
    const now = 1_000_000;
    for (let i = 0; i < _authThrottleConfig.free; i++) recordFailure("10.0.0.1", now);
    assert.equal(throttleDelay("10.0.0.1", now), _authThrottleConfig.baseMs);
    recordFailure("10.0.0.1", now);
    assert.equal(throttleDelay("10.0.0.1", now), 2 * _authThrottleConfig.baseMs);
    for (let i = 0; i < 40; i++) recordFailure("10.0.0.1", now);
    assert.equal(throttleDelay("10.0.0.1", now), _authThrottleConfig.maxMs);
    assert.equal(throttleDelay("10.0.0.1", now + _authThrottleConfig.forgetMs + 1), 0, "forgotten after a while");
    for (let i = 0; i < _authThrottleConfig.maxEntries + 100; i++) recordFailure(`10.1.${i >> 8}.${i & 255}`, now);
    assert.equal(_failureTableSize(), _authThrottleConfig.maxEntries);
    _clearFailures();
  });
});

describe("the gate over sockets", () => {
  const log = new LogCapture();
  let root: string;
  let all: Running<any>;
  let uploadOnly: Running<any>;
  const saved = { ..._authThrottleConfig };

  before(async () => {
    log.start();
    _clearFailures();
    Object.assign(_authThrottleConfig, { free: 2, baseMs: 50, maxMs: 100 });
    root = await mkdtemp(join(tmpdir(), "http-server-auth-"));
    await writeFile(join(root, "file.txt"), "secret contents\n");
    const make = (scope: "all" | "upload"): typeof SimpleHTTPRequestHandler => {
      const H = servingDir(root, SimpleHTTPRequestHandler, "HTTP/1.1");
      Object.assign(H.prototype, { upload: true, auth: ["alice:s3cret", "jöhn:pä:ss"], auth_scope: scope });
      return H;
    };
    all = await serve(make("all"));
    uploadOnly = await serve(make("upload"));
  });

  after(async () => {
    await all.close();
    await uploadOnly.close();
    Object.assign(_authThrottleConfig, saved);
    _clearFailures();
    log.stop();
    await rm(root, { recursive: true, force: true });
  });

  async function ask(r: Running<any>, method: string, path: string, auth?: string, body = ""): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    const lines = [`${method} ${path} HTTP/1.1`, "Host: x", "Connection: close", `Content-Length: ${Buffer.byteLength(body)}`];
    if (auth !== undefined) lines.push(`Authorization: ${auth}`);
    const res = splitResponse(await exchange(r.port, lines.join("\r\n") + "\r\n\r\n" + body));
    return { status: Number(res.status.split(" ")[1]), headers: res.headers, body: res.body };
  }

  test("401 with the challenge for listings, files, uploads and unknown methods", async () => {
    for (const [method, path] of [
      ["GET", "/"],
      ["GET", "/file.txt"],
      ["HEAD", "/file.txt"],
      ["PUT", "/new.txt"],
      ["POST", "/"],
      ["BREW", "/"],
    ] as const) {
      const r = await ask(all, method, path);
      assert.equal(r.status, 401, `${method} ${path}`);
      assert.equal(r.headers["www-authenticate"], 'Basic realm="http.server", charset="UTF-8"');
      assert.doesNotMatch(r.body, /secret contents/);
    }
  });

  test("the right credentials pass, in any accepted form; UTF-8 users", async () => {
    assert.equal((await ask(all, "GET", "/file.txt", `Basic ${b64("alice:s3cret")}`)).body, "secret contents\n");
    assert.equal((await ask(all, "GET", "/file.txt", `basic   ${b64("alice:s3cret")}`)).status, 200);
    assert.equal((await ask(all, "GET", "/file.txt", `Basic ${b64("jöhn:pä:ss")}`)).status, 200);
    assert.equal((await ask(all, "PUT", "/new.txt", `Basic ${b64("alice:s3cret")}`, "x")).status, 201);
  });

  test("wrong credentials: 401, logged with the user but never the password", async () => {
    _clearFailures();
    for (const auth of [`Basic ${b64("alice:wr0ng-pass")}`, `Basic ${b64("mallory:s3cret")}`, "Basic !!!", `Basic ${b64("alice")}`]) {
      assert.equal((await ask(all, "GET", "/", auth)).status, 401, auth);
    }
    await log.waitFor(/authentication failed for user "mallory"/);
    assert.ok(!log.lines.some((l) => l.includes("wr0ng-pass") || l.includes(b64("alice:wr0ng-pass"))), "no password in the log");
    _clearFailures();
  });

  test("repeated failures from one address are slowed down; a success clears them", async () => {
    _clearFailures();
    const bad = `Basic ${b64("alice:nope")}`;
    for (let i = 0; i < 3; i++) await ask(all, "GET", "/", bad);
    assert.ok(throttleDelay("127.0.0.1") >= 50);
    const t0 = process.hrtime.bigint();
    await ask(all, "GET", "/", bad);
    assert.ok(Number(process.hrtime.bigint() - t0) / 1e6 >= 45, "the answer waited");
    assert.equal((await ask(all, "GET", "/", `Basic ${b64("alice:s3cret")}`)).status, 200);
    assert.equal(throttleDelay("127.0.0.1"), 0);
  });

  test("CGIHTTPRequestHandler: scripts are behind the password too; with upload, a POST elsewhere is an upload", async () => {
    const H = servingDir(root, CGIHTTPRequestHandler as unknown as typeof SimpleHTTPRequestHandler, "HTTP/1.1");
    Object.assign(H.prototype, { upload: true, auth: ["alice:s3cret"] });
    const cgi = await serve(H);
    try {
      assert.equal((await ask(cgi, "POST", "/cgi-bin/script.py")).status, 401);
      assert.equal((await ask(cgi, "GET", "/cgi-bin/script.py")).status, 401);
      const form = `--B\r\nContent-Disposition: form-data; name="file"; filename="via-cgi.txt"\r\n\r\nhi\r\n--B--\r\n`;
      const raw = await exchange(
        cgi.port,
        `POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Basic ${b64("alice:s3cret")}\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: ${form.length}\r\n\r\n${form}`,
      );
      assert.match(splitResponse(raw).status, / 201 /);
    } finally {
      await cgi.close();
    }
  });

  test("auth_scope upload: reads are open, writes need the password", async () => {
    assert.equal((await ask(uploadOnly, "GET", "/file.txt")).status, 200);
    assert.equal((await ask(uploadOnly, "HEAD", "/")).status, 200);
    assert.equal((await ask(uploadOnly, "PUT", "/scoped.txt", undefined, "x")).status, 401);
    assert.equal((await ask(uploadOnly, "POST", "/")).status, 401);
    assert.equal((await ask(uploadOnly, "DELETE", "/.well-known/resumable-upload/x")).status, 401);
    assert.equal((await ask(uploadOnly, "PUT", "/scoped.txt", `Basic ${b64("alice:s3cret")}`, "x")).status, 201);
  });
});
