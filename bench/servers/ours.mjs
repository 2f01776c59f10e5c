// bench/servers/ours.mjs: the hello-world server on this package.
//
// `node bench/servers/ours.mjs PORT [--quiet] [--keep-alive SECONDS] [--max-connections N] [--workers N] [--http2]`
// ThreadingHTTPServer + a BaseHTTPRequestHandler subclass speaking HTTP/1.1,
// answering every GET with the 13-byte `Hello, world!`. Logging is on, one
// line per request on stderr, as Python's default is (the runner sends stderr
// to /dev/null); `--quiet` overrides log_message() to do nothing, so the cost
// of logging can be reported. When the request asked for `Connection: close`
// the answer says so too (as node:http does), so that the client opens its
// next connection at once. `--keep-alive` sets the handler's
// keep_alive_timeout (idle seconds between requests; the library's default
// is 5) for the idle-connections scenario, and `--max-connections` the
// server's connection cap (default: half the open-files limit, which would
// refuse part of 10,000 connections under a 20,000 limit). `--workers N` serves with
// serveWorkers() from N processes sharing the port (the CLI's --workers).
// Prints `READY <port>` once listening (with --workers, once all listen).
import cluster from "node:cluster";
import { ThreadingHTTPServer, BaseHTTPRequestHandler, serveWorkers } from "../../dist/index.js";

const BODY = Buffer.from("Hello, world!");
const port = Number(process.argv[2] ?? 0);
const quiet = process.argv.includes("--quiet");
const option = (name) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? null : process.argv[i + 1];
};
const keepAlive = option("--keep-alive");
const workers = option("--workers");
const maxConnections = option("--max-connections");

class Hello extends BaseHTTPRequestHandler {
  protocol_version = "HTTP/1.1";

  async do_GET() {
    this.send_response(200);
    this.send_header("Content-Type", "text/plain");
    this.send_header("Content-Length", String(BODY.length));
    if (this.close_connection) this.send_header("Connection", "close");
    this.end_headers();
    await this.wfile.write(BODY);
  }
}
if (keepAlive !== null) Hello.prototype.keep_alive_timeout = Number(keepAlive);

class QuietHello extends Hello {
  log_message() {}
}

const Handler = quiet ? QuietHello : Hello;

if (workers !== null) {
  process.exitCode = await serveWorkers(() => new ThreadingHTTPServer(["127.0.0.1", port], Handler), {
    workers: workers === "auto" ? "auto" : Number(workers),
    onListening: ([, p]) => process.stdout.write(`READY ${p}\n`),
  });
  if (cluster.isWorker) process.exit(process.exitCode);
} else {
  const httpd = new ThreadingHTTPServer(["127.0.0.1", port], Handler);
  if (maxConnections !== null) httpd.max_connections = Number(maxConnections);
  if (process.argv.includes("--http2")) httpd.http2 = true; // prior knowledge (bench/h2.mjs)
  await httpd.ready;
  process.stdout.write(`READY ${httpd.server_port}\n`);
  // Exit normally on a signal, so `node --cpu-prof` gets to write its profile.
  for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => process.exit(0));
  await httpd.serve_forever();
}
