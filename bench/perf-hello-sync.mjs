// bench/perf-hello-sync.mjs: bench/servers/ours.mjs with a synchronous
// do_GET() (no `async`, no await): the handler's fully synchronous path.
// `node bench/perf-hello-sync.mjs PORT [--quiet]`; prints `READY <port>`.
import { ThreadingHTTPServer, BaseHTTPRequestHandler } from "../dist/index.js";

const BODY = Buffer.from("Hello, world!");
const port = Number(process.argv[2] ?? 0);
const quiet = process.argv.includes("--quiet");

class Hello extends BaseHTTPRequestHandler {
  protocol_version = "HTTP/1.1";

  do_GET() {
    this.send_response(200);
    this.send_header("Content-Type", "text/plain");
    this.send_header("Content-Length", String(BODY.length));
    this.end_headers();
    void this.wfile.write(BODY);
  }
}

class QuietHello extends Hello {
  log_message() {}
}

const httpd = new ThreadingHTTPServer(["127.0.0.1", port], quiet ? QuietHello : Hello);
await httpd.ready;
process.stdout.write(`READY ${httpd.server_port}\n`);
for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => process.exit(0));
await httpd.serve_forever();
