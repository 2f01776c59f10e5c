/**
 * `file-response.ts` through SimpleHTTPRequestHandler, over real loopback
 * sockets: byte ranges (206, 416, multipart/byteranges), ETags and
 * conditional requests (304). (Side by side with CPython:
 * test/conformance/files.test.ts.)
 *
 * Strategy: every suite serves the fixture tree of test/fixtures/file-tree.ts
 * (built in a temp dir, every file's mtime fixed in 2023) with a handler
 * subclass on an ephemeral port, sends raw bytes (`Connection: close`, so
 * `exchange` ends with the server's close) and splits what comes back with
 * the conformance parser. Tables over copy-paste: a failing row names itself.
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { exchange } from "../helpers/net.js";
import { FIXED_HTTP_DATE, FIXED_MTIME_S } from "../fixtures/file-tree.js";
import { header } from "../conformance/files-side-by-side.js";
import { fetch1, fileServerSuite, MTIME_HEX, names, servingDir, TEN, TEN_ETAG } from "./file-server-suite.js";

const suite = fileServerSuite();
const { log, start } = suite;

// ---- ranges -----------------------------------------------------------------------

/** One part of a multipart/byteranges body. */
interface Part {
  headers: Record<string, string>;
  data: Buffer;
}

/**
 * A small multipart parser (RFC 2046 §5.1.1): an optional preamble, then
 * `--boundary CRLF headers CRLF CRLF data` per part, each part's data ending
 * at `CRLF --boundary`, the last delimiter being `--boundary--`, then an
 * optional epilogue (which must be at most a CRLF here).
 */
function parseMultipart(body: Buffer, boundary: string): Part[] {
  const dash = Buffer.from(`--${boundary}`, "latin1");
  const delimiter = Buffer.from(`\r\n--${boundary}`, "latin1");
  let pos = body.subarray(0, dash.length).equals(dash) ? 0 : body.indexOf(delimiter) + 2;
  assert.ok(pos >= 0 && body.subarray(pos, pos + dash.length).equals(dash), "a first delimiter");
  const parts: Part[] = [];
  for (;;) {
    pos += dash.length;
    if (body.subarray(pos, pos + 2).toString("latin1") === "--") {
      const epilogue = body.subarray(pos + 2).toString("latin1");
      assert.ok(epilogue === "" || epilogue === "\r\n", `epilogue ${JSON.stringify(epilogue)}`);
      return parts;
    }
    assert.equal(body.subarray(pos, pos + 2).toString("latin1"), "\r\n", "CRLF after a delimiter");
    pos += 2;
    const headEnd = body.indexOf("\r\n\r\n", pos, "latin1");
    assert.ok(headEnd !== -1, "a part's head ends");
    const headers: Record<string, string> = {};
    for (const line of body.subarray(pos, headEnd).toString("latin1").split("\r\n")) {
      const i = line.indexOf(":");
      headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
    }
    const next = body.indexOf(delimiter, headEnd + 4);
    assert.ok(next !== -1, "a part's data ends at a delimiter");
    parts.push({ headers, data: body.subarray(headEnd + 4, next) });
    pos = next + 2;
  }
}

interface RangeRow {
  name: string;
  method?: "GET" | "HEAD";
  path?: string;
  headers: string[];
  status: number;
  /** Content-Range of a single-range 206 or a 416. */
  contentRange?: string;
  /** The body (GET); for 200 the whole file. */
  body?: string;
  /** multipart/byteranges: each part's Content-Range and data. */
  parts?: [contentRange: string, data: string][];
}

const RANGE_ROWS: RangeRow[] = [
  { name: "bytes=0-0 → the first byte", headers: ["Range: bytes=0-0"], status: 206, contentRange: "bytes 0-0/10", body: "0" },
  { name: "bytes=0- → everything, as a 206", headers: ["Range: bytes=0-"], status: 206, contentRange: "bytes 0-9/10", body: TEN },
  { name: "bytes=-1 → the last byte", headers: ["Range: bytes=-1"], status: 206, contentRange: "bytes 9-9/10", body: "9" },
  { name: "bytes=-100 (suffix longer than the file) → the whole file", headers: ["Range: bytes=-100"], status: 206, contentRange: "bytes 0-9/10", body: TEN },
  { name: "bytes=3-100 (last-pos past the end) is clipped", headers: ["Range: bytes=3-100"], status: 206, contentRange: "bytes 3-9/10", body: "3456789" },
  { name: "BYTES=2-3 (the unit is case-insensitive)", headers: ["Range: BYTES=2-3"], status: 206, contentRange: "bytes 2-3/10", body: "23" },
  { name: "bytes=5-2 (last < first) is invalid → ignored, 200", headers: ["Range: bytes=5-2"], status: 200, body: TEN },
  { name: "bytes=0-1,3-4 → multipart/byteranges", headers: ["Range: bytes=0-1,3-4"], status: 206, parts: [["bytes 0-1/10", "01"], ["bytes 3-4/10", "34"]] },
  { name: "bytes=6-7,0-1 → parts sorted by position", headers: ["Range: bytes=6-7,0-1"], status: 206, parts: [["bytes 0-1/10", "01"], ["bytes 6-7/10", "67"]] },
  { name: "bytes=0-1,1-2,5-6,6-9 → overlapping ranges coalesced into two parts", headers: ["Range: bytes=0-1,1-2,5-6,6-9"], status: 206, parts: [["bytes 0-2/10", "012"], ["bytes 5-9/10", "56789"]] },
  { name: "bytes=0-3,2-5 (overlapping) → one coalesced range", headers: ["Range: bytes=0-3,2-5"], status: 206, contentRange: "bytes 0-5/10", body: "012345" },
  { name: "bytes=0-1,2-3 (adjacent) → one coalesced range", headers: ["Range: bytes=0-1,2-3"], status: 206, contentRange: "bytes 0-3/10", body: "0123" },
  { name: "bytes=0-,-3 (the whole file twice) → one range", headers: ["Range: bytes=0-,-3"], status: 206, contentRange: "bytes 0-9/10", body: TEN },
  { name: "bytes=1000- on a 10-byte file → 416 bytes */10", headers: ["Range: bytes=1000-"], status: 416, contentRange: "bytes */10", body: "" },
  { name: "bytes=10-10 (first-pos = size) → 416", headers: ["Range: bytes=10-10"], status: 416, contentRange: "bytes */10", body: "" },
  { name: "bytes=-0 (empty suffix) → 416", headers: ["Range: bytes=-0"], status: 416, contentRange: "bytes */10", body: "" },
  { name: "bytes=1000-,0-1: the unsatisfiable member is dropped", headers: ["Range: bytes=1000-,0-1"], status: 206, contentRange: "bytes 0-1/10", body: "01" },
  { name: "bytes=0-99999999999999999999999 (beyond 2^53) is clipped", headers: ["Range: bytes=0-99999999999999999999999"], status: 206, contentRange: "bytes 0-9/10", body: TEN },
  { name: "bytes=99999999999999999999999- (beyond 2^53) → 416", headers: ["Range: bytes=99999999999999999999999-"], status: 416, contentRange: "bytes */10", body: "" },
  { name: "bytes= 0-1 , 3-4 (OWS around members) → multipart", headers: ["Range: bytes= 0-1 , 3-4"], status: 206, parts: [["bytes 0-1/10", "01"], ["bytes 3-4/10", "34"]] },
  { name: "bytes=0-1,,3-4 (an empty member is skipped) → multipart", headers: ["Range: bytes=0-1,,3-4"], status: 206, parts: [["bytes 0-1/10", "01"], ["bytes 3-4/10", "34"]] },
  { name: "bytes = 0-1 (space before =) → ignored, 200", headers: ["Range: bytes = 0-1"], status: 200, body: TEN },
  { name: "bytes=0 - 1 (inner spaces) → ignored, 200", headers: ["Range: bytes=0 - 1"], status: 200, body: TEN },
  { name: "items=0-1 (unknown unit) → ignored, 200", headers: ["Range: items=0-1"], status: 200, body: TEN },
  { name: "bytes= (empty set) → 200", headers: ["Range: bytes="], status: 200, body: TEN },
  { name: "bytes=abc → 200", headers: ["Range: bytes=abc"], status: 200, body: TEN },
  { name: "bytes=0-1,abc (one bad member) → 200", headers: ["Range: bytes=0-1,abc"], status: 200, body: TEN },
  { name: "bytes=+1-2 (a sign) → 200", headers: ["Range: bytes=+1-2"], status: 200, body: TEN },
  { name: "HEAD with Range → 206 head, no body", method: "HEAD", headers: ["Range: bytes=0-4"], status: 206, contentRange: "bytes 0-4/10" },
  { name: "HEAD with an unsatisfiable Range → 416", method: "HEAD", headers: ["Range: bytes=20-"], status: 416, contentRange: "bytes */10" },
  { name: "If-Range with the Last-Modified date → 206", headers: ["Range: bytes=0-4", `If-Range: ${FIXED_HTTP_DATE}`], status: 206, contentRange: "bytes 0-4/10", body: "01234" },
  { name: "If-Range with an older date → 200, the whole file", headers: ["Range: bytes=0-4", "If-Range: Sun, 01 Jan 2023 00:00:00 GMT"], status: 200, body: TEN },
  { name: "If-Range with a newer date → 200 (it must match exactly)", headers: ["Range: bytes=0-4", "If-Range: Tue, 03 Jan 2023 00:00:00 GMT"], status: 200, body: TEN },
  { name: "If-Range with our (weak) ETag → 200 (a weak tag never matches strongly)", headers: ["Range: bytes=0-4", `If-Range: ${TEN_ETAG}`], status: 200, body: TEN },
  { name: "If-Range with our ETag without W/ → 200", headers: ["Range: bytes=0-4", `If-Range: ${TEN_ETAG.slice(2)}`], status: 200, body: TEN },
  { name: "If-Range with an older date and an unsatisfiable Range → 200, never 416", headers: ["Range: bytes=50-", "If-Range: Sun, 01 Jan 2023 00:00:00 GMT"], status: 200, body: TEN },
  { name: "If-Range without Range is ignored → 200", headers: [`If-Range: ${FIXED_HTTP_DATE}`], status: 200, body: TEN },
  { name: "Range with a matching If-None-Match → 304", headers: ["Range: bytes=0-4", `If-None-Match: ${TEN_ETAG}`], status: 304 },
  { name: "Range with a newer If-Modified-Since → 304", headers: ["Range: bytes=0-4", "If-Modified-Since: Tue, 03 Jan 2023 00:00:00 GMT"], status: 304 },
  { name: "Range on a directory listing is ignored → 200", path: "/sub/", headers: ["Range: bytes=0-4"], status: 200 },
  { name: "Range on a redirect is ignored → 301", path: "/sub", headers: ["Range: bytes=0-4"], status: 301 },
  { name: "Range on a missing file → 404", path: "/missing", headers: ["Range: bytes=0-4"], status: 404 },
  {
    name: "100 disjoint ranges → 100 parts",
    path: "/thousand.bin",
    headers: [`Range: bytes=${Array.from({ length: 100 }, (_, i) => `${2 * i}-${2 * i}`).join(",")}`],
    status: 206,
    parts: Array.from({ length: 100 }, (_, i): [string, string] => [`bytes ${2 * i}-${2 * i}/1000`, String.fromCharCode(2 * i)]),
  },
  {
    name: "101 disjoint ranges (more than MAX_RANGE_PARTS) → ignored, 200",
    path: "/thousand.bin",
    headers: [`Range: bytes=${Array.from({ length: 101 }, (_, i) => `${2 * i}-${2 * i}`).join(",")}`],
    status: 200,
  },
  {
    name: "200 overlapping ranges coalescing to one → 206 (the CVE-2011-3192 shape)",
    path: "/thousand.bin",
    headers: [`Range: bytes=0-,${Array.from({ length: 200 }, (_, i) => `${i}-${i + 1}`).join(",")}`],
    status: 206,
    contentRange: "bytes 0-999/1000",
  },
  { name: "bytes=0- on an empty file → 416 bytes */0", path: "/empty.txt", headers: ["Range: bytes=0-"], status: 416, contentRange: "bytes */0", body: "" },
  { name: "bytes=-5 on an empty file → the empty 200", path: "/empty.txt", headers: ["Range: bytes=-5"], status: 200, body: "" },
];

describe("SimpleHTTPRequestHandler: byte ranges", () => {
  let port: number;
  before(async () => {
    await writeFile(suite.tree.path("thousand.bin"), Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256)));
    await utimes(suite.tree.path("thousand.bin"), FIXED_MTIME_S, FIXED_MTIME_S);
    port = await start(servingDir(suite.tree.root));
  });

  for (const row of RANGE_ROWS) {
    test(`Range: ${row.name}`, async () => {
      const method = row.method ?? "GET";
      const r = await fetch1(port, method, row.path ?? "/ten.txt", row.headers);
      assert.equal(r.status, row.status, r.statusLine ?? "");
      const cr = header(r, "Content-Range");
      assert.equal(cr, row.contentRange, "Content-Range");
      if (row.body !== undefined && method === "GET") assert.equal(r.body.toString("latin1"), row.body, "body");
      if (method === "GET" && row.status !== 304) assert.equal(Number(header(r, "Content-Length")), r.body.length, "Content-Length");
      if (method === "HEAD") assert.equal(r.raw.toString("latin1").split("\r\n\r\n")[1], "", "no body after HEAD");
      if (row.status === 206 && row.parts === undefined) {
        assert.deepEqual(names(r), ["Server", "Date", "Content-type", "Content-Range", "Content-Length", "Last-Modified", "ETag", "Accept-Ranges"]);
        if (row.path === undefined) {
          assert.equal(header(r, "Content-type"), "text/plain; charset=utf-8");
          assert.equal(header(r, "ETag"), TEN_ETAG);
        }
        if (method === "HEAD") {
          const [, a, b] = /^bytes (\d+)-(\d+)\//.exec(cr!)!;
          assert.equal(Number(header(r, "Content-Length")), Number(b) - Number(a) + 1, "HEAD: the Content-Length a GET would have");
        }
      }
      if (row.status === 416) {
        assert.deepEqual(names(r), ["Server", "Date", "Content-Range", "Content-Length"]);
        assert.equal(header(r, "Content-Length"), "0");
        assert.equal(r.statusLine, "HTTP/1.1 416 Range Not Satisfiable");
      }
      if (row.status === 301 || row.status === 404) assert.equal(header(r, "Content-Range"), undefined);
      if (row.status === 200 && (row.path ?? "/ten.txt") === "/ten.txt") {
        assert.equal(header(r, "Content-Range"), undefined);
        assert.equal(header(r, "Accept-Ranges"), "bytes");
      }
      if (row.status === 304) assert.deepEqual(names(r), ["Server", "Date", "ETag"]);
      if (row.parts !== undefined) {
        const ct = header(r, "Content-type") ?? "";
        const m = /^multipart\/byteranges; boundary=([0-9A-Za-z'()+_,\-./:=?]{1,70})$/.exec(ct);
        assert.ok(m !== null, `Content-type ${ct}`);
        assert.deepEqual(names(r), ["Server", "Date", "Content-type", "Content-Length", "Last-Modified", "ETag", "Accept-Ranges"]);
        const parts = parseMultipart(r.body, m[1]!);
        assert.deepEqual(
          parts.map((p) => [p.headers["content-range"], p.data.toString("latin1")]),
          row.parts,
        );
        const partType = row.path === "/thousand.bin" ? "application/octet-stream" : "text/plain; charset=utf-8";
        for (const p of parts) assert.deepEqual(Object.keys(p.headers), ["content-type", "content-range"]);
        for (const p of parts) assert.equal(p.headers["content-type"], partType);
        assert.equal(header(r, "ETag"), row.path === undefined ? TEN_ETAG : header(r, "ETag"));
      }
    });
  }

  test("Range: HEAD of a multipart range announces the Content-Length a GET sends", async () => {
    const g = await fetch1(port, "GET", "/ten.txt", ["Range: bytes=0-1,3-4"]);
    const h = await fetch1(port, "HEAD", "/ten.txt", ["Range: bytes=0-1,3-4"]);
    assert.equal(h.status, 206);
    assert.match(header(h, "Content-type")!, /^multipart\/byteranges; boundary=/);
    assert.equal(header(h, "Content-Length"), String(g.body.length));
    assert.equal(h.raw.toString("latin1").split("\r\n\r\n")[1], "");
  });

  test("Range: a multipart boundary differs between responses", async () => {
    const a = await fetch1(port, "GET", "/ten.txt", ["Range: bytes=0-1,3-4"]);
    const b = await fetch1(port, "GET", "/ten.txt", ["Range: bytes=0-1,3-4"]);
    assert.notEqual(header(a, "Content-type"), header(b, "Content-type"));
  });

  test("Range: a Range row of the 5-byte window of a larger file matches the file's bytes", async () => {
    const content = await readFile(suite.tree.path("page.html"));
    const r = await fetch1(port, "GET", "/page.html", ["Range: bytes=5-9,-3"]);
    const ct = header(r, "Content-type")!;
    const parts = parseMultipart(r.body, ct.slice(ct.indexOf("boundary=") + 9));
    assert.deepEqual(parts.map((p) => p.data), [content.subarray(5, 10), content.subarray(content.length - 3)]);
    assert.deepEqual(
      parts.map((p) => p.headers["content-range"]),
      [`bytes 5-9/${content.length}`, `bytes ${content.length - 3}-${content.length - 1}/${content.length}`],
    );
  });
});

// ---- ETag and If-None-Match --------------------------------------------------------------

describe("SimpleHTTPRequestHandler: ETag and If-None-Match", () => {
  let port: number;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "http-server-etag-"));
    await writeFile(join(dir, "e.txt"), "0123456789");
    await utimes(join(dir, "e.txt"), FIXED_MTIME_S, FIXED_MTIME_S);
    port = await start(servingDir(dir));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const etagOf = async (): Promise<string> => {
    const r = await fetch1(port, "GET", "/e.txt");
    assert.equal(r.status, 200);
    return header(r, "ETag")!;
  };

  test("ETag: present, weak, W/\"<size hex>-<mtime ms hex>\"", async () => {
    assert.equal(await etagOf(), `W/"a-${MTIME_HEX}"`);
  });

  test("ETag: stable across requests and on HEAD", async () => {
    const a = await etagOf();
    const b = await etagOf();
    const h = await fetch1(port, "HEAD", "/e.txt");
    assert.equal(a, b);
    assert.equal(header(h, "ETag"), a);
  });

  test("ETag: changes when the file changes (same size, new mtime; new size, same mtime)", async () => {
    const before = await etagOf();
    await writeFile(join(dir, "e.txt"), "abcdefghij");
    await utimes(join(dir, "e.txt"), FIXED_MTIME_S + 1, FIXED_MTIME_S + 1);
    const sameSize = await etagOf();
    assert.notEqual(sameSize, before);
    await writeFile(join(dir, "e.txt"), "abcdefghijk");
    await utimes(join(dir, "e.txt"), FIXED_MTIME_S + 1, FIXED_MTIME_S + 1);
    const newSize = await etagOf();
    assert.notEqual(newSize, sameSize);
    assert.notEqual(newSize, before);
    // Back to the original for the rows below.
    await writeFile(join(dir, "e.txt"), "0123456789");
    await utimes(join(dir, "e.txt"), FIXED_MTIME_S, FIXED_MTIME_S);
    assert.equal(await etagOf(), before);
  });

  const INM_ROWS: { name: string; method?: string; headers: (etag: string) => string[]; status: number }[] = [
    { name: "If-None-Match with the ETag → 304", headers: (e) => [`If-None-Match: ${e}`], status: 304 },
    { name: "If-None-Match with the ETag on HEAD → 304", method: "HEAD", headers: (e) => [`If-None-Match: ${e}`], status: 304 },
    { name: "If-None-Match with the ETag minus W/ (weak comparison) → 304", headers: (e) => [`If-None-Match: ${e.slice(2)}`], status: 304 },
    { name: "If-None-Match: * → 304", headers: () => ["If-None-Match: *"], status: 304 },
    { name: "If-None-Match: a list containing the ETag → 304", headers: (e) => [`If-None-Match: "x", ${e} , "y"`], status: 304 },
    { name: "If-None-Match: a non-matching tag → 200", headers: () => ['If-None-Match: "nope"'], status: 200 },
    { name: "If-None-Match: garbage → 200", headers: () => ["If-None-Match: nope"], status: 200 },
    { name: "If-None-Match: garbage before the ETag → 200 (a malformed list matches nothing after it)", headers: (e) => [`If-None-Match: nope, ${e}`], status: 200 },
    {
      name: "If-None-Match non-matching + If-Modified-Since in the future → 200 (INM wins, IMS ignored)",
      headers: () => ['If-None-Match: "nope"', "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT"],
      status: 200,
    },
    {
      name: "If-None-Match matching + If-Modified-Since in the past → 304 (INM wins)",
      headers: (e) => [`If-None-Match: ${e}`, "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT"],
      status: 304,
    },
  ];

  for (const row of INM_ROWS) {
    test(row.name, async () => {
      const etag = `W/"a-${MTIME_HEX}"`;
      const method = row.method ?? "GET";
      const r = await fetch1(port, method, "/e.txt", row.headers(etag));
      assert.equal(r.status, row.status, r.statusLine ?? "");
      if (row.status === 304) {
        assert.equal(r.statusLine, "HTTP/1.1 304 Not Modified");
        assert.deepEqual(names(r), ["Server", "Date", "ETag"]);
        assert.equal(header(r, "ETag"), etag);
        assert.equal(r.raw.toString("latin1").split("\r\n\r\n")[1], "", "no body");
      } else {
        assert.equal(header(r, "ETag"), etag);
        if (method === "GET") assert.equal(r.body.toString(), "0123456789");
      }
    });
  }
});
