// A hello-world server, the Python way: `node examples/hello.js [port]`.
import { ThreadingHTTPServer, BaseHTTPRequestHandler } from "http.server";

class Hello extends BaseHTTPRequestHandler {
  protocol_version = "HTTP/1.1";

  async do_GET() {
    const body = Buffer.from(`hello ${this.path}\n`);
    this.send_response(200);
    this.send_header("Content-Type", "text/plain; charset=utf-8");
    this.send_header("Content-Length", String(body.length));
    this.end_headers();
    await this.wfile.write(body);
  }
}

const port = Number(process.argv[2] ?? 8000);
const httpd = new ThreadingHTTPServer(["127.0.0.1", port], Hello);
await httpd.ready;
console.error(`Serving HTTP on ${httpd.server_address[0]} port ${httpd.server_port} (http://${httpd.server_address[0]}:${httpd.server_port}/) ...`);
process.on("SIGINT", async () => {
  await httpd.shutdown();
  await httpd.server_close();
});
await httpd.serve_forever();
