/**
 * Test helper: TLS certificates and keys for the HTTPS tests, made at test
 * time with the `openssl` command in a fresh temporary directory.
 *
 * Strategy: nothing secret is committed (see test/fixtures/tls/README.md);
 * every run makes its own throwaway CA, signs a server certificate for
 * `localhost` / `127.0.0.1` (RSA and EC P-256), a client certificate, and
 * derives the awkward variants the tests need (an encrypted key, a combined
 * PEM, a key that matches nothing, a file that is not PEM). Generation runs
 * once per process — the Promise is cached — and every `openssl` call is an
 * async spawn, so it never blocks a server running in the same process. The
 * directory is removed when the process exits.
 */

import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { run } from "./net.js";

/** Password of {@link TestCerts.rsaKeyEncrypted}. */
export const KEY_PASSWORD = "s3cret";
/** Common name of the client certificate (what a verify_client handler sees). */
export const CLIENT_CN = "http.server test client";
/** Common name of the CA. */
export const CA_CN = "http.server test CA";

/** Absolute paths of the generated files. */
export interface TestCerts {
  dir: string;
  /** Self-signed CA certificate: what clients verify the server against. */
  ca: string;
  /** Server certificate (SAN `DNS:localhost`, `IP:127.0.0.1`), RSA 2048, signed by the CA. */
  rsaCert: string;
  /** Its private key, unencrypted PKCS#8. */
  rsaKey: string;
  /** The same key, encrypted PKCS#8 (aes-256-cbc) with {@link KEY_PASSWORD}. */
  rsaKeyEncrypted: string;
  /** Server certificate with the same names, EC P-256 key, signed by the CA. */
  ecCert: string;
  /** Its private key. */
  ecKey: string;
  /** `rsaCert` + `ca` (the chain) followed by `rsaKey`, in one file. */
  combined: string;
  /** Client certificate (CN {@link CLIENT_CN}, `clientAuth`), signed by the CA. */
  clientCert: string;
  /** Its private key. */
  clientKey: string;
  /** An RSA key that matches none of the certificates. */
  otherKey: string;
  /** A text file that is not PEM. */
  notPem: string;
}

/** Either the certificates, or why they cannot be made (the HTTPS tests skip with it). */
export type CertsResult = { certs: TestCerts; skip: false } | { certs: null; skip: string };

let cached: Promise<CertsResult> | null = null;

/** Makes the certificates once per process; resolves with their paths, or with a skip reason. */
export function getTestCerts(): Promise<CertsResult> {
  cached ??= generate();
  return cached;
}

const DAYS = "2";
const SERVER_EXT = [
  "basicConstraints = critical, CA:FALSE",
  "keyUsage = critical, digitalSignature, keyEncipherment",
  "extendedKeyUsage = serverAuth",
  "subjectAltName = DNS:localhost, IP:127.0.0.1",
  "subjectKeyIdentifier = hash",
  "authorityKeyIdentifier = keyid, issuer",
].join("\n");
const CLIENT_EXT = [
  "basicConstraints = critical, CA:FALSE",
  "keyUsage = critical, digitalSignature",
  "extendedKeyUsage = clientAuth",
  "subjectKeyIdentifier = hash",
  "authorityKeyIdentifier = keyid, issuer",
].join("\n");

async function generate(): Promise<CertsResult> {
  try {
    await run("openssl", ["version"]);
  } catch (e) {
    return { certs: null, skip: `the openssl command is not available (${(e as Error).message.split("\n")[0]})` };
  }
  const dir = mkdtempSync(join(tmpdir(), "http-server-tls-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const p = (name: string): string => join(dir, name);
  const certs: TestCerts = {
    dir,
    ca: p("ca.pem"),
    rsaCert: p("server-rsa.pem"),
    rsaKey: p("server-rsa.key"),
    rsaKeyEncrypted: p("server-rsa.enc.key"),
    ecCert: p("server-ec.pem"),
    ecKey: p("server-ec.key"),
    combined: p("server-combined.pem"),
    clientCert: p("client.pem"),
    clientKey: p("client.key"),
    otherKey: p("other.key"),
    notPem: p("not-pem.txt"),
  };
  writeFileSync(p("server.ext"), SERVER_EXT + "\n");
  writeFileSync(p("client.ext"), CLIENT_EXT + "\n");
  const openssl = (...args: string[]): Promise<string> => run("openssl", args);
  const rsa = ["-newkey", "rsa:2048"];
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
  const csr = (newkey: string[], key: string, out: string, cn: string): Promise<string> =>
    openssl("req", "-new", ...newkey, "-nodes", "-keyout", key, "-out", out, "-subj", `/CN=${cn}`);
  const sign = (req: string, ext: string, out: string): Promise<string> =>
    openssl("x509", "-req", "-in", req, "-CA", certs.ca, "-CAkey", p("ca.key"), "-set_serial", randomSerial(),
      "-days", DAYS, "-sha256", "-extfile", ext, "-out", out);

  try {
    // The CA first; the leaf keys meanwhile, in parallel.
    await Promise.all([
      openssl("req", "-x509", ...rsa, "-nodes", "-keyout", p("ca.key"), "-out", certs.ca, "-days", DAYS, "-sha256",
        "-subj", `/CN=${CA_CN}`,
        "-addext", "basicConstraints = critical, CA:TRUE",
        "-addext", "keyUsage = critical, keyCertSign, cRLSign"),
      csr(rsa, certs.rsaKey, p("server-rsa.csr"), "localhost"),
      csr(ec, certs.ecKey, p("server-ec.csr"), "localhost"),
      csr(rsa, certs.clientKey, p("client.csr"), CLIENT_CN),
      openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", certs.otherKey),
    ]);
    await Promise.all([
      sign(p("server-rsa.csr"), p("server.ext"), certs.rsaCert),
      sign(p("server-ec.csr"), p("server.ext"), certs.ecCert),
      sign(p("client.csr"), p("client.ext"), certs.clientCert),
      openssl("pkcs8", "-topk8", "-in", certs.rsaKey, "-out", certs.rsaKeyEncrypted,
        "-v2", "aes-256-cbc", "-passout", `pass:${KEY_PASSWORD}`),
    ]);
  } catch (e) {
    return { certs: null, skip: `openssl could not make the test certificates: ${(e as Error).message}` };
  }
  writeFileSync(
    certs.combined,
    Buffer.concat([readFileSync(certs.rsaCert), readFileSync(certs.ca), readFileSync(certs.rsaKey)]),
  );
  writeFileSync(certs.notPem, "this is not a certificate\n");
  return { certs, skip: false };
}

/** A positive 63-bit serial in hex, so two runs never issue the same serial. */
function randomSerial(): string {
  const bytes = randomBytes(8);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return "0x" + bytes.toString("hex");
}
