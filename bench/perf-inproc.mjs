// bench/perf-inproc.mjs: CPU per request of the request path alone, in process:
// a BaseHTTPRequestHandler (the hello handler, logging off) on a fake socket
// fed N batches of D pipelined GETs (one batch per turn of the event loop).
// No kernel, no client, no scheduling between processes: on a shared machine
// this is the least noisy A/B of the request loop short of callgrind.
//
// Usage: node bench/perf-inproc.mjs TREE N [D]   (TREE: a checkout with dist/ built)
//   e.g. node bench/perf-inproc.mjs . 30000 16; node bench/perf-inproc.mjs /tmp/before 100000 1
import { EventEmitter } from "node:events";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
const tree = process.argv[2], batches = Number(process.argv[3]), depth = Number(process.argv[4] ?? 16);
const { BaseHTTPRequestHandler } = await import(pathToFileURL(resolve(tree, "dist/index.js")).href);
const BODY = Buffer.from("Hello, world!");
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
  log_message() {}
}
class Fake extends EventEmitter {
  destroyed = false; writableEnded = false; writableNeedDrain = false; bytes = 0;
  write(b) { this.bytes += b.length; return true; } cork() {} uncork() {} pause() {} resume() {} setNoDelay() {} destroy() {}
}
const req = Buffer.from("GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: bench\r\n\r\n".repeat(depth));
const tick = () => new Promise((r) => setImmediate(r));
async function run(n) {
  const s = new Fake();
  const h = new Hello(s, ["127.0.0.1", 1], {});
  h.setup();
  const done = h.handle();
  for (let i = 0; i < n; i++) { s.emit("data", req); await tick(); }
  s.emit("end");
  await done;
  return s.bytes;
}
await run(2000); // warm-up
const t = process.cpuUsage();
const bytes = await run(batches);
const u = process.cpuUsage(t);
console.log(((u.user + u.system) / (batches * depth)).toFixed(3), "µs/req", bytes);
