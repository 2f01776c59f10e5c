// bench/soak/server.mjs: the server bench/soak.mjs attacks. Started by soak.mjs
// (never on its own): ThreadingHTTPServer from dist/ on 127.0.0.1, port 0,
// with the timeouts given as JSON in argv[2]. Prints `READY <port>` on stdout,
// then a JSON line of its own state every `sampleMs`: resident memory, heap,
// open connections (the server's count), open descriptors. Exits when its
// stdin closes.
//
//   GET /       13-byte "Hello, world!" (Content-Length, keep-alive)
//   GET /big    `bigBytes` bytes of 'a', written in 256 KiB chunks with awaited writes

import { readdirSync } from "node:fs";
import { BaseHTTPRequestHandler, ThreadingHTTPServer } from "../../dist/index.js";

const cfg = JSON.parse(process.argv[2] ?? "{}");
const HELLO = Buffer.from("Hello, world!");
const CHUNK = Buffer.alloc(256 * 1024, 0x61);
let logLines = 0;

class Handler extends BaseHTTPRequestHandler {
  protocol_version = "HTTP/1.1";
  header_timeout = cfg.header_timeout ?? 60;
  keep_alive_timeout = cfg.keep_alive_timeout ?? 5;
  body_timeout = cfg.body_timeout ?? 60;
  send_timeout = cfg.send_timeout ?? 60;

  async do_GET() {
    if (this.path === "/big") {
      const size = cfg.bigBytes ?? 1024 ** 3;
      this.send_response(200);
      this.send_header("Content-Length", String(size));
      this.end_headers();
      for (let sent = 0; sent < size; sent += CHUNK.length) {
        await this.wfile.write(sent + CHUNK.length <= size ? CHUNK : CHUNK.subarray(0, size - sent));
      }
      return;
    }
    this.send_response(200);
    this.send_header("Content-Type", "text/plain");
    this.send_header("Content-Length", String(HELLO.length));
    this.end_headers();
    void this.wfile.write(HELLO);
  }

  // 100,000 log lines would measure the terminal; count them instead.
  log_message() {
    logLines++;
  }
}

class Server extends ThreadingHTTPServer {
  max_connections = cfg.max_connections ?? null;
}

const server = new Server(["127.0.0.1", 0], Handler);
await server.ready;
process.stdout.write(`READY ${server.server_port}\n`);
const served = server.serve_forever();

const sample = () => {
  const m = process.memoryUsage();
  let fds = -1;
  try {
    fds = readdirSync("/proc/self/fd").length;
  } catch {}
  process.stdout.write(
    JSON.stringify({ t: Date.now(), rss: m.rss, heap: m.heapUsed, external: m.external, conns: server._connectionCount, fds, logLines }) + "\n",
  );
};
const timer = setInterval(sample, cfg.sampleMs ?? 500);

process.stdin.resume();
process.stdin.on("end", async () => {
  clearInterval(timer);
  // With --expose-gc (soak.mjs passes it): what is still reachable, not what awaits collection.
  globalThis.gc?.();
  sample();
  await server.shutdown();
  await served;
  await server.server_close();
  process.exit(0);
});
