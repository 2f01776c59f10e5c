/**
 * End to end over HTTP/2: headless Chromium (Debian's, driven by
 * playwright-core) loads a page with 50 assets from a SimpleHTTPRequestHandler
 * served over TLS with `alpn_protocols: ["h2", "http/1.1"]`, and every
 * resource must have come over HTTP/2 (`nextHopProtocol` "h2" in the
 * performance entries) on one connection (the server saw one).
 *
 * Strategy: the test certificate is not trusted by the browser's profile, so
 * Chromium runs with `ignoreHTTPSErrors` (the chain is checked elsewhere, in
 * test/server/https-server.test.ts). Skips, saying why, where Chromium or
 * openssl is missing; every wait is bounded.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ThreadingHTTPSServer } from "../../src/server/https-server.js";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";
import { serve } from "../helpers/net.js";
import { CHROMIUM_SKIP, launchChromium } from "../helpers/chromium.js";

const generated = await getTestCerts();
const skip = CHROMIUM_SKIP || generated.skip;

test("Chromium loads a page with 50 assets over one HTTP/2 connection", { skip, timeout: 60_000 }, async (t) => {
  const certs = generated.certs as TestCerts;
  const root = mkdtempSync(join(tmpdir(), "h2-e2e-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  let imgs = "";
  for (let i = 0; i < 50; i++) {
    writeFileSync(join(root, `a${i}.svg`), `<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4" fill="#${(i * 5).toString(16).padStart(2, "0")}0000"/></svg>`);
    imgs += `<img src="a${i}.svg">`;
  }
  writeFileSync(join(root, "index.html"), `<!doctype html><title>h2</title>${imgs}`);
  const peers = new Set<number>();
  class Files extends SimpleHTTPRequestHandler {
    override directory = root;
    override log_message(): void {
      peers.add(this.client_address[1]);
    }
  }
  class Server extends ThreadingHTTPSServer {
    constructor(address: [string, number], Handler: never) {
      super(address, Handler, true, { certfile: certs.rsaCert, keyfile: certs.rsaKey, alpn_protocols: ["h2", "http/1.1"] });
    }
  }
  const s = await serve(Files, { ServerClass: Server as never });
  t.after(() => s.close());
  const browser = await launchChromium(30_000);
  t.after(() => browser.close());
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`https://127.0.0.1:${s.port}/`, { waitUntil: "load" });
  // A string: the test build has no DOM types.
  const protocols = (await page.evaluate(`(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const res = performance.getEntriesByType("resource");
    return { nav: nav.nextHopProtocol, res: res.filter((r) => r.name.endsWith(".svg")).map((r) => r.nextHopProtocol),
      complete: [...document.images].filter((i) => i.complete && i.naturalWidth === 4).length };
  })()`)) as { nav: string; res: string[]; complete: number };
  assert.equal(protocols.nav, "h2");
  assert.equal(protocols.res.length, 50);
  assert.ok(protocols.res.every((p) => p === "h2"), protocols.res.join(","));
  assert.equal(protocols.complete, 50);
  assert.equal(peers.size, 1, "one connection (one client port) for the page and its 50 assets");
});
