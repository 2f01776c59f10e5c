/**
 * Issue 15 in a real browser: headless Chromium (Debian's, driven by
 * playwright-core, as in browser.test.ts) uses the rich listing — columns,
 * sorting by clicking headers, the filter box, a phone-width viewport, dark
 * mode, the page without JavaScript — downloads a folder as a zip, and
 * follows a share link.
 *
 * Screenshots are written to $SHARE_E2E_SHOTS (a directory) when set, so a
 * person can look at them; the test itself checks what they show through
 * the page's layout (bounding boxes, visibility, scroll width, colours).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type Page } from "playwright-core";
import { CHROMIUM_SKIP, launchChromium, STEP_TIMEOUT_MS } from "../helpers/chromium.js";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { shareHandler } from "../../src/static/share-handler.js";
import type { ThreadingHTTPServer } from "../../src/server/http-server.js";
import { buildShareTree, type ShareTree } from "../fixtures/share-tree.js";
import { servingDir } from "../helpers/handlers.js";
import { python, serve, type Running } from "../helpers/net.js";

const TEST_TIMEOUT_MS = 180_000; // about 25 s alone; a busy shared machine has needed 60
const PREFIX = "c2hhcmUtYS1lMmUtdGVzdA";

/** The names of the visible rows, in order. */
function rowNames(page: Page): Promise<string[]> {
  return page.$$eval("tbody tr[data-name]", (rows) => rows.filter((r) => !r.hidden).map((r) => r.getAttribute("data-name") ?? ""));
}

test("the rich listing, a folder zip and a share link in headless Chromium", { skip: CHROMIUM_SKIP, timeout: TEST_TIMEOUT_MS }, async (t) => {
  let browser: Browser | undefined;
  let running: Running<ThreadingHTTPServer> | undefined;
  let tree: ShareTree | undefined;
  const work = mkdtempSync(join(tmpdir(), "share-e2e-"));
  const shots = process.env["SHARE_E2E_SHOTS"] ?? join(work, "shots");
  mkdirSync(shots, { recursive: true });
  t.after(async () => {
    await browser?.close();
    await running?.close();
    await tree?.remove();
    rmSync(work, { recursive: true, force: true });
  });
  tree = await buildShareTree("served");

  class Handler extends servingDir(tree.root, SimpleHTTPRequestHandler) {
    override log_message(): void {}
  }
  Handler.prototype.listing = "rich";
  Handler.prototype.archives = true;
  Handler.prototype.listing_qr = "http://192.0.2.10:8000/";
  running = await serve(Handler);
  const origin = `http://127.0.0.1:${running.port}`;

  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 }, acceptDownloads: true });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();

  await t.test("four columns, folders first, and each header sorts", async () => {
    await page.goto(origin + "/");
    assert.deepEqual(await page.$$eval("thead th", (ths) => ths.map((th) => th.textContent?.trim())), ["Name ▲", "Size", "Modified", "Type"]);
    const boxes = await Promise.all(["name", "size", "mtime", "type"].map((c) => page.locator(`th.${c}`).boundingBox()));
    for (let i = 1; i < boxes.length; i++) assert.ok(boxes[i]!.x > boxes[i - 1]!.x, "columns left to right");
    const names = await rowNames(page);
    assert.deepEqual(names.slice(0, 6), [".hidden", "empty", "index-dir", "sub", "to-sub", ".env"]);
    await page.screenshot({ path: join(shots, "rich-desktop.png"), fullPage: true });

    await page.getByRole("link", { name: "Size" }).click();
    await page.waitForURL(origin + "/?sort=size&order=asc");
    await page.getByRole("link", { name: "Size ▲" }).click();
    await page.waitForURL(origin + "/?sort=size&order=desc");
    const bySize = await rowNames(page);
    const firstFile = bySize.findIndex((n) => n === "big.txt");
    assert.equal(firstFile, 5, `big.txt first among files: ${bySize.join(", ")}`);
    assert.equal(await page.locator("th.size").getAttribute("aria-sort"), "descending");
    await page.screenshot({ path: join(shots, "rich-sorted-size-desc.png"), fullPage: true });

    await page.getByRole("link", { name: "Modified" }).click();
    await page.waitForURL(origin + "/?sort=mtime&order=asc");
    const byTime = (await rowNames(page)).filter((n) => ["a.txt", "big.txt", "notes.md"].includes(n));
    assert.deepEqual(byTime, ["a.txt", "big.txt", "notes.md"]);
  });

  await t.test("the filter box narrows the rows as one types", async () => {
    await page.goto(origin + "/");
    const filter = page.locator("#filter");
    assert.ok(await filter.isVisible());
    await filter.fill("BIG");
    assert.deepEqual(await rowNames(page), ["big.txt"]);
    await filter.fill("");
    assert.ok((await rowNames(page)).length > 10);
  });

  await t.test("at phone width the table fits, name and size stay, time and type go", async () => {
    const phone = await browser!.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    t.after(() => phone.close());
    const p = await phone.newPage();
    await p.goto(origin + "/sub/");
    assert.ok(await p.locator("th.name").isVisible());
    assert.ok(await p.locator("th.size").isVisible());
    assert.equal(await p.locator("th.mtime").isVisible(), false);
    assert.equal(await p.locator("th.type").isVisible(), false);
    const [scroll, inner] = await p.evaluate(() => [
      (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth,
      (globalThis as unknown as { innerWidth: number }).innerWidth,
    ]);
    assert.ok(scroll <= inner, `horizontal scroll: ${scroll} > ${inner}`);
    assert.equal(inner, 375, "the viewport meta tag gives the device width");
    await p.screenshot({ path: join(shots, "rich-phone.png"), fullPage: true });
  });

  await t.test("dark mode follows the system's colour scheme", async () => {
    const dark = await browser!.newContext({ colorScheme: "dark" });
    t.after(() => dark.close());
    const p = await dark.newPage();
    await p.goto(origin + "/");
    const bg = await p.evaluate(() => {
      const g = globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string }; document: { body: unknown } };
      return g.getComputedStyle(g.document.body).backgroundColor;
    });
    assert.equal(bg, "rgb(22, 22, 24)");
    await p.screenshot({ path: join(shots, "rich-dark.png"), fullPage: true });
  });

  await t.test("without JavaScript: no filter box, sorting links still work", async () => {
    const nojs = await browser!.newContext({ javaScriptEnabled: false });
    t.after(() => nojs.close());
    const p = await nojs.newPage();
    await p.goto(origin + "/");
    assert.equal(await p.locator("#filter").isVisible(), false);
    await p.getByRole("link", { name: "Type" }).click();
    await p.waitForURL(origin + "/?sort=type&order=asc");
    assert.equal(await p.locator("th.type").getAttribute("aria-sort"), "ascending");
  });

  await t.test("the QR code is an SVG on the page", async () => {
    await page.goto(origin + "/");
    await page.locator("details.qr summary").click();
    const box = await page.locator("details.qr svg").boundingBox();
    assert.ok(box !== null && box.width > 50 && box.height > 50);
  });

  await t.test("clicking a folder's zip link downloads a zip Python can read", async () => {
    await page.goto(origin + "/");
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator('tr[data-name="sub"] a.dl').click()]);
    assert.equal(download.suggestedFilename(), "sub.zip");
    const file = join(work, "sub.zip");
    await download.saveAs(file);
    const names = JSON.parse(
      await python(`import sys, zipfile, json\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint(json.dumps(sorted(z.namelist())))`, [file]),
    ) as string[];
    assert.ok(names.includes("sub/s.txt") && names.includes("sub/deeper/d.md"), names.join(", "));
    assert.ok(!readFileSync(file).includes(tree!.secret));
  });

  await t.test("a share link: only its URL serves, and its breadcrumb starts there", async () => {
    await running!.close();
    running = await serve(shareHandler(Handler, { prefix: PREFIX }));
    const shareOrigin = `http://127.0.0.1:${running.port}`;
    const root = await page.goto(shareOrigin + "/");
    assert.equal(root?.status(), 404);
    const listing = await page.goto(`${shareOrigin}/${PREFIX}/`);
    assert.equal(listing?.status(), 200);
    await page.getByRole("link", { name: "sub/", exact: true }).click();
    await page.waitForURL(`${shareOrigin}/${PREFIX}/sub/`);
    await page.getByRole("link", { name: "s.txt" }).click();
    await page.waitForURL(`${shareOrigin}/${PREFIX}/sub/s.txt`);
    assert.equal((await page.locator("body").textContent())?.trim(), "s");
    await page.goto(`${shareOrigin}/${PREFIX}/sub/`);
    await page.getByRole("link", { name: "Home" }).click();
    await page.waitForURL(`${shareOrigin}/${PREFIX}/`);
    await page.screenshot({ path: join(shots, "share-root.png"), fullPage: true });
  });
});
