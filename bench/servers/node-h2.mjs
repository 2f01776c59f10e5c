// bench/servers/node-h2.mjs: node:http2's own server (its compatibility API,
// as an application would write it) answering every request with the
// 13-byte `Hello, world!`, for bench/h2.mjs and bench/h2-ir.sh.
// `node bench/servers/node-h2.mjs PORT`; prints `READY <port>` once listening.
import http2 from "node:http2";

const BODY = Buffer.from("Hello, world!");
const server = http2.createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain", "content-length": BODY.length });
  res.end(BODY);
});
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => process.stdout.write(`READY ${server.address().port}\n`));
for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => process.exit(0));
