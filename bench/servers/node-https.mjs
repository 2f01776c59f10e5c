// bench/servers/node-https.mjs: the same hello world on node:https, the yardstick.
//
// `node bench/servers/node-https.mjs PORT CERTFILE KEYFILE`
// Answers every GET with `Hello, world!` (13 bytes), Content-Type text/plain,
// Content-Length 13, keep-alive (node's default for HTTP/1.1; a request with
// `Connection: close` gets `Connection: close` back and the socket is closed).
// ALPN http/1.1 and TLS ≥ 1.2, as ours offers. No logging. Counts resumed
// TLS sessions and prints `TLS sessions: N handshakes, M resumed` on stdout
// when stopped, as ours-tls.mjs does. Prints `READY <port>` once listening.
import { readFileSync } from "node:fs";
import { createServer } from "node:https";

const BODY = Buffer.from("Hello, world!");
const HEADERS = { "Content-Type": "text/plain", "Content-Length": String(BODY.length) };
const [portArg, certfile, keyfile] = process.argv.slice(2);
const port = Number(portArg ?? 0);

const server = createServer(
  { cert: readFileSync(certfile), key: readFileSync(keyfile), minVersion: "TLSv1.2", ALPNProtocols: ["http/1.1"] },
  (req, res) => {
    res.writeHead(200, HEADERS);
    res.end(BODY);
  },
);
const sessions = { handshakes: 0, resumed: 0 };
server.on("secureConnection", (socket) => {
  sessions.handshakes += 1;
  if (socket.isSessionReused()) sessions.resumed += 1;
});
server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`READY ${server.address().port}\n`);
});
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.once(sig, () => {
    process.stdout.write(`TLS sessions: ${sessions.handshakes} handshakes, ${sessions.resumed} resumed\n`, () => process.exit(0));
  });
}
