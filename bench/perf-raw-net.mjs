// bench/perf-raw-net.mjs: the floor — a minimal HTTP/1.1 hello loop on raw
// node:net (no parsing beyond counting request heads), for comparing
// instructions and CPU per request with ours and node:http (see NOTES.md);
// a lone request asking `Connection: close` is answered and the connection
// ended (the hello-close scenario's floor).
// `node bench/perf-raw-net.mjs PORT`; prints `READY <port>`.
import { createServer } from "node:net";

const RESPONSE = Buffer.from("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, world!");
const RESPONSE_CLOSE = Buffer.from("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: close\r\n\r\nHello, world!");
const CLOSE = /\r\nconnection: *close\r\n/i;
const port = Number(process.argv[2] ?? 0);
const server = createServer((socket) => {
  socket.setNoDelay(true);
  let tail = "";
  socket.on("data", (chunk) => {
    const text = tail + chunk.toString("latin1");
    let n = 0;
    let at = 0;
    for (;;) {
      const end = text.indexOf("\r\n\r\n", at);
      if (end === -1) break;
      n++;
      at = end + 4;
    }
    tail = text.slice(at);
    if (n === 1 && CLOSE.test(text)) socket.end(RESPONSE_CLOSE); // one request per connection (hello-close)
    else if (n === 1) socket.write(RESPONSE);
    else if (n > 1) socket.write(Buffer.concat(Array(n).fill(RESPONSE)));
  });
  socket.on("error", () => {});
});
server.listen(port, "127.0.0.1", () => process.stdout.write(`READY ${server.address().port}\n`));
for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => process.exit(0));
