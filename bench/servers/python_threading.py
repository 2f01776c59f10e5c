"""bench/servers/python_threading.py: the same hello world on CPython's http.server.

`python3 bench/servers/python_threading.py PORT [--nodelay]`

ThreadingHTTPServer + a BaseHTTPRequestHandler subclass speaking HTTP/1.1,
answering every GET with `Hello, world!` (13 bytes), Content-Type text/plain,
Content-Length 13 (and Connection: close when the request asked to close,
as node:http does). log_message is silenced. `--nodelay` sets
disable_nagle_algorithm = True (TCP_NODELAY on every connection).

request_queue_size is raised from socketserver's 5 to 1024 (what our
ThreadingHTTPServer uses): with 5, most of wrk's 50 simultaneous connects
overflow the listen backlog and wait a SYN retransmit (1 s and more),
which measures the backlog rather than the server.
Prints `READY <port>` once listening.
"""
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = b"Hello, world!"


class Hello(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(BODY)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format, *args):
        pass


class NoDelayHello(Hello):
    disable_nagle_algorithm = True


class Server(ThreadingHTTPServer):
    request_queue_size = 1024


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    handler = NoDelayHello if "--nodelay" in sys.argv[2:] else Hello
    httpd = Server(("127.0.0.1", port), handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"READY {httpd.server_port}", flush=True)
    try:
        httpd.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        httpd.server_close()


if __name__ == "__main__":
    main()
