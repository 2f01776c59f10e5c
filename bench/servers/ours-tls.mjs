// bench/servers/ours-tls.mjs: the hello-world server on this package, over TLS.
//
// `node bench/servers/ours-tls.mjs PORT CERTFILE KEYFILE [--quiet]`
// ThreadingHTTPSServer (options { certfile, keyfile }) + a BaseHTTPRequestHandler
// subclass speaking HTTP/1.1, answering every GET with the 13-byte
// `Hello, world!`. Logging is on, one line per request on stderr, as Python's
// default is (the runner sends stderr to /dev/null); `--quiet` overrides
// log_message() to do nothing. When the request asked for `Connection: close`
// the answer says so too (as node:https does), so that the client knows the
// server will close and opens its next connection at once.
// Counts the connections whose TLS session was resumed (`isSessionReused()`,
// once per connection) and prints `TLS sessions: N handshakes, M resumed` on
// stdout when stopped, for the runner's notes. Prints `READY <port>` once listening.
import { ThreadingHTTPSServer, BaseHTTPRequestHandler } from "../../dist/index.js";

const BODY = Buffer.from("Hello, world!");
const [portArg, certfile, keyfile] = process.argv.slice(2);
const port = Number(portArg ?? 0);
const quiet = process.argv.includes("--quiet");

const sessions = { handshakes: 0, resumed: 0 };

class Hello extends BaseHTTPRequestHandler {
  protocol_version = "HTTP/1.1";

  setup() {
    sessions.handshakes += 1;
    if (this.request.isSessionReused()) sessions.resumed += 1;
    return super.setup();
  }

  async do_GET() {
    this.send_response(200);
    this.send_header("Content-Type", "text/plain");
    this.send_header("Content-Length", String(BODY.length));
    if (this.close_connection) this.send_header("Connection", "close");
    this.end_headers();
    await this.wfile.write(BODY);
  }
}

class QuietHello extends Hello {
  log_message() {}
}

const httpd = new ThreadingHTTPSServer(["127.0.0.1", port], quiet ? QuietHello : Hello, true, { certfile, keyfile });
await httpd.ready;
process.stdout.write(`READY ${httpd.server_port}\n`);

// Exit normally on a signal, so `node --cpu-prof` gets to write its profile.
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.once(sig, () => {
    process.stdout.write(`TLS sessions: ${sessions.handshakes} handshakes, ${sessions.resumed} resumed\n`, () => process.exit(0));
  });
}
await httpd.serve_forever();
