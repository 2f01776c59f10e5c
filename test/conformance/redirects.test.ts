/**
 * No `Location` the server builds from a request path can be resolved by a
 * browser to another host: the file server's 301 to a directory's slash
 * form, under `SimpleHTTPRequestHandler` and `CGIHTTPRequestHandler`.
 *
 * Strategy: a table of targets that reach a directory (directly or through
 * `..`) while starting with runs of `/`, `\` and their percent-encodings,
 * sent over a raw socket; each Location is resolved against the server's own
 * URL with the WHATWG URL parser (what browsers use) and must keep the
 * server's host. Rows with an exact Location pin the collapsing rule. Before
 * the fix, `/\evil.example/../sub` redirected to `/\evil.example/../sub/`,
 * which a browser resolves to `http://evil.example/sub/`.
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { CGIHTTPRequestHandler } from "../../src/cgi/cgi-handler.js";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { directoryLocation, sameSitePath } from "../../src/static/location.js";
import { buildFileTree, type FileTree } from "../fixtures/file-tree.js";
import { makeCgiSite } from "../cgi/fixture.js";
import { servingDir } from "../helpers/handlers.js";
import { exchange, LogCapture, serve, splitResponse, type Running } from "../helpers/net.js";

interface Row {
  target: string;
  /** The exact Location expected, when the row pins it. */
  location?: string;
  /** Not origin-form: refusing it (400, RFC 9112 §3.2) is as good as redirecting on-site. */
  mayRefuse?: boolean;
}

/** Targets that reach directory `dir` (`sub` in the file tree, `cgi-bin/dir`'s parent in the CGI site). */
function rows(dir: string): Row[] {
  return [
    { target: `/${dir}`, location: `/${dir}/` },
    { target: `//${dir}`, location: `/${dir}/` },
    { target: `/\\evil.example/../${dir}`, location: `/evil.example/../${dir}/` },
    { target: `/\\\\evil.example/../${dir}`, location: `/evil.example/../${dir}/` },
    { target: `//\\evil.example/../${dir}`, location: `/evil.example/../${dir}/` },
    { target: `/\\/evil.example/../../${dir}`, location: `/evil.example/../../${dir}/` },
    { target: `/%5cevil.example/../${dir}`, location: `/evil.example/../${dir}/` },
    { target: `/%5C%5Cevil.example/../${dir}`, location: `/evil.example/../${dir}/` },
    { target: `/%2f%2fevil.example/../${dir}`, location: `/evil.example/../${dir}/` },
    { target: `/%2F/evil.example/../${dir}`, location: `/evil.example/../${dir}/` },
    { target: `/%2f%5c/\\evil.example/../../${dir}`, location: `/evil.example/../../${dir}/` },
    { target: `/\\evil.example/..`, location: `/evil.example/../` },
    { target: `/\\evil.example/%2e%2e`, location: `/evil.example/%2e%2e/` },
    { target: `/\\evil.example/..?q=1#f`, location: `/evil.example/../?q=1#f` },
    { target: `/\\evil.example/../${dir}?next=//evil.example`, location: `/evil.example/../${dir}/?next=//evil.example` },
    // gh-87389's own attack shapes (CGI: 400 "Bad request path", a `..` above the root).
    { target: `//python.org/..%2f..%2f..%2f../%0a%0d/../${dir}` },
    { target: `///python.org/..%2f..%2f../%0a%0d/../${dir}` },
    // Not origin-form at all (no leading "/"): still a path on this server.
    { target: `\\evil.example/../${dir}`, mayRefuse: true },
    { target: `https:evil.example/../${dir}`, mayRefuse: true },
    { target: `https:\\\\evil.example/../${dir}`, mayRefuse: true },
  ];
}

/** The Location of the 301 for `row`, or `null` when the row may be (and was) refused with 400. */
async function locationOf(port: number, row: Row): Promise<string | null | undefined> {
  const raw = await exchange(port, `GET ${row.target} HTTP/1.0\r\n\r\n`);
  const r = splitResponse(raw);
  if (row.mayRefuse === true && /^HTTP\/1\.[01] 400 /.test(r.status)) return null;
  assert.match(r.status, /^HTTP\/1\.[01] 301 /, `${row.target}: ${r.status}`);
  return r.headers["location"];
}

function checkSameSite(port: number, row: Row, location: string | null | undefined): void {
  if (location === null) return; // refused: nothing to follow
  assert.ok(location !== undefined, `${row.target}: no Location`);
  const base = `http://127.0.0.1:${port}/`;
  const resolved = new URL(location, base);
  assert.equal(resolved.host, `127.0.0.1:${port}`, `${row.target} → Location ${location} → ${resolved.href}`);
  if (row.location !== undefined) assert.equal(location, row.location, row.target);
}

describe("directory redirects stay on the site: SimpleHTTPRequestHandler", () => {
  let tree: FileTree;
  let server: Running<never>;
  let log: LogCapture;
  before(async () => {
    tree = await buildFileTree({ big: false });
    log = new LogCapture().start();
    server = (await serve(servingDir(tree.root, SimpleHTTPRequestHandler))) as Running<never>;
  });
  after(async () => {
    await server.close();
    log.stop();
    await tree.remove();
  });
  for (const row of rows("sub")) {
    test(`GET ${row.target}`, async () => checkSameSite(server.port, row, await locationOf(server.port, row)));
  }
});

describe("directory redirects stay on the site: CGIHTTPRequestHandler", () => {
  let site: { root: string; cleanup: () => Promise<void> };
  let server: Running<never>;
  let log: LogCapture;
  before(async () => {
    site = await makeCgiSite();
    log = new LogCapture().start();
    server = (await serve(servingDir(site.root, CGIHTTPRequestHandler))) as Running<never>;
  });
  after(async () => {
    await server.close();
    log.stop();
    await site.cleanup();
  });
  // `htbin` is a script directory: its redirect comes from the file server
  // path only when the collapsed path is not a script request.
  for (const row of rows("htbin/..").filter((r) => !r.target.includes("python.org"))) {
    test(`GET ${row.target}`, async () => {
      const location = await locationOf(server.port, row);
      checkSameSite(server.port, { target: row.target }, location);
    });
  }
});

describe("location.ts", () => {
  test("sameSitePath: one leading slash, whatever the run", () => {
    for (const [input, want] of [
      ["/a", "/a"],
      ["a", "/a"],
      ["", "/"],
      ["//a", "/a"],
      ["\\a", "/a"],
      ["/%2F%5c/a", "/a"],
      ["/%2/a", "/%2/a"],
      ["/a//b", "/a//b"],
    ] as const) {
      assert.equal(sameSitePath(input), want, input);
    }
  });
  test("directoryLocation: absolute-form keeps its scheme and authority (gh-87389's test)", () => {
    assert.equal(directoryLocation("https://pypi.org//python.org/x"), "https://pypi.org//python.org/x/");
    assert.equal(directoryLocation("http://h:8000"), "http://h:8000/");
    assert.equal(directoryLocation("http://h/a?b#c"), "http://h/a/?b#c");
    assert.equal(directoryLocation("/a/"), null);
    assert.equal(directoryLocation("/a%2F"), null);
  });
});
