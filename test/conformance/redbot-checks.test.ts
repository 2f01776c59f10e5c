/**
 * What an HTTP linter (REDbot, with httplint for each message) checks,
 * applied to the file server: text, HTML, a large binary, a listing and a
 * 404, each fetched plainly, with HEAD, with `Range`, and with conditional
 * headers.
 *
 * Strategy: REDbot is not installable here, so its checks are restated from
 * its source (mnot/redbot `resource/active_check/`: range, etag_validate,
 * lm_validate; httplint's field and message checks): every response is
 * parsed from raw bytes and must have a valid `Date`, one value for each
 * single-value field, a `Content-Length` that matches the body, a
 * `Content-Type` (with a charset for text), a `Last-Modified` not later than
 * `Date`, a well-formed `ETag`, `Accept-Ranges` of `bytes` or `none`; HEAD
 * must carry GET's fields and no body; a 206 must return exactly the bytes
 * asked for with a `Content-Range` whose total is the full length and keep
 * `Date` and `ETag`; a 304 has no body and keeps `ETag`; `If-None-Match` and
 * `If-Modified-Since` with the validators given must yield 304.
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { buildFileTree, type FileTree } from "../fixtures/file-tree.js";
import { servingDir } from "../helpers/handlers.js";
import { LogCapture, open, serve, type Running } from "../helpers/net.js";

interface Response {
  status: number;
  /** Field lines in order, names lower-cased. */
  fields: [string, string][];
  body: Buffer;
}

function get(r: Response, name: string): string | undefined {
  return r.fields.find(([n]) => n === name)?.[1];
}

/** Sends one request and resolves with every byte until the server closes. */
async function exchangeAll(port: number, request: string): Promise<Buffer> {
  const socket = await open(port);
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    socket.on("data", (d: Buffer) => parts.push(d));
    socket.on("error", () => {});
    socket.on("close", () => resolve(Buffer.concat(parts)));
    socket.write(request);
  });
}

function parse(raw: Buffer, head: boolean): Response {
  const end = raw.indexOf("\r\n\r\n");
  assert.ok(end > 0, `no complete head in ${JSON.stringify(raw.toString("latin1").slice(0, 100))}`);
  const lines = raw.subarray(0, end).toString("latin1").split("\r\n");
  const statusLine = lines[0]!;
  assert.match(statusLine, /^HTTP\/1\.[01] \d{3} [\x20-\x7e]*$/, "status line");
  const fields: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    assert.ok(i > 0 && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(line.slice(0, i)), `field line ${JSON.stringify(line)}`);
    fields.push([line.slice(0, i).toLowerCase(), line.slice(i + 1).trim()]);
  }
  const body = raw.subarray(end + 4);
  const r = { status: Number(statusLine.split(" ")[1]), fields, body };
  if (head) assert.equal(body.length, 0, "HEAD: no body");
  return r;
}

async function fetch1(port: number, method: string, target: string, headers: string[] = []): Promise<Response> {
  const raw = await exchangeAll(port, `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers.map((h) => h + "\r\n").join("")}Connection: close\r\n\r\n`);
  return parse(raw, method === "HEAD");
}

const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const SINGLE = ["content-length", "content-type", "date", "etag", "last-modified", "content-range", "accept-ranges", "location", "server"];
const ETAG = /^(W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/;

/** httplint's message checks that apply to every response. */
function lint(r: Response, method: string): void {
  for (const name of SINGLE) assert.ok(r.fields.filter(([n]) => n === name).length <= 1, `one ${name} field`);
  const date = get(r, "date");
  assert.ok(date !== undefined && HTTP_DATE.test(date), `Date is an IMF-fixdate: ${date}`);
  assert.ok(Math.abs(Date.parse(date) - Date.now()) < 60_000, "Date is now");
  const lm = get(r, "last-modified");
  if (lm !== undefined) {
    assert.match(lm, HTTP_DATE, "Last-Modified is an IMF-fixdate");
    assert.ok(Date.parse(lm) <= Date.parse(date), "Last-Modified is not after Date");
  }
  const etag = get(r, "etag");
  if (etag !== undefined) assert.match(etag, ETAG, "ETag syntax");
  const ar = get(r, "accept-ranges");
  if (ar !== undefined) assert.match(ar, /^(bytes|none)$/, "Accept-Ranges unit");
  const noBody = method === "HEAD" || r.status === 304 || r.status === 204 || r.status < 200;
  if (noBody) assert.equal(r.body.length, 0, "no body");
  else {
    const cl = get(r, "content-length");
    assert.ok(cl !== undefined && /^\d+$/.test(cl), "Content-Length present");
    assert.equal(r.body.length, Number(cl), "Content-Length matches the body");
    const ct = get(r, "content-type");
    if (r.body.length > 0) assert.ok(ct !== undefined, "Content-Type present (content is not empty)");
    if (ct !== undefined && /^text\//.test(ct)) assert.match(ct, /;\s*charset=/i, "text has a charset");
  }
  if (r.status === 304 || r.status === 204) assert.equal(get(r, "content-range"), undefined);
}

describe("REDbot's checks on the file server", () => {
  let tree: FileTree;
  let server: Running<never>;
  let log: LogCapture;
  before(async () => {
    tree = await buildFileTree();
    log = new LogCapture().start();
    server = (await serve(servingDir(tree.root, SimpleHTTPRequestHandler, "HTTP/1.1"))) as Running<never>;
  });
  after(async () => {
    await server.close();
    log.stop();
    await tree.remove();
  });

  const resources = [
    { name: "text", path: "/a.txt", file: "a.txt" },
    { name: "HTML", path: "/page.html", file: "page.html" },
    { name: "large binary (5 MiB)", path: "/movie.mp4", file: "movie.mp4" },
    { name: "listing", path: "/sub/", file: null },
    { name: "404", path: "/no-such-file", file: null },
  ];

  for (const res of resources) {
    describe(res.name, () => {
      test("GET and HEAD: well-formed, HEAD has GET's fields", async () => {
        const g = await fetch1(server.port, "GET", res.path);
        lint(g, "GET");
        if (res.file !== null) assert.deepEqual(g.body, readFileSync(tree.path(res.file)));
        const h = await fetch1(server.port, "HEAD", res.path);
        lint(h, "HEAD");
        assert.equal(h.status, g.status);
        const names = (r: Response): string[] => r.fields.map(([n]) => n).filter((n) => n !== "date");
        assert.deepEqual(names(h), names(g));
        for (const [n, v] of g.fields) if (n !== "date") assert.equal(get(h, n), v, `HEAD ${n}`);
      });

      if (res.file === null) return;

      test("Range: the right bytes, Content-Range total, validators kept (range.py)", async () => {
        const full = readFileSync(tree.path(res.file!));
        const g = await fetch1(server.port, "GET", res.path);
        assert.equal(get(g, "accept-ranges"), "bytes");
        const start = Math.floor(full.length / 3);
        const end = Math.min(full.length - 1, start + 96);
        const r = await fetch1(server.port, "GET", res.path, [`Range: bytes=${start}-${end}`]);
        lint(r, "GET");
        assert.equal(r.status, 206);
        assert.deepEqual(r.body, full.subarray(start, end + 1));
        assert.equal(get(r, "content-range"), `bytes ${start}-${end}/${full.length}`);
        assert.notEqual(Number(get(r, "content-length")), full.length, "not the full length (RANGE_CL_FULL)");
        for (const name of ["etag", "last-modified"]) assert.equal(get(r, name), get(g, name), `206 keeps ${name} (MISSING_HDRS_206)`);
        // Suffix and open-ended ranges, and one past the end.
        const suffix = await fetch1(server.port, "GET", res.path, ["Range: bytes=-5"]);
        assert.deepEqual(suffix.body, full.subarray(full.length - 5));
        const past = await fetch1(server.port, "GET", res.path, [`Range: bytes=${full.length}-`]);
        lint(past, "GET");
        assert.equal(past.status, 416);
        assert.equal(get(past, "content-range"), `bytes */${full.length}`);
      });

      test("If-None-Match and If-Modified-Since: 304 with the validators (etag_validate.py, lm_validate.py)", async () => {
        const g = await fetch1(server.port, "GET", res.path);
        const etag = get(g, "etag")!;
        const lm = get(g, "last-modified")!;
        const inm = await fetch1(server.port, "GET", res.path, [`If-None-Match: ${etag}`]);
        lint(inm, "GET");
        assert.equal(inm.status, 304);
        assert.equal(get(inm, "etag"), etag, "304 keeps ETag (MISSING_HDRS_304)");
        const ims = await fetch1(server.port, "GET", res.path, [`If-Modified-Since: ${lm}`]);
        lint(ims, "GET");
        assert.equal(ims.status, 304);
        const stale = await fetch1(server.port, "GET", res.path, ['If-None-Match: "not-this-one"']);
        lint(stale, "GET");
        assert.equal(stale.status, 200, "a different ETag gets the full response");
        // If-Range with the (old, so strong) Last-Modified: the range applies; with another date: the full 200.
        const ifRange = await fetch1(server.port, "GET", res.path, ["Range: bytes=0-1", `If-Range: ${lm}`]);
        lint(ifRange, "GET");
        assert.equal(ifRange.status, 206);
        assert.equal(ifRange.body.length, 2);
        const changed = await fetch1(server.port, "GET", res.path, ["Range: bytes=0-1", "If-Range: Tue, 01 Jan 2019 00:00:00 GMT"]);
        lint(changed, "GET");
        assert.equal(changed.status, 200);
      });
    });
  }
});
