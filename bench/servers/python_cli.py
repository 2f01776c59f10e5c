"""bench/servers/python_cli.py: `python3 -m http.server`, with a deeper listen backlog.

`python3 -u bench/servers/python_cli.py --protocol HTTP/1.1 --bind 127.0.0.1 -d DIR PORT`

Runs CPython's own command line (`http.server`'s `__main__` block, through
runpy, with these arguments unchanged: DualStackServer, SimpleHTTPRequestHandler,
logging every request to stderr) after one change: socketserver.TCPServer's
request_queue_size goes from 5 to 1024, the backlog our ThreadingHTTPServer
uses. With 5, most of wrk's 50 simultaneous connects overflow the listen queue
and wait for a SYN retransmit (a second or more), so a keep-alive run would
measure the backlog rather than the server; the command line has no option to
change it. Prints CPython's `Serving HTTP on HOST port PORT (...) ...` line
(`-u`: unbuffered, so the line arrives at once through a pipe).
"""
import runpy
import socketserver
import sys

socketserver.TCPServer.request_queue_size = 1024
sys.argv = ["http.server", *sys.argv[1:]]
runpy.run_module("http.server", run_name="__main__", alter_sys=True)
