/**
 * End to end in a real browser: headless Chromium (Debian's, driven by
 * playwright-core) browses a `SimpleHTTPRequestHandler` over loopback.
 *
 * Strategy: one test, one browser, one server over a temporary directory
 * (`sub/page.html` and a 3 MiB `video.mp4` of deterministic bytes). The
 * browser opens the listing, clicks into `sub/`, screenshots the listing,
 * and fetches a byte range of the large file from the page. Then it records
 * a short real WebM clip itself (MediaRecorder on a canvas: no ffmpeg, no
 * network, no committed fixture), we write it into the served directory, and
 * a `<video>` element plays it from the server, which must answer the media
 * stack's Range requests with 206. The handler subclass overrides
 * `log_message()` to keep the server's log lines (with each request's Range
 * header) for those checks and out of the test output.
 *
 * Chromium comes from test/helpers/chromium.ts (Debian's `/usr/bin/chromium`,
 * which CI installs with scripts/ensure-chromium.sh). Where there is none (a
 * developer machine without it), the test skips and says why.
 *
 * Every wait is bounded: Playwright's page operations by a default timeout,
 * what runs inside the page (`fetch`, media events) by its own timers, since
 * `page.evaluate()` has none, and the whole test by node:test's `timeout`.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type Page } from "playwright-core";
import { CHROMIUM_SKIP, launchChromium, STEP_TIMEOUT_MS } from "../helpers/chromium.js";
import type { ClientAddress, HandlerServer } from "../../src/handler/base-handler.js";
import { pyFormat } from "../../src/python/format.js";
import type { ThreadingHTTPServer } from "../../src/server/http-server.js";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { serve, type Running } from "../helpers/net.js";

/** Bound on the whole test; a normal run takes a few seconds. */
const TEST_TIMEOUT_MS = 20_000;

/** Size of the large file: big enough that a range is a small part of it. */
const BIG_SIZE = 3 * 1024 * 1024;

/** `n` bytes from a fixed xorshift32 sequence: the same file every run. */
function deterministicBytes(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = 0x2545f491;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * The few browser names the in-page code uses. The test build compiles
 * against Node's types only (no DOM lib, which would make browser globals
 * such as `name` or `close` visible to every file), so the page functions
 * reach them through `globalThis as unknown as PageGlobals`; `fetch`, `Blob`
 * and `AbortSignal` are common to both.
 */
interface PageGlobals {
  document: {
    createElement(tag: "canvas"): PageCanvas;
    createElement(tag: "video"): PageVideo;
    body: { append(node: PageCanvas | PageVideo): void };
  };
  MediaRecorder: {
    new (stream: unknown, options: { mimeType: string }): PageRecorder;
    isTypeSupported(type: string): boolean;
  };
  btoa(binary: string): string;
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: "2d"): { fillStyle: string; fillRect(x: number, y: number, w: number, h: number): void } | null;
  captureStream(fps: number): unknown;
}
interface PageRecorder {
  ondataavailable: ((e: { data: Blob }) => void) | null;
  onstop: (() => void) | null;
  start(): void;
  stop(): void;
}
interface PageVideo {
  muted: boolean;
  preload: string;
  src: string;
  readyState: number;
  videoWidth: number;
  videoHeight: number;
  error: { code: number; message: string } | null;
  addEventListener(type: "loadeddata" | "error", listener: () => void, options: { once: true }): void;
}

/** The `href` and text of every link of the page, in order. */
function links(page: Page): Promise<[string | null, string | null][]> {
  return page.$$eval("a", (as) => as.map((a) => [a.getAttribute("href"), a.textContent] as [string | null, string | null]));
}

test("SimpleHTTPRequestHandler serves listings, clicks, byte ranges and a video to headless Chromium", { skip: CHROMIUM_SKIP, timeout: TEST_TIMEOUT_MS }, async (t) => {

  // Closed in reverse order of opening, whatever step failed.
  let browser: Browser | undefined;
  let running: Running<ThreadingHTTPServer> | undefined;
  // `work/www` is served; the screenshot goes beside it, not into the listing.
  const work = mkdtempSync(join(tmpdir(), "http-server-e2e-"));
  t.after(async () => {
    await browser?.close();
    await running?.close();
    rmSync(work, { recursive: true, force: true });
  });
  const root = join(work, "www");
  mkdirSync(join(root, "sub"), { recursive: true });
  writeFileSync(join(root, "sub", "page.html"), '<!DOCTYPE html>\n<html lang="en"><head><title>A page</title></head><body><h1>Hello from sub</h1></body></html>\n');
  const big = deterministicBytes(BIG_SIZE);
  writeFileSync(join(root, "video.mp4"), big);

  /** The server's log lines, each with the request's Range header, in order. */
  const log: string[] = [];
  class Handler extends SimpleHTTPRequestHandler {
    constructor(request: Socket, client_address: ClientAddress, server: HandlerServer) {
      super(request, client_address, server, { directory: root });
    }
    override log_message(format: string, ...args: unknown[]): void {
      log.push(`${pyFormat(format, args)} range=${this.headers.get("Range") ?? "-"}`);
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

  await t.test("the root listing has its title and a link per entry", async () => {
    const response = await page.goto(origin + "/");
    assert.equal(response?.status(), 200);
    assert.equal(await page.title(), "Directory listing for /");
    assert.equal(await page.locator("h1").textContent(), "Directory listing for /");
    assert.deepEqual(await links(page), [
      ["sub/", "sub/"],
      ["video.mp4", "video.mp4"],
    ]);
  });

  await t.test("a screenshot of the listing is a non-empty PNG", async () => {
    const shot = join(work, "listing.png");
    await page.screenshot({ path: shot });
    const png = readFileSync(shot);
    assert.ok(png.length > 100, `screenshot is ${png.length} bytes`);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
    // IHDR's width and height: the viewport, not an empty image.
    assert.ok(png.readUInt32BE(16) > 0 && png.readUInt32BE(20) > 0, "PNG has a non-zero size");
  });

  await t.test("clicking sub/ opens the listing of /sub/", async () => {
    await page.getByRole("link", { name: "sub/" }).click();
    await page.waitForURL(origin + "/sub/");
    assert.equal(page.url(), origin + "/sub/");
    assert.equal(await page.title(), "Directory listing for /sub/");
    assert.deepEqual(await links(page), [["page.html", "page.html"]]);

    await page.getByRole("link", { name: "page.html" }).click();
    await page.waitForURL(origin + "/sub/page.html");
    assert.equal(await page.title(), "A page");
    assert.equal(await page.locator("h1").textContent(), "Hello from sub");
  });

  await t.test("fetch() with Range gets 206 and exactly those bytes", async () => {
    const got = await page.evaluate(async (timeoutMs) => {
      const r = await fetch("/video.mp4", { headers: { Range: "bytes=1000-1999" }, signal: AbortSignal.timeout(timeoutMs) });
      return {
        status: r.status,
        contentRange: r.headers.get("Content-Range"),
        contentLength: r.headers.get("Content-Length"),
        body: Array.from(new Uint8Array(await r.arrayBuffer())),
      };
    }, STEP_TIMEOUT_MS);
    assert.equal(got.status, 206);
    assert.equal(got.contentRange, `bytes 1000-1999/${BIG_SIZE}`);
    assert.equal(got.contentLength, "1000");
    assert.equal(got.body.length, 1000);
    assert.ok(Buffer.from(got.body).equals(big.subarray(1000, 2000)), "body differs from the file's bytes 1000-1999");
    assert.ok(
      log.some((l) => l.startsWith('"GET /video.mp4 HTTP/1.1" 206 ') && l.endsWith(" range=bytes=1000-1999")),
      `no 206 for the range in the log: ${JSON.stringify(log)}`,
    );
  });

  await t.test("a real WebM clip plays in <video>, loaded with Range requests", async () => {
    // Chromium records the clip itself: a few frames of a canvas, VP8 in WebM.
    const clip = await page.evaluate(async (timeoutMs) => {
      const { document, MediaRecorder, btoa } = globalThis as unknown as PageGlobals;
      const deadline = AbortSignal.timeout(timeoutMs);
      const canvas = document.createElement("canvas");
      canvas.width = 64;
      canvas.height = 48;
      const g = canvas.getContext("2d")!;
      const type = MediaRecorder.isTypeSupported("video/webm;codecs=vp8") ? "video/webm;codecs=vp8" : "video/webm";
      const recorder = new MediaRecorder(canvas.captureStream(25), { mimeType: type });
      const chunks: Blob[] = [];
      recorder.ondataavailable = (e) => chunks.push(e.data);
      const stopped = new Promise<void>((resolve, reject) => {
        recorder.onstop = () => resolve();
        deadline.addEventListener("abort", () => reject(new Error("MediaRecorder did not stop in time")));
      });
      recorder.start();
      // Draws 12 frames, then stops: the recorder's onstop is the event waited for.
      let frame = 0;
      const painter = setInterval(() => {
        g.fillStyle = `hsl(${frame * 30}, 100%, 50%)`;
        g.fillRect(0, 0, canvas.width, canvas.height);
        if (++frame === 12) {
          clearInterval(painter);
          recorder.stop();
        }
      }, 40);
      await stopped;
      const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
      let binary = "";
      for (const b of bytes) binary += String.fromCharCode(b);
      return btoa(binary);
    }, STEP_TIMEOUT_MS);
    const webm = Buffer.from(clip, "base64");
    assert.deepEqual([...webm.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3], "EBML magic");
    writeFileSync(join(root, "clip.webm"), webm);

    const played = await page.evaluate(async (timeoutMs) => {
      const { document } = globalThis as unknown as PageGlobals;
      const video = document.createElement("video");
      video.muted = true;
      video.preload = "auto";
      document.body.append(video);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`video not loaded in ${timeoutMs} ms (readyState ${video.readyState})`)), timeoutMs);
        video.addEventListener("loadeddata", () => (clearTimeout(timer), resolve()), { once: true });
        video.addEventListener("error", () => (clearTimeout(timer), reject(new Error(`video error ${video.error?.code}: ${video.error?.message}`))), { once: true });
        video.src = "/clip.webm";
      });
      return { readyState: video.readyState, width: video.videoWidth, height: video.videoHeight };
    }, STEP_TIMEOUT_MS);
    assert.ok(played.readyState >= 2, `readyState ${played.readyState}`); // HAVE_CURRENT_DATA
    assert.deepEqual([played.width, played.height], [64, 48]);

    const videoLines = log.filter((l) => l.startsWith('"GET /clip.webm HTTP/1.1" '));
    assert.ok(
      videoLines.some((l) => / 206 \S+ range=bytes=\d+-\d*$/.test(l)),
      `the media stack made no Range request answered 206: ${JSON.stringify(videoLines)}`,
    );
  });
});
