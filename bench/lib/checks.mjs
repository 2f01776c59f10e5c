// bench/lib/checks.mjs: checks of each server before load: status, headers, body, keep-alive.
// Part of bench/run.mjs (see there and bench/README.md), split along its section headings.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createConnection } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { TLS_CERT } from "./config.mjs";

/**
 * Sends two GETs on one connection, one after the other, and checks both
 * answers against `expect` ({ status, headers: { name: string | RegExp },
 * body, length, sha256, includes: [string], minLength }): the server must keep
 * the connection alive. Bodies may be framed by Content-Length or chunked;
 * they are hashed as they arrive, and kept only up to 16 MiB. A server listed
 * in `scenario.closes` (HTTP/1.0 by default) is checked on one answer only.
 */
export function checkServer(server, scenario, expect) {
  const closes = scenario.closes?.includes(server.key) ?? false;
  const request = `GET ${scenario.path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUser-Agent: bench\r\n\r\n`;
  const KEEP = 16 << 20;
  return new Promise((resolve, reject) => {
    // Over TLS the certificate is verified against itself (and its SAN 127.0.0.1).
    const sock = scenario.tls
      ? tlsConnect({ host: "127.0.0.1", port: server.port, ca: readFileSync(TLS_CERT), ALPNProtocols: ["http/1.1"] })
      : createConnection({ host: "127.0.0.1", port: server.port });
    let answered = 0;
    let pending = Buffer.alloc(0); // unparsed head or chunk-size bytes
    let res = null; // the response being read
    const timer = setTimeout(() => done(new Error("no complete answers within 30 s")), 30_000);
    const done = (err) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(new Error(`${server.key}: ${err.message}`));
      else resolve();
    };
    const fresh = () => ({ state: "head", status: 0, headers: {}, left: 0, length: 0, hash: createHash("sha256"), kept: [] });
    res = fresh();
    const body = (data) => {
      res.length += data.length;
      res.hash.update(data);
      if (res.length <= KEEP) res.kept.push(Buffer.from(data));
    };
    const finish = () => {
      const want = expect;
      const got = res;
      const text = Buffer.concat(got.kept).toString("utf8");
      if (got.status !== want.status) return `status ${got.status}, want ${want.status}`;
      for (const [k, v] of Object.entries(want.headers ?? {})) {
        const h = got.headers[k];
        if (v instanceof RegExp ? !(h !== undefined && v.test(h)) : h !== v) return `${k}: ${JSON.stringify(h)}, want ${v}`;
      }
      if (want.body !== undefined && text !== want.body) return `body ${JSON.stringify(text.slice(0, 100))}, want ${JSON.stringify(want.body)}`;
      if (want.length !== undefined && got.length !== want.length) return `body of ${got.length} bytes, want ${want.length}`;
      if (want.minLength !== undefined && got.length < want.minLength) return `body of ${got.length} bytes, want at least ${want.minLength}`;
      if (want.sha256 !== undefined && got.hash.digest("hex") !== want.sha256) return "body differs from the file (sha256)";
      for (const s of want.includes ?? []) if (!text.includes(s)) return `body lacks ${JSON.stringify(s)}`;
      return null;
    };
    /** Parses what is in `buf`; returns false when a response failed the check. */
    const feed = (buf) => {
      let data = pending.length ? Buffer.concat([pending, buf]) : buf;
      pending = Buffer.alloc(0);
      while (data.length > 0 || res.state === "end") {
        if (res.state === "head") {
          const end = data.indexOf("\r\n\r\n");
          if (end < 0) {
            pending = data;
            return true;
          }
          const lines = data.subarray(0, end).toString("latin1").split("\r\n");
          data = data.subarray(end + 4);
          res.status = Number(lines[0].split(" ")[1]);
          for (const line of lines.slice(1)) {
            const c = line.indexOf(":");
            res.headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
          }
          if (/chunked/i.test(res.headers["transfer-encoding"] ?? "")) res.state = "size";
          else if (/^\d+$/.test(res.headers["content-length"] ?? "")) {
            res.left = Number(res.headers["content-length"]);
            res.state = res.left > 0 ? "body" : "end";
          } else {
            done(new Error(`neither Content-Length nor chunked in ${JSON.stringify(lines)}: no keep-alive?`));
            return false;
          }
        } else if (res.state === "body" || res.state === "chunk") {
          const take = Math.min(res.left, data.length);
          body(data.subarray(0, take));
          data = data.subarray(take);
          res.left -= take;
          if (res.left === 0) res.state = res.state === "body" ? "end" : "chunk-end";
        } else if (res.state === "size" || res.state === "chunk-end" || res.state === "trailer") {
          const eol = data.indexOf("\r\n");
          if (eol < 0) {
            pending = data;
            return true;
          }
          const line = data.subarray(0, eol).toString("latin1");
          data = data.subarray(eol + 2);
          if (res.state === "chunk-end") res.state = "size";
          else if (res.state === "trailer") {
            if (line === "") res.state = "end";
          } else {
            res.left = parseInt(line, 16);
            res.state = res.left > 0 ? "chunk" : "trailer";
          }
        } else if (res.state === "end") {
          const problem = finish();
          if (problem) {
            done(new Error(problem));
            return false;
          }
          answered += 1;
          res = fresh();
          if (answered === 2 || (answered === 1 && closes)) {
            done(null);
            return false;
          }
          sock.write(request);
        }
      }
      return true;
    };
    sock.on("error", done);
    sock.on("close", () => answered < 2 && done(new Error(`closed after ${answered} response(s): no keep-alive?`)));
    sock.on(scenario.tls ? "secureConnect" : "connect", () => sock.write(request));
    sock.on("data", feed);
  });
}
