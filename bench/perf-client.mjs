#!/usr/bin/env node
// bench/perf-client.mjs: a fixed-count load, for instruction counts that do
// not depend on time (`valgrind --tool=callgrind` on the server; see NOTES.md).
//
// Usage: node bench/perf-client.mjs PORT TOTAL [--connections C] [--pipeline D] [--path /] [--close]
// Opens C keep-alive connections (default 50), each sending D requests
// (default 1) at a time and the next D once all D responses are in, until
// TOTAL responses arrived; checks each is a 200 with a Content-Length body.
// `--close`: each of the C clients sends one request with `Connection: close`
// per connection, and opens the next connection once the server closed it
// (the hello-close scenario).
import { connect } from "node:net";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const port = Number(args[0]);
const total = Number(args[1]);
const connections = Number(opt("--connections", 50));
const depth = Number(opt("--pipeline", 1));
const path = opt("--path", "/");
const close = args.includes("--close");
const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${close ? "Connection: close\r\n" : ""}\r\n`.repeat(depth), "latin1");

let sent = 0;
let received = 0;
const started = process.hrtime.bigint();

function run() {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    socket.setNoDelay(true);
    let buf = Buffer.alloc(0);
    let outstanding = 0;
    /** A request was sent on this connection. */
    let asked = false;
    const next = () => {
      if (sent >= total || (close && asked)) {
        socket.end();
        return;
      }
      asked = true;
      sent += depth;
      outstanding = depth;
      socket.write(request);
    };
    socket.on("connect", next);
    socket.on("data", (chunk) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (;;) {
        const end = buf.indexOf("\r\n\r\n");
        if (end === -1) break;
        const head = buf.toString("latin1", 0, end);
        if (!head.startsWith("HTTP/1.1 200 ")) return reject(new Error(`unexpected response: ${head.split("\r\n")[0]}`));
        const m = /\r\ncontent-length: *(\d+)/i.exec(head);
        const length = m ? Number(m[1]) : 0;
        if (buf.length < end + 4 + length) break;
        buf = buf.subarray(end + 4 + length);
        received++;
        if (--outstanding === 0) next();
      }
    });
    socket.on("close", resolve);
    socket.on("error", reject);
  });
}

async function client() {
  if (!close) return run();
  while (sent < total) await run();
}

await Promise.all(Array.from({ length: connections }, client));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(`${received} responses in ${seconds.toFixed(2)} s\n`);
// A connection closed early (an idle timeout under valgrind, say) would skew a count.
if (received < total) {
  process.stderr.write(`only ${received} of ${total} responses arrived\n`);
  process.exitCode = 1;
}
