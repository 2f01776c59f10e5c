/**
 * Two guards of the TLS port: plain HTTP sent to it gets a short plain-HTTP
 * 400 saying the port speaks HTTPS (as nginx answers it), and client-initiated
 * renegotiation is refused.
 *
 * Strategy: OpenSSL recognises a first record that is not TLS — "http
 * request" for `GET`/`POST`/`HEAD`/`PUT`, "wrong version number" for any
 * other bytes — and Node reports it as a `tlsClientError` before a byte of TLS
 * has been sent back. The answer is then written in clear text on the TCP
 * socket under the TLS one, and the connection closed once it is written (or
 * after `LINGER_TIMEOUT`). Renegotiation: `SSL_OP_NO_RENEGOTIATION`, so
 * OpenSSL answers a TLS 1.2 client's renegotiation with a `no_renegotiation`
 * alert and never runs a second handshake (TLS 1.3 has none); Node alone
 * allows three per ten minutes, a cheap CPU amplification.
 */

import { constants } from "node:crypto";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { LINGER_TIMEOUT } from "../protocol/limits.js";

/** `secureOptions` bits every TLS server of this package sets. */
export const TLS_SECURE_OPTIONS: number = constants.SSL_OP_NO_RENEGOTIATION ?? 0x40000000;

const PLAIN_BODY = "This port speaks HTTPS: use an https:// URL.\n";
/** The answer to plain HTTP on the TLS port (fixed bytes: no request is parsed). */
export const PLAIN_HTTP_ANSWER = Buffer.from(
  "HTTP/1.0 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n" +
    `Content-Length: ${PLAIN_BODY.length}\r\n\r\n${PLAIN_BODY}`,
  "latin1",
);

/** `tlsClientError` codes for a first record that is not TLS at all. */
const NOT_TLS = new Set(["ERR_SSL_HTTP_REQUEST", "ERR_SSL_WRONG_VERSION_NUMBER"]);

/**
 * Answers a client whose handshake failed because it did not speak TLS:
 * writes `PLAIN_HTTP_ANSWER` in clear text and closes. Returns `false` (and
 * does nothing) for any other handshake failure.
 */
export function answerPlainHttp(err: { code?: string }, socket: TLSSocket): boolean {
  if (err.code === undefined || !NOT_TLS.has(err.code)) return false;
  const raw = (socket as unknown as { _parent?: Socket | null })._parent;
  if (raw === undefined || raw === null || raw.destroyed) return false;
  const timer = setTimeout(() => raw.destroy(), LINGER_TIMEOUT * 1000).unref();
  raw.once("close", () => clearTimeout(timer));
  raw.write(PLAIN_HTTP_ANSWER, () => raw.destroy());
  return true;
}
