/**
 * A plain HTTP/1.1 GET (or HEAD) over loopback with node:http, collecting
 * status, headers and body bytes: the foreign client of the listing,
 * archive and share-link tests.
 */

import { request, type IncomingHttpHeaders } from "node:http";

export interface Got {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** GETs `path` from 127.0.0.1:`port`; rejects after 10 s. */
export function get(port: number, path: string, headers: Record<string, string> = {}, method = "GET"): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path}: timed out`)));
    req.on("error", reject);
    req.end();
  });
}
