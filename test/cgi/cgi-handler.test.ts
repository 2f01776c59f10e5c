/**
 * `CGIHTTPRequestHandler` over real loopback sockets, running real shell,
 * Python and Node scripts from a temp `cgi-bin` (test/cgi/fixture.ts):
 * queries, bodies (large, chunked, too large), PATH_INFO, Basic auth, HEAD,
 * refusals (missing, not executable, not a file, POST elsewhere), hostile
 * paths, stderr and exit codes, the time limit, a client that goes away,
 * backpressure, concurrency, the RFC 3875 header extension, and the class
 * attributes a subclass overrides. (Side by side with CPython:
 * test/cgi/side-by-side.test.ts.)
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CGIHTTPRequestHandler } from "../../src/cgi/cgi-handler.js";
import { nobody_ids } from "../../src/cgi/script-process.js";
import { exchange, LogCapture, open, readUntil, serve, splitResponse, type Running } from "../helpers/net.js";
import { makeCgiSite } from "./fixture.js";
import { servingDir as servingDirOf } from "../helpers/handlers.js";

type HandlerClass = typeof CGIHTTPRequestHandler;

/** A handler class serving `directory` (the constructor option, as Python's `partial`). */
function servingDir(directory: string): HandlerClass {
  return servingDirOf(directory, CGIHTTPRequestHandler);
}


/** An HTTP/1.0 request (the server closes after answering). */
function req(method: string, target: string, headers: string[] = [], body = ""): string {
  return `${method} ${target} HTTP/1.0\r\n${headers.map((h) => h + "\r\n").join("")}\r\n${body}`;
}

/** Parses `NAME=value` lines of env.sh into a record. */
function vars(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of body.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0 && /^[A-Z_]+$/.test(line.slice(0, i))) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Whether process `pid` still exists (and is not a zombie). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** Waits (bounded) until `pred()` holds; polling a condition of another process, not a sleep. */
async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const log = new LogCapture();
let root = "";
let cleanup: () => Promise<void> = async () => {};
let srv: Running<never>;

before(async () => {
  ({ root, cleanup } = await makeCgiSite());
  log.start();
  srv = (await serve(servingDir(root))) as Running<never>;
});

after(async () => {
  await srv.close();
  log.stop();
  await cleanup();
});

describe("scripts", () => {
  test("GET runs a shell script: 200 Script output follows, then its output, CPython's environment", async () => {
    const raw = await exchange(srv.port, req("GET", "/cgi-bin/env.sh/a%20b/c?x+y", ["Accept: text/html", "Accept: text/plain", "User-Agent: t/1", "Referer: http://r/", "Cookie: a=1", "Cookie: b=2"]));
    const r = splitResponse(raw);
    assert.equal(r.status, "HTTP/1.0 200 Script output follows");
    assert.deepEqual(Object.keys(r.headers), ["server", "date", "content-type"]);
    assert.equal(r.headers["content-type"], "text/plain");
    const v = vars(r.body);
    assert.equal(v["GATEWAY_INTERFACE"], "CGI/1.1");
    assert.equal(v["SERVER_PROTOCOL"], "HTTP/1.0");
    assert.equal(v["SERVER_PORT"], String(srv.port));
    assert.equal(v["SERVER_SOFTWARE"], r.headers["server"]);
    assert.equal(v["REQUEST_METHOD"], "GET");
    assert.equal(v["SCRIPT_NAME"], "/cgi-bin/env.sh");
    assert.equal(v["PATH_INFO"], "/a b/c");
    assert.equal(v["PATH_TRANSLATED"], join(root, "a b", "c"));
    assert.equal(v["QUERY_STRING"], "x+y");
    assert.equal(v["REMOTE_ADDR"], "127.0.0.1");
    assert.equal(v["REMOTE_HOST"], "");
    assert.equal(v["CONTENT_TYPE"], "text/plain");
    assert.equal(v["CONTENT_LENGTH"], "");
    assert.equal(v["HTTP_ACCEPT"], "text/html,text/plain");
    assert.equal(v["HTTP_USER_AGENT"], "t/1");
    assert.equal(v["HTTP_REFERER"], "http://r/");
    assert.equal(v["HTTP_COOKIE"], "a=1, b=2");
    // The query without "=" is one argument, "+" as space.
    assert.match(r.body, /^argc=1\narg=\[x y\]\n$/m);
    assert.ok(!("AUTH_TYPE" in v), "no Authorization, no AUTH_TYPE");
  });

  test("a query with '=' passes no argument; none at all passes one empty argument (as CPython)", async () => {
    const withEq = splitResponse(await exchange(srv.port, req("GET", "/cgi-bin/env.sh?a=1&b=2")));
    assert.match(withEq.body, /\nargc=0\n$/);
    assert.equal(vars(withEq.body)["QUERY_STRING"], "a=1&b=2");
    const none = splitResponse(await exchange(srv.port, req("GET", "/cgi-bin/env.sh")));
    assert.match(none.body, /\nargc=1\narg=\[\]\n$/);
  });

  test("Basic credentials set AUTH_TYPE and REMOTE_USER; other schemes only AUTH_TYPE", async () => {
    const basic = Buffer.from("alice:secret").toString("base64");
    const rows: [string, string | undefined, string | undefined][] = [
      [`Basic ${basic}`, "Basic", "alice"],
      [`basic ${basic}`, "basic", "alice"],
      ["Bearer abc.def", "Bearer", undefined],
      [`Basic ${Buffer.from("a:b:c").toString("base64")}`, "Basic", undefined], // two ':' → no user (CPython)
      ["Basic !!!notbase64", "Basic", undefined],
      ["Basic", undefined, undefined], // one word: nothing
    ];
    for (const [auth, type, user] of rows) {
      const v = vars(splitResponse(await exchange(srv.port, req("GET", "/cgi-bin/env.sh", [`Authorization: ${auth}`]))).body);
      assert.equal(v["AUTH_TYPE"], type, auth);
      assert.equal(v["REMOTE_USER"], user, auth);
    }
  });

  test("a Python script runs with python3 -u and gets the body on stdin", async () => {
    const body = "name=value&x=" + "y".repeat(1000);
    const raw = await exchange(srv.port, req("POST", "/cgi-bin/echo.py?q", ["Content-Type: application/x-www-form-urlencoded", `Content-Length: ${body.length}`], body));
    const r = splitResponse(raw);
    assert.equal(r.status, "HTTP/1.0 200 Script output follows");
    const sha = createHash("sha256").update(body).digest("hex");
    assert.match(r.body, new RegExp(`^method=POST length=${body.length} sha256=${sha}$`, "m"));
    assert.match(r.body, /^argv=\['q'\]$/m);
  });

  test("a Node script runs directly; PATH_INFO and the query reach it", async () => {
    const r = splitResponse(await exchange(srv.port, req("GET", "/cgi-bin/info.js/p/q%2Fr?k=v")));
    assert.equal(r.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(r.body), { path_info: "/p/q/r", query: "k=v", script: "/cgi-bin/info.js", argv: [] });
  });

  test("POST with a large body (8 MiB) streams it to the script", async () => {
    const body = Buffer.alloc(8 * 1024 * 1024, "abcdefgh");
    const sha = createHash("sha256").update(body).digest("hex");
    const raw = await exchange(srv.port, [Buffer.from(req("POST", "/cgi-bin/echo.py", [`Content-Length: ${body.length}`])), body]);
    assert.match(raw.toString("latin1"), new RegExp(`length=${body.length} sha256=${sha}`));
  });

  test("POST with a chunked body: the script reads it decoded, to end of file", async () => {
    const raw = await exchange(srv.port, `POST /cgi-bin/echo.py HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n`);
    const r = splitResponse(raw);
    assert.equal(r.status, "HTTP/1.0 200 Script output follows");
    const sha = createHash("sha256").update("hello world").digest("hex");
    assert.match(r.body, new RegExp(`length=11 sha256=${sha}`));
  });

  test("HEAD runs the script and sends its output, as CPython does", async () => {
    const r = splitResponse(await exchange(srv.port, req("HEAD", "/cgi-bin/sub/deep.sh/pi")));
    assert.equal(r.status, "HTTP/1.0 200 Script output follows");
    assert.equal(r.body, "deep SCRIPT_NAME=/cgi-bin/sub/deep.sh PATH_INFO=/pi\n");
  });

  test("scripts in a subdirectory of cgi-bin and in /htbin run", async () => {
    assert.match(splitResponse(await exchange(srv.port, req("GET", "/cgi-bin/sub/deep.sh"))).body, /SCRIPT_NAME=\/cgi-bin\/sub\/deep\.sh PATH_INFO=\n/);
    assert.equal(splitResponse(await exchange(srv.port, req("GET", "/htbin/hi.sh"))).body, "hi from htbin\n");
  });

  test("files outside the script directories are served as files; POST to them is 501", async () => {
    const r = splitResponse(await exchange(srv.port, req("GET", "/plain.txt")));
    assert.equal(r.status, "HTTP/1.0 200 OK");
    assert.equal(r.body, "plain\n");
    const p = splitResponse(await exchange(srv.port, req("POST", "/plain.txt", ["Content-Length: 0"])));
    assert.equal(p.status, "HTTP/1.0 501 Can only POST to CGI scripts");
  });

  test("when the server runs as root, scripts run as nobody (uid and gid)", async (t) => {
    if (process.getuid?.() !== 0) return t.skip("not running as root");
    const { uid, gid } = nobody_ids();
    const r = splitResponse(await exchange(srv.port, req("GET", "/cgi-bin/whoami.sh")));
    assert.equal(r.body, `uid=${uid} gid=${gid}\n`);
  });
});

describe("refusals", () => {
  const rows: [target: string, method: string, status: string][] = [
    ["/cgi-bin/nope.sh", "GET", "404 No such CGI script ('/cgi-bin/nope.sh')"],
    ["/cgi-bin/noexec.sh", "GET", "403 CGI script is not executable ('/cgi-bin/noexec.sh')"],
    ["/cgi-bin/noexec.sh", "POST", "403 CGI script is not executable ('/cgi-bin/noexec.sh')"],
    ["/cgi-bin/dir", "GET", "403 CGI script is not a plain file ('/cgi-bin/dir')"],
    ["/cgi-bin/", "GET", "403 CGI script is not a plain file ('/cgi-bin/')"],
    // A symlink to a script outside the directory (follow_symlinks is off).
    ["/cgi-bin/escape.sh", "GET", "404 No such CGI script ('/cgi-bin/escape.sh')"],
  ];
  for (const [target, method, status] of rows) {
    test(`${method} ${target} → ${status}`, async () => {
      const raw = await exchange(srv.port, req(method, target, method === "POST" ? ["Content-Length: 0"] : []));
      const r = splitResponse(raw);
      assert.equal(r.status, `HTTP/1.0 ${status}`);
      assert.equal(r.headers["connection"], "close");
    });
  }

  test("a Content-Length above max_body_size is 413 before the script runs", async () => {
    const Small = class extends servingDir(root) {};
    Small.prototype.max_body_size = 100;
    const s = await serve(Small);
    try {
      const r = splitResponse(await exchange(s.port, req("POST", "/cgi-bin/echo.py", ["Content-Length: 101"], "x".repeat(101))));
      assert.equal(r.status, "HTTP/1.0 413 Content Too Large");
      const ok = splitResponse(await exchange(s.port, req("POST", "/cgi-bin/echo.py", ["Content-Length: 100"], "x".repeat(100))));
      assert.match(ok.body, /length=100 /);
    } finally {
      await s.close();
    }
  });

  test("a chunked body that grows past max_body_size kills the script and closes", async () => {
    const Small = class extends servingDir(root) {};
    Small.prototype.max_body_size = 10;
    const s = await serve(Small);
    try {
      const raw = await exchange(s.port, `POST /cgi-bin/echo.py HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n`);
      assert.match(raw.toString("latin1"), /^HTTP\/1\.0 200 Script output follows\r\n/);
      assert.doesNotMatch(raw.toString("latin1"), /length=/, "the script never saw a complete body");
      await log.waitFor(/CGI script killed: the request body was refused \(413 Content Too Large\)/);
    } finally {
      await s.close();
    }
  });
});

describe("hostile paths", () => {
  // What CPython 3.11 does with each (checked side by side in side-by-side.test.ts)
  // and what we do where it differs (README).
  const rows: [target: string, expect: RegExp][] = [
    ["/cgi-bin/../cgi-bin/env.sh", /^HTTP\/1\.0 200 Script output follows/],
    ["/cgi-bin/%2e%2e/cgi-bin/env.sh", /^HTTP\/1\.0 200 Script output follows/],
    ["//cgi-bin/env.sh", /^HTTP\/1\.0 200 Script output follows/],
    ["/./cgi-bin/./env.sh", /^HTTP\/1\.0 200 Script output follows/],
    ["/cgi-bin%2fenv.sh", /^HTTP\/1\.0 200 Script output follows/],
    ["/x/..%2fcgi-bin/env.sh", /^HTTP\/1\.0 200 Script output follows/],
    // Not a script request; the file is served (not a script directory).
    ["/cgi-bin", /^HTTP\/1\.0 301 Moved Permanently/],
    // CPython drops the connection (IndexError); we answer 400.
    ["/../cgi-bin/env.sh", /^HTTP\/1\.0 400 Bad request path/],
    ["/cgi-bin/%2e%2e/%2e%2e/etc/passwd", /^HTTP\/1\.0 400 Bad request path/],
    // CPython 3.11 serves the script's source for these; we refuse.
    ["/cgi-bin/env.sh#/../..", /^HTTP\/1\.0 404 File not found/],
    ["/cgi-bin/sub/deep.sh#/../../..", /^HTTP\/1\.0 404 File not found/],
  ];
  for (const [target, expect] of rows) {
    test(`GET ${target}`, async () => {
      const text = (await exchange(srv.port, req("GET", target))).toString("latin1");
      assert.match(text, expect);
      assert.doesNotMatch(text, /^#!\/bin\/sh/m, "never the script's source");
    });
  }

  test("confinement is name by name: a sibling of cgi-bin whose name extends it is a plain directory; a script symlinked to a sibling of the root is refused", async (t) => {
    // cgi-bin2 is not below cgi-bin: its files are served as files.
    await mkdir(join(root, "cgi-bin2"));
    await writeFile(join(root, "cgi-bin2", "x.sh"), "#!/bin/sh\necho ran\n", { mode: 0o755 });
    t.after(() => rm(join(root, "cgi-bin2"), { recursive: true, force: true }));
    const served = splitResponse(await exchange(srv.port, req("GET", "/cgi-bin2/x.sh")));
    assert.equal(served.status, "HTTP/1.0 200 OK");
    assert.equal(served.body, "#!/bin/sh\necho ran\n");
    // <root>-secret extends the root's name; a script there, linked from cgi-bin, never runs.
    const sibling = root + "-secret";
    await mkdir(sibling);
    t.after(() => rm(sibling, { recursive: true, force: true }));
    await writeFile(join(sibling, "evil.sh"), "#!/bin/sh\necho; echo EVIL\n", { mode: 0o755 });
    await symlink(join(sibling, "evil.sh"), join(root, "cgi-bin", "evil.sh"));
    t.after(() => rm(join(root, "cgi-bin", "evil.sh"), { force: true }));
    const refused = (await exchange(srv.port, req("GET", "/cgi-bin/evil.sh"))).toString("latin1");
    assert.match(refused, /^HTTP\/1\.0 404 No such CGI script \('\/cgi-bin\/evil\.sh'\)/);
    assert.doesNotMatch(refused, /EVIL/);
  });

  test("a NUL in PATH_INFO (%00) is refused before the script runs", async () => {
    const r = splitResponse(await exchange(srv.port, req("GET", "/cgi-bin/env.sh/a%00b")));
    assert.equal(r.status, "HTTP/1.0 400 Bad request path");
  });
});

describe("the script's end", () => {
  test("stderr goes to the log line by line; a non-zero exit is logged as 'CGI script exit code N'", async () => {
    const r = splitResponse(await exchange(srv.port, req("GET", "/cgi-bin/fail.sh")));
    assert.equal(r.body, "partial output\n");
    await log.waitFor(/^127\.0\.0\.1 - - \[[^\]]+\] something went wrong$/);
    await log.waitFor(/^127\.0\.0\.1 - - \[[^\]]+\] second line$/);
    await log.waitFor(/^127\.0\.0\.1 - - \[[^\]]+\] CGI script exit code 3$/);
  });

  test("a script that runs longer than cgi_timeout is killed (with what it started) and logged", async () => {
    const Quick = class extends servingDir(root) {};
    Quick.prototype.cgi_timeout = 0.3;
    const s = await serve(Quick);
    try {
      const raw = (await exchange(s.port, req("GET", "/cgi-bin/hang.sh"))).toString("latin1");
      const pid = Number(/pid=(\d+)/.exec(raw)?.[1]);
      assert.ok(pid > 0, raw);
      await log.waitFor(/CGI script killed: it ran longer than 0\.3 seconds$/);
      await log.waitFor(/CGI script exit code -15 \(killed by SIGTERM\)$/);
      assert.equal(alive(pid), false, "the script is gone");
    } finally {
      await s.close();
    }
  });

  test("a script that ignores SIGTERM gets SIGKILL after the grace period", async () => {
    const Quick = class extends servingDir(root) {};
    Quick.prototype.cgi_timeout = 0.2;
    const s = await serve(Quick);
    try {
      const raw = (await exchange(s.port, req("GET", "/cgi-bin/stubborn.sh"))).toString("latin1");
      const pid = Number(/pid=(\d+)/.exec(raw)?.[1]);
      assert.ok(pid > 0, raw);
      await log.waitFor(/CGI script exit code -9 \(killed by SIGKILL\)$/);
      assert.equal(alive(pid), false);
    } finally {
      await s.close();
    }
  });

  test("a process a script leaves behind holding its stderr is killed at the time limit, and the response ends", async () => {
    const Quick = class extends servingDir(root) {};
    Quick.prototype.cgi_timeout = 0.25;
    const s = await serve(Quick);
    try {
      const r = splitResponse(await exchange(s.port, req("GET", "/cgi-bin/stray.sh")));
      assert.equal(r.body, "done\n");
      await log.waitFor(/CGI script killed: it ran longer than 0\.25 seconds$/);
    } finally {
      await s.close();
    }
  });

  test("a script that does not read a large body still answers in full", async () => {
    const body = Buffer.alloc(4 * 1024 * 1024, "z");
    const raw = await exchange(srv.port, [Buffer.from(req("POST", "/cgi-bin/sub/deep.sh", [`Content-Length: ${body.length}`])), body]);
    const r = splitResponse(raw);
    assert.equal(r.status, "HTTP/1.0 200 Script output follows");
    assert.equal(r.body, "deep SCRIPT_NAME=/cgi-bin/sub/deep.sh PATH_INFO=\n");
  });

  test("a script is killed when the client goes away, and so is what it started", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cgi-pid-"));
    try {
      await chmod(dir, 0o777); // the script may run as nobody
      const pidFile = join(dir, "pid");
      const socket = await open(srv.port);
      socket.write(req("GET", `/cgi-bin/linger.sh?${pidFile}`));
      await readUntil(socket, (b) => b.toString("latin1").includes("started\n"));
      await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").endsWith("\n"), "the pid file");
      const grandchild = Number((await readFile(pidFile, "utf8")).trim());
      assert.ok(alive(grandchild));
      // Gone for good (a reset). A FIN alone is a half-close: the client may
      // still be reading (test/conformance/half-close.test.ts).
      socket.resetAndDestroy();
      await log.waitFor(/CGI script killed: the client went away$/);
      await until(() => !alive(grandchild), "the script's child to be killed");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("output is streamed as the script produces it", async () => {
    const socket = await open(srv.port);
    socket.write(`POST /cgi-bin/stream.sh HTTP/1.0\r\nContent-Length: 6\r\n\r\n`);
    // The first line arrives while the script still waits for its input.
    const first = await readUntil(socket, (b) => b.toString("latin1").includes("first\n"));
    assert.doesNotMatch(first.toString("latin1"), /second/);
    socket.write("hello\n");
    const rest = await readUntil(socket, (b) => b.toString("latin1").includes("second hello\n"));
    assert.match(rest.toString("latin1"), /second hello\n/);
    socket.destroy();
  });

  test("a slow client pauses the script (backpressure): it blocks writing its stdout, the server buffers little", async () => {
    const connections: Socket[] = [];
    class Watched extends servingDir(root) {
      override setup(): void | Promise<void> {
        connections.push(this.request);
        return super.setup();
      }
    }
    const s = await serve(Watched);
    const socket = await open(s.port);
    try {
      socket.pause();
      socket.write(req("GET", "/cgi-bin/big.py?4096")); // 256 MiB if nothing pushed back
      // The script is the python3 whose command line names big.py. Node's
      // stdio pipes are socket pairs: a blocked writer waits in the kernel's
      // send path (sock_alloc_send_pskb) or, with a real pipe, pipe_write.
      // Wait until the script stays blocked: waiting in write on five
      // consecutive looks with its byte count (/proc/PID/io wchar) unchanged.
      // Without backpressure it never stays blocked: it writes its 256 MiB
      // into the server's memory and exits, and this wait fails.
      let pid = 0;
      let last = -1;
      let still = 0;
      await until(() => {
        pid = findProcess("big.py");
        if (pid === 0) return false;
        const blocked = /sock_alloc_send|unix_stream_|pipe_write/.test(readFileSync(`/proc/${pid}/wchan`, "utf8"));
        const wchar = Number(/^wchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, "utf8"))?.[1]);
        still = blocked && wchar === last ? still + 1 : 0;
        last = wchar;
        return still >= 5;
      }, "the script to stay blocked on its full stdout while the client reads nothing");
      assert.ok(alive(pid), "still running: its output was not read ahead of the client");
      // Without backpressure the server would be holding megabytes by now.
      const held = connections[0]!.writableLength;
      assert.ok(held <= 1024 * 1024, `the server holds ${held} bytes for the paused client`);
      socket.destroy();
      await until(() => !alive(pid), "the script to be killed once the client left");
    } finally {
      socket.destroy();
      await s.close();
    }
  });

  test("many scripts at once do not block other requests", async () => {
    const sockets = await Promise.all(Array.from({ length: 8 }, () => open(srv.port)));
    for (const s of sockets) s.write(req("GET", "/cgi-bin/stream.sh"));
    await Promise.all(sockets.map((s) => readUntil(s, (b) => b.toString("latin1").includes("first\n"))));
    // Eight scripts wait on their stdin; a file and another script are still served.
    assert.equal(splitResponse(await exchange(srv.port, req("GET", "/plain.txt"))).body, "plain\n");
    assert.equal(splitResponse(await exchange(srv.port, req("GET", "/htbin/hi.sh"))).body, "hi from htbin\n");
    for (const s of sockets) s.destroy();
  });
});

/** The pid of a process whose command line contains `needle`, or 0. */
function findProcess(needle: string): number {
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, "latin1");
      if (cmd.includes(needle) && cmd.includes("python")) return Number(name);
    } catch {
      // gone
    }
  }
  return 0;
}

describe("RFC 3875 headers (extension: cgi_parse_headers)", () => {
  let parsing: Running<never>;
  before(async () => {
    const Parsing = class extends servingDir(root) {};
    Parsing.prototype.cgi_parse_headers = true;
    parsing = (await serve(Parsing)) as Running<never>;
  });
  after(() => parsing.close());

  test("Status sets the status line; the other headers follow Server and Date", async () => {
    const r = splitResponse(await exchange(parsing.port, req("GET", "/cgi-bin/status.sh?teapot")));
    assert.equal(r.status, "HTTP/1.0 418 I Am A Teapot");
    assert.deepEqual(Object.keys(r.headers), ["server", "date", "content-type", "x-from-script"]);
    assert.equal(r.body, "short and stout\n");
  });

  test("Location alone is a 302", async () => {
    const r = splitResponse(await exchange(parsing.port, req("GET", "/cgi-bin/status.sh?redirect")));
    assert.equal(r.status, "HTTP/1.0 302 Found");
    assert.equal(r.headers["location"], "http://example.com/elsewhere");
  });

  test("LF-only header lines are accepted; the default is 200 OK", async () => {
    const r = splitResponse(await exchange(parsing.port, req("GET", "/cgi-bin/status.sh")));
    assert.equal(r.status, "HTTP/1.0 200 OK");
    assert.equal(r.headers["content-type"], "text/plain");
    assert.equal(r.body, "plain LF headers\n");
  });

  test("HEAD gets the status and headers without the body", async () => {
    const r = splitResponse(await exchange(parsing.port, req("HEAD", "/cgi-bin/status.sh?teapot")));
    assert.equal(r.status, "HTTP/1.0 418 I Am A Teapot");
    assert.equal(r.body, "");
  });

  test("a malformed header block is 502", async () => {
    const r = splitResponse(await exchange(parsing.port, req("GET", "/cgi-bin/status.sh?bad")));
    assert.equal(r.status, "HTTP/1.0 502 Bad Gateway");
  });

  test("off by default: the same script's Status line is passed through after 200", async () => {
    const r = splitResponse(await exchange(srv.port, req("GET", "/cgi-bin/status.sh?teapot")));
    assert.equal(r.status, "HTTP/1.0 200 Script output follows");
    assert.equal(r.headers["status"], "418 I Am A Teapot");
  });
});

describe("overriding the Python way", () => {
  test("cgi_directories on the prototype changes which directories hold scripts", async () => {
    const Only = class extends servingDir(root) {};
    Only.prototype.cgi_directories = ["/htbin"];
    const s = await serve(Only);
    try {
      assert.equal(splitResponse(await exchange(s.port, req("GET", "/htbin/hi.sh"))).body, "hi from htbin\n");
      // /cgi-bin is now a plain directory: the script is a file, not run.
      const r = splitResponse(await exchange(s.port, req("GET", "/cgi-bin/whoami.sh")));
      assert.equal(r.status, "HTTP/1.0 200 OK");
      assert.match(r.body, /^#!\/bin\/sh/);
    } finally {
      await s.close();
    }
  });

  test("is_cgi() sets cgi_info; is_python() and is_executable() are methods a subclass can replace", async () => {
    const seen: unknown[] = [];
    class Spy extends servingDir(root) {
      override is_cgi(): boolean {
        const r = super.is_cgi();
        seen.push(r ? [...this.cgi_info] : null);
        return r;
      }
      override is_executable(): boolean {
        return true; // noexec.sh is then run (and fails to exec)
      }
    }
    const s = await serve(Spy);
    try {
      await exchange(s.port, req("GET", "/cgi-bin/../cgi-bin/env.sh/x?q=1"));
      await exchange(s.port, req("GET", "/plain.txt"));
      assert.deepEqual(seen, [["/cgi-bin", "env.sh/x?q=1"], null]);
      const r = splitResponse(await exchange(s.port, req("GET", "/cgi-bin/noexec.sh")));
      assert.equal(r.status, "HTTP/1.0 200 Script output follows");
      await log.waitFor(/CGI script could not be started: EACCES$/);
    } finally {
      await s.close();
    }
    const h = CGIHTTPRequestHandler.prototype;
    assert.equal(h.is_python("/cgi-bin/a.py"), true);
    assert.equal(h.is_python("/cgi-bin/a.PYW"), true);
    assert.equal(h.is_python("/cgi-bin/.py"), false);
    assert.equal(h.is_python("/cgi-bin/a.pyc"), false);
    assert.deepEqual(h.cgi_directories, ["/cgi-bin", "/htbin"]);
  });
});
