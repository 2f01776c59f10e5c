// bench/servers/node-http.mjs: the same hello world on node:http, the yardstick.
//
// `node bench/servers/node-http.mjs PORT [--keep-alive SECONDS]`
// Answers every GET with `Hello, world!` (13 bytes), Content-Type text/plain,
// Content-Length 13, keep-alive (node:http's default for HTTP/1.1). No logging.
// `--keep-alive` sets server.keepAliveTimeout (default 5 s) for the idle scenario.
// Prints `READY <port>` once listening.
import { createServer } from "node:http";

const BODY = Buffer.from("Hello, world!");
const HEADERS = { "Content-Type": "text/plain", "Content-Length": String(BODY.length) };
const port = Number(process.argv[2] ?? 0);

const server = createServer((req, res) => {
  res.writeHead(200, HEADERS);
  res.end(BODY);
});
const keepAlive = process.argv.indexOf("--keep-alive");
if (keepAlive > 0) server.keepAliveTimeout = Number(process.argv[keepAlive + 1]) * 1000;
server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`READY ${server.address().port}\n`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => process.exit(0));
