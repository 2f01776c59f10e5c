/**
 * The command's TLS flags, as Python 3.14 has them: the real command over
 * HTTPS with certificates made by openssl at test time, verified by curl.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getTestCerts, KEY_PASSWORD } from "../helpers/certs.js";
import { run } from "../helpers/net.js";
import { startCli } from "./cli-process.js";

const HTTPS_BANNER = /^Serving HTTPS on (\S+) port (\d+) \((https:\/\/\S+\/)\) \.\.\.\n/;

async function site(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cli-tls-"));
  await writeFile(join(dir, "hello.txt"), "hello over tls\n");
  return dir;
}

test("http.server --tls-cert/--tls-key/--tls-password-file serves HTTPS with an encrypted key", async (t) => {
  const got = await getTestCerts();
  if (got.certs === null) return t.skip(got.skip);
  const certs = got.certs;
  const dir = await site();
  const pw = join(dir, "..", `pw-${process.pid}.txt`);
  await writeFile(pw, `  ${KEY_PASSWORD}\n`); // read as UTF-8 and stripped, as CPython does
  const cli = startCli(t, ["-b", "127.0.0.1", "-d", dir, "--tls-cert", certs.rsaCert, "--tls-key", certs.rsaKeyEncrypted, "--tls-password-file", pw, "0"]);
  const m = await cli.stdout.waitFor(HTTPS_BANNER, "HTTPS banner");
  assert.equal(m[1], "127.0.0.1");
  assert.equal(m[3], `https://127.0.0.1:${m[2]}/`);
  const body = await run("curl", ["-sS", "--cacert", certs.ca, "--resolve", `localhost:${m[2]}:127.0.0.1`, `https://localhost:${m[2]}/hello.txt`]);
  assert.equal(body, "hello over tls\n");
  await cli.stderr.waitFor(/"GET \/hello\.txt HTTP\/1\.1" 200 -/, "access log");
  cli.child.kill("SIGINT");
  assert.deepEqual(await cli.exit(), { code: 0, signal: null });
});

test("http.server with a certificate that does not load exits 1 with one line naming the file", async (t) => {
  const got = await getTestCerts();
  if (got.certs === null) return t.skip(got.skip);
  const certs = got.certs;
  const cases: [string, string[], RegExp][] = [
    ["wrong password", ["--tls-cert", certs.rsaCert, "--tls-key", certs.rsaKeyEncrypted], /cannot decrypt the private key in .+: wrong or missing password/],
    ["mismatched key", ["--tls-cert", certs.rsaCert, "--tls-key", certs.otherKey], /the private key in .+ does not match the certificate in .+/],
    ["missing file", ["--tls-cert", join(tmpdir(), "no-such-cert.pem")], /cannot read certificate file .+no-such-cert\.pem: no such file/],
  ];
  for (const [name, args, want] of cases) {
    const cli = startCli(t, ["-b", "127.0.0.1", ...args, "0"]);
    assert.deepEqual(await cli.exit(), { code: 1, signal: null }, name);
    assert.match(cli.stderr.text, new RegExp(`^http\\.server: error: ${want.source}\\n$`), name);
    assert.equal(cli.stdout.text, "", name);
  }
});
