/**
 * Issue #14 in a real browser: headless Chromium (Debian's, driven by
 * playwright-core, as in browser.test.ts) loads a small single-page app from
 * a handler with `spa_fallback` and `compress` set.
 *
 * 1. A deep URL (`/users/42`) is a navigation (Chromium sends
 *    `Sec-Fetch-Mode: navigate`): the server answers the entry page, whose
 *    script (over 1 KiB, so it arrives brotli- or gzip-coded) renders the route;
 *    a click on a client-side link then routes without asking the server.
 * 2. The app's `fetch()` of a missing API path gets a real 404.
 * 3. A page whose script is missing: the script request (no-cors, not a
 *    navigation) gets 404, so the browser reports a failed load, never the
 *    "Unexpected token '<'" that HTML served in its place would cause.
 *
 * The handler records every request's path, Sec-Fetch-Mode, status and
 * Content-Encoding (through `log_request`, kept out of the test output), so
 * the test checks what the browser really sent and got.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { CHROMIUM_SKIP, launchChromium, STEP_TIMEOUT_MS } from "../helpers/chromium.js";
import type { ClientAddress, HandlerServer, StatusCode } from "../../src/handler/base-handler.js";
import type { ThreadingHTTPServer } from "../../src/server/http-server.js";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { serve, type Running } from "../helpers/net.js";

const TEST_TIMEOUT_MS = 20_000;

const INDEX = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>SPA</title><script src="/app.js" defer></script></head>
<body><nav><a id="go" href="/users/7">user 7</a></nav><main id="view">loading</main><p id="api">-</p></body></html>
`;

// Padded past COMPRESS_MIN_SIZE with a comment so that it is sent coded.
const APP = `// A router in a few lines.${" /* padding */".repeat(120)}
function render() { document.getElementById("view").textContent = "route:" + location.pathname; }
document.getElementById("go").addEventListener("click", (e) => { e.preventDefault(); history.pushState(null, "", e.target.getAttribute("href")); render(); });
render();
fetch("/api/missing").then((r) => { document.getElementById("api").textContent = "api:" + r.status; });
`;

const BROKEN = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>broken</title></head>
<body><p id="state">waiting</p>
<script>
  const s = document.createElement("script");
  s.src = "/missing.js";
  s.onerror = () => { document.getElementById("state").textContent = "script failed to load"; };
  s.onload = () => { document.getElementById("state").textContent = "script loaded"; };
  document.body.append(s);
</script></body></html>
`;

interface Seen {
  path: string;
  mode: string;
  status: string;
  coding: string;
}

test("a single-page app with --spa and --compress in headless Chromium", { skip: CHROMIUM_SKIP, timeout: TEST_TIMEOUT_MS }, async (t) => {
  let browser: Browser | undefined;
  let running: Running<ThreadingHTTPServer> | undefined;
  const root = mkdtempSync(join(tmpdir(), "http-server-spa-"));
  t.after(async () => {
    await browser?.close();
    await running?.close();
    rmSync(root, { recursive: true, force: true });
  });
  writeFileSync(join(root, "index.html"), INDEX);
  writeFileSync(join(root, "app.js"), APP);
  writeFileSync(join(root, "broken.html"), BROKEN);

  const seen: Seen[] = [];
  class Handler extends SimpleHTTPRequestHandler {
    constructor(request: Socket, client_address: ClientAddress, server: HandlerServer) {
      super(request, client_address, server, { directory: root, spa_fallback: "index.html", compress: true });
    }
    override log_request(code: StatusCode | string = "-"): void {
      const status = typeof code === "object" ? String(code.value) : String(code);
      seen.push({ path: this.path, mode: this.headers.get("Sec-Fetch-Mode") ?? "-", status, coding: "" });
    }
    override log_error(): void {}
    override send_header(keyword: string, value: string | number): void {
      if (keyword === "Content-Encoding" && seen.length > 0) seen[seen.length - 1]!.coding = String(value);
      super.send_header(keyword, value);
    }
  }
  Handler.prototype.protocol_version = "HTTP/1.1";
  running = await serve(Handler);
  const origin = `http://127.0.0.1:${running.port}`;

  browser = await launchChromium();
  const context = await browser.newContext();
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));

  await t.test("a deep URL renders its route; a client-side link routes without the server", async () => {
    const response = await page.goto(origin + "/users/42");
    assert.equal(response?.status(), 200);
    await page.locator("#view", { hasText: "route:/users/42" }).waitFor();
    await page.locator("#api", { hasText: "api:404" }).waitFor();
    const before = seen.length;
    await page.click("#go");
    await page.locator("#view", { hasText: "route:/users/7" }).waitFor();
    assert.equal(seen.length, before, "no request for a client-side route");
    assert.deepEqual(pageErrors, []);
  });

  await t.test("the server saw a navigation (200), a coded script (200) and a fetch() that stayed 404", () => {
    const byPath = (p: string): Seen => {
      const s = seen.find((x) => x.path === p);
      assert.ok(s !== undefined, `${p} requested; saw ${JSON.stringify(seen)}`);
      return s;
    };
    assert.deepEqual({ ...byPath("/users/42"), coding: "" }, { path: "/users/42", mode: "navigate", status: "200", coding: "" });
    const app = byPath("/app.js");
    assert.equal(app.status, "200");
    assert.ok(["br", "gzip", "zstd"].includes(app.coding), `app.js coded: ${JSON.stringify(app)}`);
    assert.deepEqual(byPath("/api/missing"), { path: "/api/missing", mode: "cors", status: "404", coding: "" });
  });

  await t.test("a missing script is a 404 the page sees as a failed load, not HTML to parse", async () => {
    await page.goto(origin + "/broken.html");
    await page.locator("#state", { hasText: "script failed to load" }).waitFor();
    const missing = seen.find((x) => x.path === "/missing.js");
    assert.deepEqual(missing, { path: "/missing.js", mode: "no-cors", status: "404", coding: "" });
    assert.ok(!pageErrors.some((m) => m.includes("Unexpected token")), pageErrors.join("\n"));
  });
});
