// bench/perf-node-http.mjs: bench/servers/node-http.mjs with its idle
// timeouts lifted, for bench/perf-ir.sh: under valgrind a connection can wait
// longer than node:http's 5 s keepAliveTimeout between two requests, and a
// reset connection would end the count early. Same request path otherwise.
import { createServer } from "node:http";

const BODY = Buffer.from("Hello, world!");
const HEADERS = { "Content-Type": "text/plain", "Content-Length": String(BODY.length) };
const port = Number(process.argv[2] ?? 0);

const server = createServer({ keepAliveTimeout: 600_000, headersTimeout: 600_000, requestTimeout: 0 }, (req, res) => {
  res.writeHead(200, HEADERS);
  res.end(BODY);
});
server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`READY ${server.address().port}\n`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => process.exit(0));
