// bench/tls-cert.mjs: the certificate the TLS scenarios serve.
//
// `ensureCert(dir)` makes, once, in `dir` (bench/out/tls) a self-signed
// RSA-2048 certificate and its unencrypted key with
//   openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650
//     -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1
// and returns { cert, key } (paths). Every system of the TLS scenarios loads
// these same two files, so the key type (and so the cost of a handshake's
// signature) is the same for all. An existing pair is reused.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";

export function ensureCert(dir) {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  if (existsSync(cert) && existsSync(key)) return { cert, key };
  mkdirSync(dir, { recursive: true });
  // Written under temporary names and renamed, so an interrupted run leaves no half pair.
  execFileSync(
    "openssl",
    [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "3650",
      "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout", `${key}.tmp`, "-out", `${cert}.tmp`,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  renameSync(`${key}.tmp`, key);
  renameSync(`${cert}.tmp`, cert);
  return { cert, key };
}
