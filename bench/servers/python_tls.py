"""bench/servers/python_tls.py: the same hello world on CPython's http.server, over TLS.

`python3 bench/servers/python_tls.py PORT CERTFILE KEYFILE [--nodelay]`

Python 3.14 adds http.server.HTTPSServer; on 3.11 (what this machine has) this
is a ThreadingHTTPServer whose listening socket is wrapped the way 3.14's
HTTPSServer.server_activate() wraps it: after listen(), with
ssl.SSLContext(PROTOCOL_TLS_SERVER).wrap_socket(sock, server_side=True), the
certificate chain loaded with load_cert_chain(certfile, keyfile) and ALPN
http/1.1. do_handshake_on_connect keeps its default (True), so, as in 3.14,
each handshake runs inside accept(), on the thread that accepts connections;
only then does a thread per connection take over.

The handler speaks HTTP/1.1 and answers every GET with `Hello, world!`
(13 bytes), Content-Type text/plain, Content-Length 13; log_message is
silenced. A request with `Connection: close` is answered with
`Connection: close` (as node:https does), so the client does not try to reuse
a connection the server closes. `--nodelay` sets disable_nagle_algorithm = True.

request_queue_size is raised from socketserver's 5 to 1024, as in
python_threading.py. Counts the connections whose TLS session was resumed
(SSLSocket.session_reused) and prints `TLS sessions: N handshakes, M resumed`
on stdout when stopped, as the Node.js servers do. Prints `READY <port>` once
listening.
"""
import signal
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = b"Hello, world!"
SESSIONS = {"handshakes": 0, "resumed": 0}
SESSIONS_LOCK = threading.Lock()


class Hello(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        with SESSIONS_LOCK:
            SESSIONS["handshakes"] += 1
            if self.request.session_reused:
                SESSIONS["resumed"] += 1
        super().setup()

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

    def __init__(self, server_address, handler, *, certfile, keyfile):
        self.certfile = certfile
        self.keyfile = keyfile
        super().__init__(server_address, handler)

    def server_activate(self):
        """Wrap the socket in SSLSocket, as 3.14's HTTPSServer does."""
        super().server_activate()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certfile, self.keyfile)
        context.set_alpn_protocols(["http/1.1"])
        self.socket = context.wrap_socket(self.socket, server_side=True)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    certfile, keyfile = sys.argv[2], sys.argv[3]
    handler = NoDelayHello if "--nodelay" in sys.argv[4:] else Hello
    httpd = Server(("127.0.0.1", port), handler, certfile=certfile, keyfile=keyfile)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"READY {httpd.server_port}", flush=True)
    try:
        httpd.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        httpd.server_close()
        print(f"TLS sessions: {SESSIONS['handshakes']} handshakes, {SESSIONS['resumed']} resumed", flush=True)


if __name__ == "__main__":
    main()
