// bench/idle-client.mjs: the client of the idle-10k scenario.
//
// `node bench/idle-client.mjs PORT COUNT PATH`
// Opens COUNT connections to 127.0.0.1:PORT (at most 200 connecting at a
// time), sends one `GET PATH HTTP/1.1` on each, reads its whole answer
// (Content-Length framing) and leaves the connection open and idle. Prints
// `OPEN <answered> FAILED <failed> MS <elapsed>` once every connection has
// answered or failed; then, for each line `count` on stdin, `STILL <n>`: how
// many of the answered connections are still open. Exits when stdin ends.
import { createConnection } from "node:net";
import { createInterface } from "node:readline";

const [port, count, path] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4] ?? "/"];
const PARALLEL = 200;
const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUser-Agent: bench-idle\r\n\r\n`);
const sockets = [];
let answered = 0;
let failed = 0;
let still = 0;

function one() {
  return new Promise((resolve) => {
    const sock = createConnection({ host: "127.0.0.1", port });
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (ok) => {
      if (done) return;
      done = true;
      if (ok) {
        answered += 1;
        still += 1;
        sockets.push(sock);
        sock.removeAllListeners("data");
        sock.on("data", () => {}); // nothing more is expected
        sock.once("close", () => (still -= 1));
      } else {
        failed += 1;
        sock.destroy();
      }
      resolve();
    };
    sock.on("error", () => finish(false));
    sock.on("close", () => finish(false));
    sock.on("connect", () => sock.write(request));
    sock.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(buf.subarray(0, end).toString("latin1"))?.[1] ?? NaN);
      if (!Number.isFinite(length)) return finish(false);
      if (buf.length >= end + 4 + length) finish(true);
    });
  });
}

const t0 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(PARALLEL, count) }, async () => {
    while (next < count) {
      next += 1;
      await one();
    }
  }),
);
process.stdout.write(`OPEN ${answered} FAILED ${failed} MS ${Math.round(performance.now() - t0)}\n`);

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (line.trim() === "count") process.stdout.write(`STILL ${still}\n`);
});
rl.on("close", () => {
  for (const s of sockets) s.destroy();
  process.exit(0);
});
