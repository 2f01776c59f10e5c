/**
 * The command's share-link pieces (durations, URLs, lifetime), the
 * issue-15 rows of the argument parser.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULTS, parseArgs, type CliOptions } from "../../src/cli/args.js";
import { DEFAULT_SHARE_SECONDS, ShareLifetime, bannerExtras, formatDuration, looksLikeDuration, parseDuration, shareUrls } from "../../src/cli/share.js";

describe("parseDuration()", () => {
  const rows: [string, number | null][] = [
    ["90s", 90],
    ["30m", 1800],
    ["1h", 3600],
    ["1h30m", 5400],
    ["2d", 172800],
    ["1d2h3m4s", 93784],
    [" 5M ", 300],
    ["24d", 24 * 86400],
    ["25d", null],
    ["0s", null],
    ["0h", null],
    ["90", null],
    ["1.5h", null],
    ["30m1h", null],
    ["-1h", null],
    ["", null],
    ["h", null],
  ];
  for (const [text, want] of rows) test(`parseDuration(${JSON.stringify(text)}) is ${want}`, () => assert.equal(parseDuration(text), want));
  test("looksLikeDuration() takes unit-bearing values only", () => {
    assert.equal(looksLikeDuration("30m"), true);
    assert.equal(looksLikeDuration("8000"), false);
    assert.equal(looksLikeDuration(""), false);
  });
  test("formatDuration() is the shortest spelling", () => {
    assert.equal(formatDuration(3600), "1h");
    assert.equal(formatDuration(5400), "1h30m");
    assert.equal(formatDuration(93784), "1d2h3m4s");
    assert.equal(formatDuration(0), "0s");
  });
});

describe("parseArgs(): --listing, --archives, --share, --share-forever, --max-downloads, --qr", () => {
  const rows: [string[], Partial<CliOptions> | { error: string }][] = [
    [["--listing", "rich"], { listing: "rich" }],
    [["--listing=off"], { listing: "off" }],
    [["--listing", "python"], { listing: "python" }],
    [["--listing", "fancy"], { error: "argument --listing: invalid choice: 'fancy' (choose from 'python', 'rich', 'off')" }],
    [["--listing"], { error: "argument --listing: expected one argument" }],
    [["--archives"], { archives: true }],
    [["--share"], { share: DEFAULT_SHARE_SECONDS }],
    [["--share", "30m"], { share: 1800 }],
    [["--share=2h"], { share: 7200 }],
    [["--share", "8000"], { share: DEFAULT_SHARE_SECONDS, port: 8000 }],
    [["--share", "30m", "9000"], { share: 1800, port: 9000 }],
    [["--share", "--archives"], { share: DEFAULT_SHARE_SECONDS, archives: true }],
    [["--share=90"], { error: "argument --share: invalid duration: '90' (such as 90s, 30m, 2h, 1d12h; at most 24d)" }],
    [["--share=0s"], { error: "argument --share: invalid duration: '0s' (such as 90s, 30m, 2h, 1d12h; at most 24d)" }],
    [["--share-forever"], { share: DEFAULT_SHARE_SECONDS, share_forever: true }],
    [["--share", "5m", "--share-forever"], { share: 300, share_forever: true }],
    [["--share", "--max-downloads", "3"], { share: DEFAULT_SHARE_SECONDS, max_downloads: 3 }],
    [["--max-downloads", "3"], { error: "--max-downloads requires --share" }],
    [["--share", "--max-downloads", "0"], { error: "argument --max-downloads: invalid value: '0' (expected a number from 1)" }],
    [["--share", "--max-downloads", "x"], { error: "argument --max-downloads: invalid value: 'x' (expected a number from 1)" }],
    [["--share", "--cgi"], { error: "--share cannot be combined with --cgi (a share link is read-only)" }],
    [["--share", "--workers", "2"], { error: "--share cannot be combined with --workers (one process holds the link and its counters)" }],
    [["--qr"], { qr: true }],
    [["--sh"], { error: "ambiguous option: --sh could match --share, --share-forever" }],
  ];
  for (const [argv, want] of rows) {
    test(`parseArgs(${JSON.stringify(argv)})`, () => {
      const expected = "error" in want ? { kind: "error", message: want.error } : { kind: "run", options: { ...DEFAULTS, ...want } };
      assert.deepEqual(parseArgs(argv), expected);
    });
  }
});

test("shareUrls() puts the loopback URL first, then each LAN URL, all under the prefix", () => {
  const lan: [string, string][] = [
    ["http://192.168.1.5:8000/", "eth0"],
    ["http://[2001:db8::5]:8000/", "eth0"],
  ];
  assert.deepEqual(shareUrls("P", "::", 8000, "http", lan), [
    ["http://127.0.0.1:8000/P/", null],
    ["http://192.168.1.5:8000/P/", "eth0"],
    ["http://[2001:db8::5]:8000/P/", "eth0"],
  ]);
  assert.deepEqual(shareUrls("P", "::1", 9, "https", []), [["https://[::1]:9/P/", null]]);
});

test("ShareLifetime ends when exhausted, and by its timer", async () => {
  const spent = new ShareLifetime(null);
  spent.exhaust();
  assert.equal(await spent.ended, "exhausted");
  const timed = new ShareLifetime(0.01);
  assert.equal(await timed.ended, "expired");
  timed.cancel();
});

test("bannerExtras() prints the LAN URLs, or the share heading and its URLs; picks --qr's URL; warns of clear text", () => {
  const lan: [string, string][] = [["http://192.168.1.5:8000/", "eth0"]];
  assert.deepEqual(bannerExtras(null, "::", 8000, "http", lan, "http://[::]:8000/"), {
    text: "  http://192.168.1.5:8000/ (eth0)\n",
    qrUrl: "http://192.168.1.5:8000/",
    clearText: false,
  });
  assert.deepEqual(bannerExtras(null, "127.0.0.1", 8000, "http", [], "http://127.0.0.1:8000/"), {
    text: "",
    qrUrl: "http://127.0.0.1:8000/",
    clearText: false,
  });
  const share = { prefix: "P", seconds: 5400, max_downloads: 3 };
  assert.deepEqual(bannerExtras(share, "::", 8000, "http", lan, "x"), {
    text: "Share link (read-only, expires in 1h30m, 3 download(s)):\n  http://127.0.0.1:8000/P/\n  http://192.168.1.5:8000/P/ (eth0)\n",
    qrUrl: "http://192.168.1.5:8000/P/",
    clearText: true,
  });
  const forever = bannerExtras({ ...share, seconds: null, max_downloads: null }, "127.0.0.1", 9, "http", [], "x");
  assert.equal(forever.text, "Share link (read-only, no expiry):\n  http://127.0.0.1:9/P/\n");
  assert.equal(forever.qrUrl, "http://127.0.0.1:9/P/");
  assert.equal(forever.clearText, false);
  assert.equal(bannerExtras(share, "::", 8000, "https", lan, "x").clearText, false);
  assert.equal(bannerExtras(share, "::1", 8000, "http", [], "x").clearText, false);
  assert.equal(bannerExtras(share, "::ffff:127.0.0.1", 8000, "http", [], "x").clearText, false);
});
