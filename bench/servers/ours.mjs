// bench/servers/ours.mjs: the hello-world server on this package.
//
// `node bench/servers/ours.mjs PORT [--quiet]`
// ThreadingHTTPServer + a BaseHTTPRequestHandler subclass speaking HTTP/1.1,
// answering every GET with the 13-byte `Hello, world!`. Logging is on, one
// line per request on stderr, as Python's default is (the runner sends stderr
// to /dev/null); `--quiet` overrides log_message() to do nothing, so the cost
// of logging can be reported. Prints `READY <port>` once listening.
import { ThreadingHTTPServer, BaseHTTPRequestHandler } from "../../dist/index.js";

const BODY = Buffer.from("Hello, world!");
const port = Number(process.argv[2] ?? 0);
const quiet = process.argv.includes("--quiet");

class Hello extends BaseHTTPRequestHandler {
  protocol_version = "HTTP/1.1";

  async do_GET() {
    this.send_response(200);
    this.send_header("Content-Type", "text/plain");
    this.send_header("Content-Length", String(BODY.length));
    this.end_headers();
    await this.wfile.write(BODY);
  }
}

class QuietHello extends Hello {
  log_message() {}
}

const httpd = new ThreadingHTTPServer(["127.0.0.1", port], quiet ? QuietHello : Hello);
await httpd.ready;
process.stdout.write(`READY ${httpd.server_port}\n`);

// Exit normally on a signal, so `node --cpu-prof` gets to write its profile.
for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => process.exit(0));
await httpd.serve_forever();
