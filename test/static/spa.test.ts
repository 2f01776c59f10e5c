/**
 * `spa.ts`: which misses get the SPA entry page. Requests are described with
 * the Fetch Metadata and Accept values Chromium really sends for each kind
 * (navigation, `fetch()`, `<script>`, `<img>`, CSS), and without Fetch
 * Metadata as older browsers and curl send them.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { hasExtension, isNavigation, prefersHtml, spaDecision } from "../../src/static/spa.js";

const NAV_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";
const IMG_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8";

/** Chromium's request fields per destination. */
const KINDS: Record<string, Record<string, string>> = {
  navigation: { "sec-fetch-mode": "navigate", "sec-fetch-dest": "document", accept: NAV_ACCEPT },
  iframe: { "sec-fetch-mode": "navigate", "sec-fetch-dest": "iframe", accept: NAV_ACCEPT },
  fetch: { "sec-fetch-mode": "cors", "sec-fetch-dest": "empty", accept: "*/*" },
  "fetch asking for html": { "sec-fetch-mode": "cors", "sec-fetch-dest": "empty", accept: "text/html" },
  script: { "sec-fetch-mode": "no-cors", "sec-fetch-dest": "script", accept: "*/*" },
  module: { "sec-fetch-mode": "cors", "sec-fetch-dest": "script", accept: "*/*" },
  img: { "sec-fetch-mode": "no-cors", "sec-fetch-dest": "image", accept: IMG_ACCEPT },
  css: { "sec-fetch-mode": "no-cors", "sec-fetch-dest": "style", accept: "text/css,*/*;q=0.1" },
  "old browser navigation": { accept: NAV_ACCEPT },
  "curl": { accept: "*/*" },
  "no fields": {},
};

const headersOf = (fields: Record<string, string>) => ({ get: (name: string) => fields[name.toLowerCase()] });

/** [method, URL path, kind, fallback?, vary?] */
const ROWS: [string, string, string, boolean, boolean][] = [
  ["GET", "/users/42", "navigation", true, true],
  ["GET", "/users/42", "iframe", true, true],
  ["HEAD", "/users/42", "navigation", true, true],
  ["GET", "/users/", "navigation", true, true],
  ["GET", "/users/42?tab=1#x", "navigation", true, true],
  ["GET", "/v1.2/users", "navigation", true, true],
  ["GET", "/users/42", "old browser navigation", true, true],
  ["GET", "/users/42", "fetch", false, true],
  ["GET", "/users/42", "fetch asking for html", false, true],
  ["GET", "/users/42", "script", false, true],
  ["GET", "/users/42", "module", false, true],
  ["GET", "/users/42", "img", false, true],
  ["GET", "/users/42", "css", false, true],
  ["GET", "/users/42", "curl", false, true],
  ["GET", "/users/42", "no fields", false, true],
  ["GET", "/app.js", "navigation", false, false],
  ["GET", "/static/logo.png", "navigation", false, false],
  ["GET", "/data.json?x=1", "navigation", false, false],
  ["GET", "/a%2Ejs", "navigation", false, false],
  ["GET", "/.env", "navigation", true, true],
  ["GET", "/../../etc/passwd", "navigation", true, true],
  ["GET", "/..", "navigation", true, true],
  ["POST", "/users/42", "navigation", false, false],
  ["PUT", "/users/42", "navigation", false, false],
  ["DELETE", "/users/42", "navigation", false, false],
];

test("spaDecision() falls back only for GET/HEAD navigations to extension-less paths", () => {
  for (const [method, path, kind, fallback, vary] of ROWS) {
    assert.deepEqual(spaDecision(method, path, headersOf(KINDS[kind]!)), { fallback, vary }, `${method} ${path} (${kind})`);
  }
});

test("hasExtension() reads the last segment as Python's splitext does", () => {
  const rows: [string, boolean][] = [
    ["/a.js", true],
    ["/a", false],
    ["/", false],
    ["/dir.d/", false],
    ["/.hidden", false],
    ["/..", false],
    ["/v1.", false],
    ["/.a.b", true],
    ["/x%2Ejs", true],
    ["/x%zz.js", true],
    ["/a?b.c", false],
  ];
  for (const [path, want] of rows) assert.equal(hasExtension(path), want, path);
});

test("prefersHtml() wants text/html named with the top qvalue", () => {
  assert.equal(prefersHtml(NAV_ACCEPT), true);
  assert.equal(prefersHtml("*/*"), false);
  assert.equal(prefersHtml("text/html;q=0.5, application/json"), false);
  assert.equal(prefersHtml("application/json;q=0.5, text/html"), true);
  assert.equal(prefersHtml("text/html;q=0"), false);
  assert.equal(prefersHtml(""), false);
  assert.equal(isNavigation(headersOf({ "sec-fetch-mode": " Navigate " })), true);
  assert.equal(isNavigation(headersOf({ "sec-fetch-mode": "cors", accept: NAV_ACCEPT })), false, "Fetch Metadata wins over Accept");
});
