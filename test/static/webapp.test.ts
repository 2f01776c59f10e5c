/**
 * Issue #14 over real loopback sockets: `response_headers` (-H, gh-135056),
 * `default_content_type` (--content-type, gh-113471), `cors`, `spa_fallback`,
 * `not_found_page`, `precompressed`, `compress`, `quiet` and coloured logs,
 * each set on a handler subclass as the CLI sets them. Raw bytes for what the
 * wire must carry; foreign decoders (Python's gzip and brotli modules when the
 * machine has them, curl `--compressed`, which has gzip, brotli and zstd) for
 * every coding; Python's `http.client` for one request per feature.
 *
 * Without any of these options nothing changes: that is the side-by-side
 * suites' job (test/conformance), plus the two no-option rows here that touch
 * what the options hook into (OPTIONS stays 501; no coding, no Vary).
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import type { Socket } from "node:net";
import type { ClientAddress, HandlerServer } from "../../src/handler/base-handler.js";
import { SimpleHTTPRequestHandler, type SimpleHandlerOptions } from "../../src/static/simple-handler.js";
import { COMPRESS_CODINGS, _clearEncodedCache } from "../../src/static/compress.js";
import { exchange, LogCapture, python, run, serve, type Running } from "../helpers/net.js";

const MTIME = Date.UTC(2023, 0, 2, 3, 4, 5) / 1000;

/** Text that compresses (about 100 KiB). */
const BIG = Array.from({ length: 2500 }, (_, i) => `line ${i}: the quick brown fox jumps over the lazy dog\n`).join("");
/** Text larger than WHOLE_LIMIT: streamed through the encoder. */
const HUGE = Array.from({ length: 30000 }, (_, i) => `row ${i} ${"abcdefghij".repeat(i % 7)}\n`).join("");
/** Bytes that do not compress (a PNG's type is not compressible anyway). */
const PNG = Buffer.alloc(4096, 7);

let dir: string;
const log = new LogCapture();
const running: Running<any>[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "webapp-"));
  const files: Record<string, string | Buffer> = {
    "index.html": "<!doctype html><p>root index</p>\n",
    "app.html": "<!doctype html><title>app</title><p>spa entry</p>\n",
    "404.html": "<!doctype html><p>custom not found</p>\n",
    "big.txt": BIG,
    "big.txt.br": brotliCompressSync(Buffer.from(BIG)),
    "big.txt.gz": gzipSync(Buffer.from(BIG), { level: 9 }),
    "huge.txt": HUGE,
    "small.css": "body { color: red }\n",
    "logo.png": PNG,
    "notes.xyzq": "no type for this extension\n",
    "blob.bin": "binary\n",
    "sub/a.txt": "a\n",
    "site/index.html": "<p>site</p>\n",
  };
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), content);
    await utimes(join(dir, name), MTIME, MTIME);
  }
  log.start();
});

after(async () => {
  log.stop();
  for (const r of running) await r.close();
  await rm(dir, { recursive: true, force: true });
});

type Options = Omit<SimpleHandlerOptions, "directory">;

/** Serves the fixture directory with these constructor options (and attributes), HTTP/1.1. */
async function start(options: Options, attributes: Partial<SimpleHTTPRequestHandler> = {}): Promise<number> {
  class Handler extends SimpleHTTPRequestHandler {
    constructor(request: Socket, client_address: ClientAddress, server: HandlerServer) {
      super(request, client_address, server, { directory: dir, ...options });
    }
  }
  Object.assign(Handler.prototype, { protocol_version: "HTTP/1.1", ...attributes });
  const r = await serve(Handler);
  running.push(r);
  return r.port;
}

interface Reply {
  statusLine: string;
  status: number;
  headers: [string, string][];
  body: Buffer;
  raw: Buffer;
}

/** Removes chunked framing. */
function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = data.indexOf("\r\n", pos);
    assert.ok(eol !== -1, "chunk size line");
    const size = parseInt(data.subarray(pos, eol).toString("latin1"), 16);
    pos = eol + 2;
    if (size === 0) {
      assert.equal(data.subarray(pos).toString("latin1"), "\r\n", "last chunk then an empty trailer");
      return Buffer.concat(out);
    }
    out.push(data.subarray(pos, pos + size));
    pos += size;
    assert.equal(data.subarray(pos, pos + 2).toString("latin1"), "\r\n");
    pos += 2;
  }
}

/** One request with `Connection: close`; the reply parsed (chunked bodies decoded). */
async function request(port: number, method: string, target: string, headers: string[] = [], version = "HTTP/1.1"): Promise<Reply> {
  const raw = await exchange(port, `${method} ${target} ${version}\r\nHost: x\r\n${headers.map((h) => h + "\r\n").join("")}Connection: close\r\n\r\n`);
  const end = raw.indexOf("\r\n\r\n");
  assert.ok(end !== -1, `a head for ${method} ${target}: ${JSON.stringify(raw.toString("latin1"))}`);
  const [statusLine = "", ...lines] = raw.subarray(0, end).toString("latin1").split("\r\n");
  const hs = lines.map((l): [string, string] => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]);
  let body = raw.subarray(end + 4);
  if (hs.some(([n, v]) => n.toLowerCase() === "transfer-encoding" && v === "chunked")) body = dechunk(body);
  return { statusLine, status: Number(statusLine.split(" ")[1]), headers: hs, body, raw };
}

const get = (r: Reply, name: string): string | undefined => r.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
const all = (r: Reply, name: string): string[] => r.headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);

/** A Python with the `brotli` module (the pyenv one may lack it; Debian's has python3-brotli), or null. */
const PY_BROTLI = ["python3", "/usr/bin/python3"].find((py) => spawnSync(py, ["-c", "import brotli"]).status === 0) ?? null;

/** Decodes `data` with a foreign decoder: Python's gzip / brotli module. `null` when none is available here. */
function pythonDecode(coding: string, data: Buffer): Buffer | null {
  const module = coding === "gzip" ? "gzip" : coding === "br" ? "brotli" : null;
  const py = coding === "gzip" ? "python3" : PY_BROTLI;
  if (module === null || py === null) return null;
  const r = spawnSync(py, ["-c", `import sys, ${module}; sys.stdout.buffer.write(${module}.decompress(sys.stdin.buffer.read()))`], { input: data, maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, String(r.stderr));
  return r.stdout;
}

/** curl, asking for `coding` and decoding what comes (`--compressed`). */
async function curlDecoded(url: string, coding: string): Promise<{ body: string; head: string }> {
  const out = await run("curl", ["-s", "--compressed", "-D", "-", "-H", `Accept-Encoding: ${coding}`, url]);
  const end = out.indexOf("\r\n\r\n");
  return { head: out.slice(0, end), body: Buffer.from(out.slice(end + 4), "latin1").toString("utf8") };
}

describe("without the options (no-flag rule)", () => {
  let port: number;
  before(async () => (port = await start({})));

  test("OPTIONS stays CPython's 501", async () => {
    const r = await request(port, "OPTIONS", "/", ["Origin: http://a", "Access-Control-Request-Method: GET"]);
    assert.equal(r.statusLine, "HTTP/1.1 501 Unsupported method ('OPTIONS')");
    assert.match(r.body.toString(), /Message: Unsupported method \('OPTIONS'\)\./);
    assert.equal(get(r, "Access-Control-Allow-Origin"), undefined);
  });

  test("a compressible file asked for with Accept-Encoding is sent as is, without Vary", async () => {
    const r = await request(port, "GET", "/big.txt", ["Accept-Encoding: gzip, br, zstd"]);
    assert.equal(r.status, 200);
    assert.equal(get(r, "Content-Encoding"), undefined);
    assert.equal(get(r, "Vary"), undefined);
    assert.equal(r.body.toString(), BIG);
  });

  test("a missing path is CPython's 404, a file of unknown type application/octet-stream", async () => {
    const miss = await request(port, "GET", "/users/42", ["Sec-Fetch-Mode: navigate"]);
    assert.equal(miss.statusLine, "HTTP/1.1 404 File not found");
    assert.equal(get(miss, "Vary"), undefined);
    assert.equal(get(await request(port, "GET", "/notes.xyzq"), "Content-type"), "application/octet-stream");
  });
});

describe("response_headers / -H (CPython 3.15, gh-135056)", () => {
  let port: number;
  before(async () => (port = await start({ response_headers: [["Cache-Control", "no-store"], ["X-Frame-Options", "DENY"]] })));

  test("every successful response of the file server carries them, after its own fields", async () => {
    for (const [target, headers, status] of [
      ["/big.txt", [], 200],
      ["/sub/", [], 200],
      ["/big.txt", ["Range: bytes=0-3"], 206],
      ["/big.txt", ["If-Modified-Since: Mon, 02 Jan 2023 03:04:05 GMT"], 304],
    ] as const) {
      const r = await request(port, "GET", target, [...headers]);
      assert.equal(r.status, status, target);
      assert.deepEqual(r.headers.slice(-2), [["Cache-Control", "no-store"], ["X-Frame-Options", "DENY"]], `${target} ${status}`);
    }
  });

  test("errors and redirects do not carry them (as in 3.15: only successful responses)", async () => {
    for (const target of ["/missing", "/sub"]) {
      const r = await request(port, "GET", target);
      assert.ok(r.status === 404 || r.status === 301, target);
      assert.equal(get(r, "Cache-Control"), undefined, target);
    }
  });

  test("the constructor refuses a field that cannot be sent (TypeError)", () => {
    const Handler = class extends SimpleHTTPRequestHandler {};
    assert.throws(
      () => new Handler({} as Socket, ["127.0.0.1", 1], {} as HandlerServer, { response_headers: [["X", "a\r\nb"]] }),
      /TypeError|response_headers: invalid value/,
    );
  });

  test("Python's http.client sees them", async () => {
    const out = await python(
      "import http.client,sys; c=http.client.HTTPConnection('127.0.0.1', int(sys.argv[1])); c.request('GET','/small.css'); r=c.getresponse(); print(r.status, r.getheader('Cache-Control'), r.getheader('X-Frame-Options'))",
      [String(port)],
    );
    assert.equal(out.trim(), "200 no-store DENY");
  });
});

describe("default_content_type / --content-type (CPython 3.15, gh-113471)", () => {
  let port: number;
  before(async () => (port = await start({ default_content_type: "text/plain" })));

  test("a file whose type cannot be guessed gets it (a text type, so with our charset)", async () => {
    assert.equal(get(await request(port, "GET", "/notes.xyzq"), "Content-type"), "text/plain; charset=utf-8");
  });

  test("a guessed type, application/octet-stream included, is kept", async () => {
    assert.equal(get(await request(port, "GET", "/blob.bin"), "Content-type"), "application/octet-stream");
    assert.equal(get(await request(port, "GET", "/logo.png"), "Content-type"), "image/png");
  });
});

describe("cors / --cors", () => {
  let port: number;
  before(async () => (port = await start({ cors: true })));

  test("every final response allows any origin: files, listings, redirects, errors", async () => {
    for (const [target, status] of [["/big.txt", 200], ["/sub/", 200], ["/sub", 301], ["/missing", 404]] as const) {
      const r = await request(port, "GET", target, ["Origin: http://localhost:5173"]);
      assert.equal(r.status, status, target);
      assert.equal(get(r, "Access-Control-Allow-Origin"), "*", target);
      assert.match(get(r, "Access-Control-Expose-Headers") ?? "", /ETag/);
    }
  });

  test("a preflight gets 204 with the method and headers granted and a max age, and no body", async () => {
    const r = await request(port, "OPTIONS", "/big.txt", [
      "Origin: http://localhost:5173",
      "Access-Control-Request-Method: GET",
      "Access-Control-Request-Headers: x-requested-with, range",
    ]);
    assert.equal(r.statusLine, "HTTP/1.1 204 No Content");
    assert.equal(get(r, "Access-Control-Allow-Origin"), "*");
    assert.equal(get(r, "Access-Control-Allow-Methods"), "GET");
    assert.equal(get(r, "Access-Control-Allow-Headers"), "x-requested-with, range");
    assert.equal(get(r, "Access-Control-Max-Age"), "86400");
    assert.equal(get(r, "Content-Length"), undefined, "no Content-Length on 204 (RFC 9110 §8.6)");
    assert.equal(r.body.length, 0);
  });

  test("a preflight for a method the handler lacks lists the ones it has", async () => {
    const r = await request(port, "OPTIONS", "/", ["Origin: http://a", "Access-Control-Request-Method: DELETE"]);
    assert.equal(get(r, "Access-Control-Allow-Methods"), "GET, HEAD, OPTIONS");
  });

  test("a plain OPTIONS gets 204 with Allow; keep-alive holds after it", async () => {
    const raw = await exchange(port, "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\nGET /small.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const text = raw.toString("latin1");
    assert.match(text, /^HTTP\/1\.1 204 No Content\r\n[^]*Allow: GET, HEAD, OPTIONS\r\n/);
    assert.match(text, /HTTP\/1\.1 200 OK[^]*body \{ color: red \}/);
  });

  test("curl's preflight-style OPTIONS sees the same", async () => {
    const out = await run("curl", ["-s", "-i", "-X", "OPTIONS", "-H", "Origin: http://a", "-H", "Access-Control-Request-Method: HEAD", `http://127.0.0.1:${port}/`]);
    assert.match(out, /^HTTP\/1\.1 204/);
    assert.match(out, /Access-Control-Allow-Methods: HEAD\r\n/);
  });
});

const NAV = ["Sec-Fetch-Mode: navigate", "Sec-Fetch-Dest: document", "Accept: text/html,application/xhtml+xml,*/*;q=0.8"];
const FETCH = ["Sec-Fetch-Mode: cors", "Sec-Fetch-Dest: empty", "Accept: */*"];
const SCRIPT = ["Sec-Fetch-Mode: no-cors", "Sec-Fetch-Dest: script", "Accept: */*"];
const IMG = ["Sec-Fetch-Mode: no-cors", "Sec-Fetch-Dest: image", "Accept: image/avif,image/webp,*/*;q=0.8"];
const OLD_NAV = ["Accept: text/html,application/xhtml+xml,*/*;q=0.8"];

describe("spa_fallback / --spa", () => {
  let port: number;
  before(async () => (port = await start({ spa_fallback: "app.html" })));

  /** [method, target, request fields, status, SPA page?, Vary?] */
  const ROWS: [string, string, string[], number, boolean, boolean][] = [
    ["GET", "/users/42", NAV, 200, true, true],
    ["GET", "/users/42/", NAV, 200, true, true],
    ["GET", "/deep/route?x=1", OLD_NAV, 200, true, true],
    ["HEAD", "/users/42", NAV, 200, true, true],
    ["GET", "/users/42", FETCH, 404, false, true],
    ["GET", "/users/42", SCRIPT, 404, false, true],
    ["GET", "/users/42", IMG, 404, false, true],
    ["GET", "/users/42", [], 404, false, true],
    ["GET", "/app.js", NAV, 404, false, false],
    ["GET", "/assets/logo.png", NAV, 404, false, false],
    ["GET", "/big.txt", NAV, 200, false, false],
    ["GET", "/sub/", NAV, 200, false, false],
    ["GET", "/site/", NAV, 200, false, false],
    ["GET", "/sub", NAV, 301, false, false],
    ["POST", "/users/42", NAV, 501, false, false],
    // `..` never leaves the directory: these name <dir>/etc/passwd, which is missing.
    ["GET", "/../../../etc/passwd", NAV, 200, true, true],
    ["GET", "/../../../etc/passwd.txt", NAV, 404, false, false],
    ["GET", "/%2e%2e/%2e%2e/x", NAV, 200, true, true],
  ];

  for (const [method, target, headers, status, spa, vary] of ROWS) {
    test(`${method} ${target} (${headers.find((h) => h.startsWith("Sec-Fetch-Dest"))?.slice(16) ?? headers[0] ?? "no fields"}) → ${status}${spa ? " with the SPA page" : ""}`, async () => {
      const r = await request(port, method, target, headers);
      assert.equal(r.status, status);
      if (spa) {
        assert.equal(get(r, "Content-type"), "text/html; charset=utf-8");
        assert.equal(r.body.toString(), method === "HEAD" ? "" : "<!doctype html><title>app</title><p>spa entry</p>\n");
        assert.equal(get(r, "Content-Length"), "50");
      } else {
        assert.ok(!r.body.toString().includes("spa entry"));
      }
      assert.equal(all(r, "Vary").includes("Sec-Fetch-Mode, Accept"), vary, "Vary on the fields read");
    });
  }

  test("the SPA page is conditional like any file (304 for its own ETag)", async () => {
    const first = await request(port, "GET", "/users/1", NAV);
    const second = await request(port, "GET", "/users/2", [...NAV, `If-None-Match: ${get(first, "ETag")}`]);
    assert.equal(second.status, 304);
  });
});

describe("not_found_page / --not-found", () => {
  let port: number;
  before(async () => (port = await start({ not_found_page: "404.html" }, { follow_symlinks: true })));

  test("a missing path gets the page with status 404; HEAD gets its head", async () => {
    for (const method of ["GET", "HEAD"]) {
      const r = await request(port, method, "/nothing/here.js");
      assert.equal(r.statusLine, "HTTP/1.1 404 File not found");
      assert.equal(get(r, "Content-type"), "text/html; charset=utf-8");
      assert.equal(get(r, "Content-Length"), "39");
      assert.equal(r.body.toString(), method === "HEAD" ? "" : "<!doctype html><p>custom not found</p>\n");
    }
  });

  test("other statuses are untouched: 501, 301, 416", async () => {
    assert.equal((await request(port, "POST", "/nothing")).status, 501);
    assert.equal((await request(port, "GET", "/sub")).status, 301);
    const r = await request(port, "GET", "/big.txt", ["Range: bytes=999999-"]);
    assert.equal(r.status, 416);
    assert.ok(!r.body.toString().includes("custom not found"));
  });

  test("with --spa, a navigation gets the SPA page and anything else the 404 page", async () => {
    const both = await start({ not_found_page: "404.html", spa_fallback: "app.html" });
    assert.match((await request(both, "GET", "/route", NAV)).body.toString(), /spa entry/);
    const miss = await request(both, "GET", "/route", FETCH);
    assert.equal(miss.status, 404);
    assert.match(miss.body.toString(), /custom not found/);
  });

  test("a page name that leaves the directory is never served", async () => {
    const bad = await start({ not_found_page: "../../../../etc/hostname" }, { follow_symlinks: true });
    const r = await request(bad, "GET", "/x");
    assert.equal(r.status, 404);
    assert.match(r.body.toString(), /Error code: 404/);
  });
});

describe("precompressed / --precompressed", () => {
  let port: number;
  before(async () => (port = await start({ precompressed: true })));

  test("X.br or X.gz is sent for X by the client's preference, with X's type and its own ETag", async () => {
    const etags = new Set<string>();
    for (const [ae, coding, want] of [
      ["br, gzip", "br", brotliCompressSync(Buffer.from(BIG))],
      ["gzip, br;q=0.5", "gzip", gzipSync(Buffer.from(BIG), { level: 9 })],
      ["zstd", undefined, Buffer.from(BIG)],
      ["identity", undefined, Buffer.from(BIG)],
    ] as const) {
      const r = await request(port, "GET", "/big.txt", [`Accept-Encoding: ${ae}`]);
      assert.equal(r.status, 200, ae);
      assert.equal(get(r, "Content-Encoding"), coding, ae);
      assert.equal(get(r, "Content-type"), "text/plain; charset=utf-8", ae);
      assert.equal(get(r, "Vary"), "Accept-Encoding", ae);
      assert.ok(r.body.equals(want), ae);
      etags.add(get(r, "ETag")!);
      if (coding !== undefined) assert.equal(pythonDecode(coding, r.body)?.toString() ?? BIG, BIG, `${coding} decoded by Python`);
    }
    assert.equal(etags.size, 3, "identity, br and gzip each have their own ETag");
  });

  test("byte ranges apply to the encoded bytes", async () => {
    const gz = gzipSync(Buffer.from(BIG), { level: 9 });
    const r = await request(port, "GET", "/big.txt", ["Accept-Encoding: gzip", "Range: bytes=10-19"]);
    assert.equal(r.status, 206);
    assert.equal(get(r, "Content-Encoding"), "gzip");
    assert.equal(get(r, "Content-Range"), `bytes 10-19/${gz.length}`);
    assert.ok(r.body.equals(gz.subarray(10, 20)));
  });

  test("If-None-Match with the encoded ETag gives 304 for that coding only", async () => {
    const br = await request(port, "GET", "/big.txt", ["Accept-Encoding: br"]);
    const again = await request(port, "GET", "/big.txt", ["Accept-Encoding: br", `If-None-Match: ${get(br, "ETag")}`]);
    assert.equal(again.status, 304);
    assert.equal(get(again, "ETag"), get(br, "ETag"));
    const identity = await request(port, "GET", "/big.txt", [`If-None-Match: ${get(br, "ETag")}`]);
    assert.equal(identity.status, 200);
  });

  test("X.gz asked for by name is itself, and a file without variants is sent as is", async () => {
    const gz = await request(port, "GET", "/big.txt.gz", ["Accept-Encoding: gzip"]);
    assert.equal(get(gz, "Content-Encoding"), undefined);
    assert.equal(get(gz, "Content-type"), "application/gzip");
    const css = await request(port, "GET", "/small.css", ["Accept-Encoding: br, gzip"]);
    assert.equal(get(css, "Content-Encoding"), undefined);
    assert.equal(css.body.toString(), "body { color: red }\n");
  });

  test("curl --compressed gets the file back", async () => {
    for (const coding of ["br", "gzip"]) {
      const { head, body } = await curlDecoded(`http://127.0.0.1:${port}/big.txt`, coding);
      assert.match(head, new RegExp(`Content-Encoding: ${coding}`));
      assert.equal(body, BIG, coding);
    }
  });
});

describe("compress / --compress", () => {
  let port: number;
  before(async () => {
    _clearEncodedCache();
    port = await start({ compress: true });
  });

  for (const coding of COMPRESS_CODINGS) {
    test(`${coding}: a 100 KiB text file arrives coded, with Content-Length, and decodes to the file`, async () => {
      const r = await request(port, "GET", "/big.txt", [`Accept-Encoding: ${coding}`]);
      assert.equal(r.status, 200);
      assert.equal(get(r, "Content-Encoding"), coding);
      assert.equal(get(r, "Vary"), "Accept-Encoding");
      assert.equal(Number(get(r, "Content-Length")), r.body.length);
      assert.ok(r.body.length < BIG.length / 5, "it compresses");
      assert.match(get(r, "ETag")!, new RegExp(`-${coding}"$`));
      const py = pythonDecode(coding, r.body);
      if (py !== null) assert.equal(py.toString(), BIG, "Python decodes it");
      const viaCurl = await curlDecoded(`http://127.0.0.1:${port}/big.txt`, coding);
      assert.equal(viaCurl.body, BIG, "curl decodes it");
      // The second time comes from the cache: the same bytes.
      const again = await request(port, "GET", "/big.txt", [`Accept-Encoding: ${coding}`]);
      assert.ok(again.body.equals(r.body));
    });
  }

  test("a file above the whole-file limit streams chunked (HTTP/1.1) or until close (HTTP/1.0)", async () => {
    for (const version of ["HTTP/1.1", "HTTP/1.0"]) {
      const r = await request(port, "GET", "/huge.txt", ["Accept-Encoding: gzip"], version);
      assert.equal(get(r, "Content-Encoding"), "gzip", version);
      assert.equal(get(r, "Content-Length"), undefined, version);
      assert.equal(get(r, "Transfer-Encoding"), version === "HTTP/1.1" ? "chunked" : undefined, version);
      assert.equal(pythonDecode("gzip", r.body)!.toString(), HUGE, version);
    }
    const viaCurl = await curlDecoded(`http://127.0.0.1:${port}/huge.txt`, "br");
    assert.equal(viaCurl.body, HUGE);
  });

  test("HEAD gets GET's head and no body", async () => {
    const g = await request(port, "GET", "/big.txt", ["Accept-Encoding: br"]);
    const h = await request(port, "HEAD", "/big.txt", ["Accept-Encoding: br"]);
    assert.deepEqual(h.headers.filter(([n]) => n !== "Date"), g.headers.filter(([n]) => n !== "Date"));
    assert.equal(h.body.length, 0);
  });

  test("never for Range requests, small bodies or already-compressed types", async () => {
    const range = await request(port, "GET", "/big.txt", ["Accept-Encoding: gzip", "Range: bytes=0-9"]);
    assert.equal(range.status, 206);
    assert.equal(get(range, "Content-Encoding"), undefined);
    assert.equal(range.body.toString(), BIG.slice(0, 10));
    const small = await request(port, "GET", "/small.css", ["Accept-Encoding: gzip"]);
    assert.equal(get(small, "Content-Encoding"), undefined);
    assert.equal(get(small, "Vary"), undefined, "a response that could never be coded does not vary");
    const png = await request(port, "GET", "/logo.png", ["Accept-Encoding: gzip"]);
    assert.equal(get(png, "Content-Encoding"), undefined);
    assert.ok(png.body.equals(PNG));
  });

  test("identity for a client without Accept-Encoding or refusing every coding; Vary all the same", async () => {
    for (const headers of [[], ["Accept-Encoding: identity"], ["Accept-Encoding: gzip;q=0, br;q=0, zstd;q=0"]]) {
      const r = await request(port, "GET", "/big.txt", headers);
      assert.equal(get(r, "Content-Encoding"), undefined, headers.join());
      assert.equal(get(r, "Vary"), "Accept-Encoding");
      assert.equal(r.body.toString(), BIG);
    }
  });

  test("the coded ETag answers If-None-Match with 304; the identity one does not match it", async () => {
    const r = await request(port, "GET", "/big.txt", ["Accept-Encoding: gzip"]);
    const etag = get(r, "ETag")!;
    assert.equal((await request(port, "GET", "/big.txt", ["Accept-Encoding: gzip", `If-None-Match: ${etag}`])).status, 304);
    const identityEtag = get(await request(port, "GET", "/big.txt"), "ETag")!;
    assert.notEqual(identityEtag, etag);
    assert.equal((await request(port, "GET", "/big.txt", ["Accept-Encoding: gzip", `If-None-Match: ${identityEtag}`])).status, 200);
  });
});

describe("quiet / -q and coloured logs (gh-146292)", () => {
  test("quiet drops the access log line, not the error line", async () => {
    const port = await start({ quiet: true });
    await request(port, "GET", "/quiet-missing-file");
    await log.waitFor(/code 404, message File not found/);
    await request(port, "GET", "/small.css?quiet-marker");
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(!log.lines.some((l) => l.includes("quiet-missing-file") || l.includes("quiet-marker")));
  });

  test("log_colour = true colours the line; without the escape codes it is the plain one", async () => {
    const port = await start({}, { log_colour: true });
    await request(port, "GET", "/small.css?colour-marker");
    const line = await log.waitFor(/colour-marker/);
    assert.match(line, /\x1b\[32m200\x1b\[0m/);
    assert.match(line.replace(/\x1b\[\d+m/g, ""), /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/small\.css\?colour-marker HTTP\/1\.1" 200 -$/);
    await request(port, "GET", "/colour-missing");
    const request404 = await log.waitFor(/colour-missing/);
    assert.match(request404, /\x1b\[33m404\x1b\[0m/, "a 4xx status in yellow");
    const error = await log.waitFor(/\x1b\[33mcode 404, message File not found\x1b\[0m$/);
    assert.match(error, /^127\.0\.0\.1 - - \x1b\[90m\[/, "the date in grey");
  });

  test("a subclass overriding log_message() gets plain lines even with colour on", async () => {
    const got: string[] = [];
    const port = await start({}, { log_colour: true, log_message: (format: string, ...args: unknown[]) => void got.push(`${format}|${args.join("|")}`) } as never);
    await request(port, "GET", "/small.css");
    assert.deepEqual(got, ['"%s" %s %s|GET /small.css HTTP/1.1|200|-']);
  });
});

describe("Python's http.client against every option at once", () => {
  test("coded bodies decode, preflight, SPA and 404 page as a Python client sees them", async () => {
    const port = await start({
      compress: true,
      precompressed: true,
      cors: true,
      spa_fallback: "app.html",
      not_found_page: "404.html",
      response_headers: [["X-Test", "1"]],
    });
    const script = String.raw`
import gzip, http.client, json, sys
port = int(sys.argv[1])
def req(method, path, headers):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, path, headers=headers)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r, body
out = {}
r, body = req("GET", "/huge.txt", {"Accept-Encoding": "gzip"})
out["huge"] = [r.status, r.getheader("Content-Encoding"), r.getheader("Transfer-Encoding"), gzip.decompress(body).decode()[:40], len(gzip.decompress(body))]
r, body = req("GET", "/big.txt", {"Accept-Encoding": "gzip"})
out["big"] = [r.status, r.getheader("Content-Encoding"), r.getheader("Vary"), r.getheader("X-Test"), len(gzip.decompress(body))]
r, body = req("OPTIONS", "/big.txt", {"Origin": "http://a", "Access-Control-Request-Method": "GET"})
out["preflight"] = [r.status, r.getheader("Access-Control-Allow-Origin"), r.getheader("Access-Control-Allow-Methods"), len(body)]
r, body = req("GET", "/route/x", {"Accept": "text/html,*/*;q=0.8"})
out["spa"] = [r.status, body.decode()]
r, body = req("GET", "/route/x", {})
out["missing"] = [r.status, r.reason, body.decode()]
print(json.dumps(out))
`;
    const got = JSON.parse(await python(script, [String(port)])) as Record<string, unknown[]>;
    assert.deepEqual(got["huge"], [200, "gzip", "chunked", HUGE.slice(0, 40), Buffer.byteLength(HUGE)]);
    assert.deepEqual(got["big"], [200, "gzip", "Accept-Encoding", "1", Buffer.byteLength(BIG)]);
    assert.deepEqual(got["preflight"], [204, "*", "GET", 0]);
    assert.deepEqual(got["spa"], [200, "<!doctype html><title>app</title><p>spa entry</p>\n"]);
    assert.deepEqual(got["missing"], [404, "File not found", "<!doctype html><p>custom not found</p>\n"]);
  });
});
