// Echoes a POSTed body back (Content-Length or chunked, up to 1 MiB):
// `node examples/echo-post.js [port]`, then `curl --data-binary @file http://127.0.0.1:8000/`.
import { ThreadingHTTPServer, BaseHTTPRequestHandler } from "http.server";

class Echo extends BaseHTTPRequestHandler {
  protocol_version = "HTTP/1.1";

  async do_POST() {
    const body = await this.read_body({ limit: 1024 * 1024 });
    this.send_response(200);
    this.send_header("Content-Type", this.headers.get("Content-Type", "application/octet-stream"));
    this.send_header("Content-Length", String(body.length));
    this.end_headers();
    await this.wfile.write(body);
  }
}

const port = Number(process.argv[2] ?? 8000);
const httpd = new ThreadingHTTPServer(["127.0.0.1", port], Echo);
await httpd.ready;
console.error(`Serving HTTP on ${httpd.server_address[0]} port ${httpd.server_port} (http://${httpd.server_address[0]}:${httpd.server_port}/) ...`);
process.on("SIGINT", async () => {
  await httpd.shutdown();
  await httpd.server_close();
});
await httpd.serve_forever();
