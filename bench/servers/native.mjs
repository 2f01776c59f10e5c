// bench/servers/native.mjs: the runtime's own HTTP server, the yardstick of
// bench/runtimes.mjs — Bun.serve under Bun, Deno.serve under Deno, node:http
// under Node.js.
//
// `<runtime> bench/servers/native.mjs PORT hello`          `Hello, world!` (13 bytes, text/plain)
// `<runtime> bench/servers/native.mjs PORT file DIRECTORY`  GET /NAME: DIRECTORY/NAME, read per request
// Binds 127.0.0.1, keep-alive (each server's default), no logging. The file
// answer is the plainest each runtime offers: Bun.file() (Bun sends it with
// sendfile), Deno.readFile(), fs.readFile() — no caching, no validators,
// no confinement checks, so it is a floor for what serving a file costs, not
// a file server. Prints `READY <port>` once listening.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";

const port = Number(process.argv[2] ?? 0);
const kind = process.argv[3] ?? "hello";
const dir = process.argv[4] ?? ".";
const BODY = new TextEncoder().encode("Hello, world!");
const HELLO_HEADERS = { "Content-Type": "text/plain", "Content-Length": String(BODY.length) };
const ready = (p) => process.stdout.write(`READY ${p}\n`);
const fileOf = (url) => join(dir, decodeURIComponent(new URL(url, "http://x").pathname));

if (typeof globalThis.Bun !== "undefined") {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port,
    fetch(req) {
      if (kind === "hello") return new Response(BODY, { headers: HELLO_HEADERS });
      return new Response(Bun.file(fileOf(req.url)), { headers: { "Content-Type": "application/octet-stream" } });
    },
  });
  ready(server.port);
} else if (typeof globalThis.Deno !== "undefined") {
  Deno.serve({ hostname: "127.0.0.1", port, onListen: ({ port: p }) => ready(p) }, async (req) => {
    if (kind === "hello") return new Response(BODY, { headers: HELLO_HEADERS });
    const data = await Deno.readFile(fileOf(req.url));
    return new Response(data, { headers: { "Content-Type": "application/octet-stream", "Content-Length": String(data.length) } });
  });
} else {
  const server = createServer(async (req, res) => {
    if (kind === "hello") {
      res.writeHead(200, HELLO_HEADERS);
      res.end(BODY);
      return;
    }
    try {
      const data = await readFile(fileOf(req.url));
      res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": String(data.length) });
      res.end(data);
    } catch {
      res.writeHead(404, { "Content-Length": "0" });
      res.end();
    }
  });
  server.listen(port, "127.0.0.1", () => ready(server.address().port));
}
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(0));
