/**
 * End to end in a real browser: headless Chromium (Debian's, driven by
 * playwright-core) uploads two files through a form to a
 * SimpleHTTPRequestHandler with `upload` and `auth` on, logging in with HTTP
 * Basic. The form is the rich listing's convention (a multipart POST to the
 * directory's own URL, `<input type="file" name="file" multiple>`), served
 * here as the directory's index page so the test does not depend on the
 * listing. Skips where there is no Chromium (test/helpers/chromium.ts).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { CHROMIUM_SKIP, launchChromium, STEP_TIMEOUT_MS } from "../helpers/chromium.js";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { UPLOAD_TEMP_PREFIX } from "../../src/static/upload-rules.js";
import { LogCapture, serve, type Running } from "../helpers/net.js";
import { servingDir } from "../helpers/handlers.js";

const TEST_TIMEOUT_MS = 60_000;

const FORM = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Inbox</title></head>
<body>
<form method="post" enctype="multipart/form-data" action="">
<input type="file" name="file" multiple>
<button type="submit">Upload</button>
</form>
</body></html>
`;

test("Chromium uploads two files through the form, logged in with HTTP Basic", { skip: CHROMIUM_SKIP, timeout: TEST_TIMEOUT_MS }, async (t) => {
  const log = new LogCapture().start();
  const root = mkdtempSync(join(tmpdir(), "http-server-e2e-upload-"));
  mkdirSync(join(root, "inbox"));
  writeFileSync(join(root, "inbox", "index.html"), FORM);
  const H = servingDir(root, SimpleHTTPRequestHandler, "HTTP/1.1");
  Object.assign(H.prototype, { upload: true, auth: ["ann:sesame42"] });
  let running: Running<any> | null = null;
  let browser: Browser | null = null;
  try {
    running = await serve(H);
    browser = await launchChromium();

    const context = await browser.newContext({ httpCredentials: { username: "ann", password: "sesame42" } });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const opened = await page.goto(`http://127.0.0.1:${running.port}/inbox/`);
    assert.equal(opened?.status(), 200);
    await page.setInputFiles("input[type=file]", [
      { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("first file\n") },
      { name: "photo ü.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(200_000, 0xab) },
    ]);
    const [response] = await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    assert.equal(response?.status(), 201);
    const text = await page.textContent("body");
    assert.match(text ?? "", /notes\.txt stored/);
    assert.match(text ?? "", /photo ü\.bin stored/);
    assert.equal(readFileSync(join(root, "inbox", "notes.txt"), "utf8"), "first file\n");
    assert.ok(readFileSync(join(root, "inbox", "photo ü.bin")).equals(Buffer.alloc(200_000, 0xab)));
    assert.deepEqual(readdirSync(join(root, "inbox")).filter((n) => n.startsWith(UPLOAD_TEMP_PREFIX)), []);

    // The link on the result page leads to the stored file.
    const [download] = await Promise.all([page.waitForNavigation(), page.click("a:has-text('notes.txt')")]);
    assert.equal(download?.status(), 200);
    assert.equal(await page.textContent("body"), "first file\n");

    // Without credentials: 401 with the challenge the browser answered.
    const refused = await fetch(`http://127.0.0.1:${running.port}/inbox/`);
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get("www-authenticate"), 'Basic realm="http.server", charset="UTF-8"');
  } finally {
    await browser?.close();
    await running?.close();
    log.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
