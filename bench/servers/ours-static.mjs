// bench/servers/ours-static.mjs: this package's file server, as a script.
//
// `node bench/servers/ours-static.mjs PORT DIRECTORY [--quiet]`
// ThreadingHTTPServer + a SimpleHTTPRequestHandler subclass serving DIRECTORY
// (Python's `functools.partial(SimpleHTTPRequestHandler, directory=...)`) over
// HTTP/1.1. Logging is on, one line per request on stderr, as Python's default
// is (the runner sends stderr to /dev/null, so formatting and writing are paid);
// `--quiet` overrides log_message() to do nothing. Everything else is the
// package's default. Prints `READY <port>` once listening on 127.0.0.1 (port 0:
// the system chooses).
import { resolve } from "node:path";
import { ThreadingHTTPServer, SimpleHTTPRequestHandler } from "../../dist/index.js";

const port = Number(process.argv[2] ?? 0);
const directory = resolve(process.argv[3] ?? ".");
const quiet = process.argv.includes("--quiet");

class Handler extends SimpleHTTPRequestHandler {
  protocol_version = "HTTP/1.1";

  constructor(request, client_address, server) {
    super(request, client_address, server, { directory });
  }
}

class QuietHandler extends Handler {
  log_message() {}
}

const httpd = new ThreadingHTTPServer(["127.0.0.1", port], quiet ? QuietHandler : Handler);
if (process.argv.includes("--http2")) httpd.http2 = true; // prior knowledge (bench/h2.mjs)
await httpd.ready;
process.stdout.write(`READY ${httpd.server_port}\n`);

// Exit normally on a signal, so `node --cpu-prof` gets to write its profile.
for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => process.exit(0));
await httpd.serve_forever();
