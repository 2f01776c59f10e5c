/**
 * Side by side with CPython: `python3 -m http.server --cgi` (3.11, the
 * installed reference) and our `CGIHTTPRequestHandler` serve the same
 * directory of real scripts (test/cgi/fixture.ts); each request is sent raw
 * to both and the transcripts must be equal.
 *
 * What is masked, and why (each is asserted before it is masked):
 *   - `Date` and `Server` headers (`render`), and in the scripts' output the
 *     two variables that name them: `SERVER_SOFTWARE` (the runtime) and
 *     `SERVER_PORT` (each server's own port);
 *   - CPython 3.11's error pages lack 3.14's `color-scheme` style block and
 *     use 3.11's phrases (`renderOurs` / `renderPython`).
 * The known differences (README, "Differences from CPython") are rows of
 * their own at the end, asserting what each side does.
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { CGIHTTPRequestHandler } from "../../src/cgi/cgi-handler.js";
import type { ClientAddress, HandlerServer } from "../../src/handler/base-handler.js";
import { renderOurs, renderPython, spawnPython, type PythonChild } from "../conformance/side-by-side.js";
import { exchange, LogCapture, serve, type Running } from "../helpers/net.js";
import { makeCgiSite } from "./fixture.js";

const PYTHON_SOFTWARE = /^SERVER_SOFTWARE=SimpleHTTP\/0\.6 Python\/3\.\d+\.\d+\S*$/m;
const OUR_SOFTWARE = new RegExp(`^SERVER_SOFTWARE=SimpleHTTP/0\\.6 Node\\.js/${process.versions.node.replace(/\./g, "\\.")}$`, "m");

/** Masks the two variables that name the server, after checking their form. */
function maskVars(text: string, software: RegExp, port: number): string {
  if (/^SERVER_SOFTWARE=/m.test(text)) {
    assert.match(text, software);
    assert.match(text, new RegExp(`^SERVER_PORT=${port}$`, "m"));
  }
  return text.replace(/^SERVER_SOFTWARE=.*$/m, "SERVER_SOFTWARE=<software>").replace(/^SERVER_PORT=\d+$/m, "SERVER_PORT=<port>");
}

let root = "";
let cleanup: () => Promise<void> = async () => {};
let py: PythonChild;
let ours: Running<never>;
const log = new LogCapture();

before(async () => {
  ({ root, cleanup } = await makeCgiSite());
  py = await spawnPython(["-m", "http.server", "--cgi", "--bind", "127.0.0.1", "--directory", root, "0"], (out) => {
    const m = /port (\d+) /.exec(out);
    return m === null ? null : Number(m[1]);
  }, root);
  class Ours extends CGIHTTPRequestHandler {
    constructor(request: Socket, client_address: ClientAddress, server: HandlerServer) {
      super(request, client_address, server, { directory: root });
    }
  }
  log.start();
  ours = (await serve(Ours)) as Running<never>;
});

after(async () => {
  await ours.close();
  log.stop();
  await py.close();
  await cleanup();
});

/** Sends `request` to both servers; resolves to both transcripts, rendered and masked. */
async function both(request: string | Buffer): Promise<{ python: string; ours: string }> {
  const [p, o] = await Promise.all([exchange(py.port, request), exchange(ours.port, request)]);
  return {
    python: maskVars(renderPython(p), PYTHON_SOFTWARE, py.port),
    ours: maskVars(renderOurs(o), OUR_SOFTWARE, ours.port),
  };
}

const basic = (s: string): string => `Authorization: Basic ${Buffer.from(s).toString("base64")}`;

/** [name, request]: the same bytes go to both servers. */
const SAME: [string, string][] = [
  ["GET with PATH_INFO, a query without '=' and request headers", "GET /cgi-bin/env.sh/a%20b/c?x+y HTTP/1.0\r\nAccept: text/html\r\nAccept: text/plain\r\nUser-Agent: t/1\r\nReferer: http://r/\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n"],
  ["GET with a query with '='", "GET /cgi-bin/env.sh?a=1&b=%20 HTTP/1.0\r\n\r\n"],
  ["GET without a query: one empty argument", "GET /cgi-bin/env.sh HTTP/1.0\r\n\r\n"],
  ["GET with an empty query", "GET /cgi-bin/env.sh? HTTP/1.0\r\n\r\n"],
  ["Basic credentials", `GET /cgi-bin/env.sh HTTP/1.0\r\n${basic("alice:secret")}\r\n\r\n`],
  ["Basic credentials with two colons", `GET /cgi-bin/env.sh HTTP/1.0\r\n${basic("a:b:c")}\r\n\r\n`],
  ["Basic credentials that are not base64", "GET /cgi-bin/env.sh HTTP/1.0\r\nAuthorization: Basic !!!\r\n\r\n"],
  ["another scheme", "GET /cgi-bin/env.sh HTTP/1.0\r\nAuthorization: Bearer x.y\r\n\r\n"],
  ["an Authorization of three words", "GET /cgi-bin/env.sh HTTP/1.0\r\nAuthorization: Basic a b\r\n\r\n"],
  ["POST with a Content-Type and a body", "POST /cgi-bin/env.sh HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\na=1&b=2"],
  ["a Python script reading the body", "POST /cgi-bin/echo.py?arg HTTP/1.0\r\nContent-Length: 11\r\n\r\nhello world"],
  ["a Python script with an empty body", "POST /cgi-bin/echo.py HTTP/1.0\r\nContent-Length: 0\r\n\r\n"],
  ["a Node script", "GET /cgi-bin/info.js/p/q%2Fr?k=v HTTP/1.0\r\n\r\n"],
  ["a script in a subdirectory, with PATH_INFO", "GET /cgi-bin/sub/deep.sh/pi HTTP/1.0\r\n\r\n"],
  ["HEAD runs the script and sends its output", "HEAD /cgi-bin/sub/deep.sh/x HTTP/1.0\r\n\r\n"],
  ["/htbin", "GET /htbin/hi.sh HTTP/1.0\r\n\r\n"],
  ["a script that writes to stderr and exits 3", "GET /cgi-bin/fail.sh HTTP/1.0\r\n\r\n"],
  ["a missing script", "GET /cgi-bin/nope.sh HTTP/1.0\r\n\r\n"],
  ["a script that is not executable", "GET /cgi-bin/noexec.sh HTTP/1.0\r\n\r\n"],
  ["a directory in cgi-bin", "GET /cgi-bin/dir HTTP/1.0\r\n\r\n"],
  ["cgi-bin itself", "GET /cgi-bin/ HTTP/1.0\r\n\r\n"],
  ["cgi-bin without its slash", "GET /cgi-bin HTTP/1.0\r\n\r\n"],
  ["POST outside the script directories", "POST /index.html HTTP/1.0\r\nContent-Length: 0\r\n\r\n"],
  ["a script's own Status header is passed through", "GET /cgi-bin/status.sh?teapot HTTP/1.0\r\n\r\n"],
  // Traversal attempts on the script path: both collapse them the same way.
  ["/cgi-bin/../cgi-bin/x", "GET /cgi-bin/../cgi-bin/env.sh HTTP/1.0\r\n\r\n"],
  ["%2e%2e", "GET /cgi-bin/%2e%2e/cgi-bin/env.sh HTTP/1.0\r\n\r\n"],
  ["%2E%2E upper case", "GET /cgi-bin/%2E%2E/cgi-bin/env.sh HTTP/1.0\r\n\r\n"],
  ["//cgi-bin", "GET //cgi-bin/env.sh HTTP/1.0\r\n\r\n"],
  ["/./cgi-bin/./", "GET /./cgi-bin/./env.sh HTTP/1.0\r\n\r\n"],
  ["an encoded slash after cgi-bin", "GET /cgi-bin%2fenv.sh HTTP/1.0\r\n\r\n"],
  ["an encoded slash and dot-dot", "GET /x/..%2fcgi-bin/env.sh HTTP/1.0\r\n\r\n"],
  ["dot-dot after the script", "GET /cgi-bin/env.sh/.. HTTP/1.0\r\n\r\n"],
  ["a script name ending in a dot segment", "GET /cgi-bin/env.sh/. HTTP/1.0\r\n\r\n"],
  ["a look-alike directory", "GET /cgi-binx/env.sh HTTP/1.0\r\n\r\n"],
];

describe("side by side with python3 -m http.server --cgi", () => {
  for (const [name, request] of SAME) {
    test(name, async () => {
      const r = await both(request);
      assert.equal(r.ours, r.python);
    });
  }

  test("both log a non-zero exit as 'CGI script exit code 3'", async () => {
    await both("GET /cgi-bin/fail.sh HTTP/1.0\r\n\r\n");
    await log.waitFor(/\] CGI script exit code 3$/);
    for (let i = 0; i < 500 && !py.lines.some((l) => /\] CGI script exit code 3$/.test(l)); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(py.lines.some((l) => /\] CGI script exit code 3$/.test(l)), py.lines.join("\n"));
    // CPython's script writes to the server's stderr directly; ours goes through log_error().
    assert.ok(py.lines.includes("something went wrong"));
    await log.waitFor(/^127\.0\.0\.1 - - \[[^\]]+\] something went wrong$/);
  });
});

describe("known differences (README)", () => {
  test("a '..' above the root: CPython drops the connection (IndexError), we answer 400", async () => {
    const request = "GET /../cgi-bin/env.sh HTTP/1.0\r\n\r\n";
    const [p, o] = await Promise.all([exchange(py.port, request), exchange(ours.port, request)]);
    assert.equal(p.length, 0);
    assert.match(o.toString("latin1"), /^HTTP\/1\.0 400 Bad request path\r\n/);
  });

  test("a fragment hiding the script path: CPython 3.11 serves the script's source, we answer 404", async () => {
    const request = "GET /cgi-bin/env.sh#/../.. HTTP/1.0\r\n\r\n";
    const [p, o] = await Promise.all([exchange(py.port, request), exchange(ours.port, request)]);
    assert.match(p.toString("latin1"), /\r\n\r\n#!\/bin\/sh\n/);
    assert.match(o.toString("latin1"), /^HTTP\/1\.0 404 File not found\r\n/);
  });

  test("a symlink in cgi-bin to a script outside the directory: CPython runs it, we answer 404", async () => {
    const request = "GET /cgi-bin/escape.sh HTTP/1.0\r\n\r\n";
    const [p, o] = await Promise.all([exchange(py.port, request), exchange(ours.port, request)]);
    assert.match(p.toString("latin1"), /\r\n\r\nescaped\n$/);
    assert.match(o.toString("latin1"), /^HTTP\/1\.0 404 No such CGI script \('\/cgi-bin\/escape\.sh'\)\r\n/);
  });

  test("a chunked body: CPython's script reads the raw chunks, ours the decoded body", async () => {
    const request = "POST /cgi-bin/echo.py HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    const o = await exchange(ours.port, request);
    assert.match(o.toString("latin1"), /length=5 /);
    assert.match(o.toString("latin1"), /head=b'hello'/);
  });

  test("when run as root: CPython keeps gid 0 (setuid only), we also drop the group", async (t) => {
    if (process.getuid?.() !== 0) return t.skip("not running as root");
    const request = "GET /cgi-bin/whoami.sh HTTP/1.0\r\n\r\n";
    const [p, o] = await Promise.all([exchange(py.port, request), exchange(ours.port, request)]);
    assert.match(p.toString("latin1"), /uid=65534 gid=0\n$/);
    assert.match(o.toString("latin1"), /uid=65534 gid=65534\n$/);
  });
});
