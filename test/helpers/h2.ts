/**
 * Test helper: HTTP/2 clients for the server tests (node:http2's client).
 *
 * Strategy: one place for what every HTTP/2 test does — a server with
 * `http2` on (`serveFor`, stopped by the test), a client session destroyed
 * by the test, a log capture stopped by the test, and a stream's reply
 * collected whole (status, fields, body, RST_STREAM code), bounded at 10 s.
 */

import type { TestContext } from "node:test";
import { connect as h2connect, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from "node:http2";
import { LogCapture, serveFor } from "./net.js";

/** A log capture stopped when the test ends. */
export function quiet(t: TestContext): LogCapture {
  const log = new LogCapture().start();
  t.after(() => log.stop());
  return log;
}

/** A server of `Handler` on loopback with HTTP/2 offered, stopped when the test ends. */
export async function h2server(t: TestContext, Handler: unknown) {
  const s = await serveFor(t, Handler);
  s.server.http2 = true;
  return s;
}

/** A client session to `url`, destroyed when the test ends. */
export function client(t: TestContext, url: string, options: object = {}): ClientHttp2Session {
  const c = h2connect(url, options);
  c.on("error", () => {});
  t.after(() => c.destroy());
  return c;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  rstCode: number;
}

/** The whole reply of a stream, once it closes. */
export function collect(r: ClientHttp2Stream): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let got: IncomingHttpHeaders = {};
    const parts: Buffer[] = [];
    r.on("response", (h) => (got = h));
    r.on("data", (d: Buffer) => parts.push(d));
    r.on("error", () => {});
    r.on("close", () => resolve({ status: Number(got[":status"] ?? 0), headers: got, body: Buffer.concat(parts), rstCode: r.rstCode ?? 0 }));
    setTimeout(() => reject(new Error("request timed out")), 10_000).unref();
  });
}

/** Sends a request (with `body`, if given, as its DATA) and collects the reply. */
export function request(c: ClientHttp2Session, headers: Record<string, string>, body?: Buffer | string): Promise<Reply> {
  const r = c.request(headers, { endStream: body === undefined });
  const reply = collect(r);
  if (body !== undefined) r.end(body);
  return reply;
}
