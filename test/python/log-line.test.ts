/**
 * Tests for src/python/log-line.ts: CPython's log-line pieces — the control
 * character escaping of `log_message` (3.12+), `log_date_time_string()`, the
 * message formatting of `log_message(format, *args)` — and the stderr sink.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { escapeControl, formatLogMessage, logDateTimeString, logMessageText, REQUEST_LOG_FORMAT, writeLog } from "../../src/python/log-line.js";

test("escapeControl() escapes C0, DEL, C1 and backslash as CPython's _control_char_table", () => {
  const rows: readonly [string, string][] = [
    ["plain GET / HTTP/1.1", "plain GET / HTTP/1.1"],
    ["a\x00b", "a\\x00b"],
    ["\x1b[31mred", "\\x1b[31mred"],
    ["del\x7f", "del\\x7f"],
    ["c1\x85\x9f", "c1\\x85\\x9f"],
    ["back\\slash", "back\\\\slash"],
    ["latin-1 \xe9\xa0 kept", "latin-1 \xe9\xa0 kept"],
    ["line\r\nbreak", "line\\x0d\\x0abreak"],
  ];
  for (const [input, want] of rows) {
    assert.equal(escapeControl(input), want, JSON.stringify(input));
    assert.equal(escapeControl(input), want, `${JSON.stringify(input)} again (cached)`);
  }
});

test("logDateTimeString() is the local time as dd/Mon/yyyy hh:mm:ss, the same within a second", () => {
  const ms = new Date(2026, 10, 23, 10, 0, 5).getTime();
  assert.equal(logDateTimeString(ms), "23/Nov/2026 10:00:05");
  assert.equal(logDateTimeString(ms + 999), "23/Nov/2026 10:00:05");
  assert.equal(logDateTimeString(ms + 1000), "23/Nov/2026 10:00:06");
  assert.match(logDateTimeString(), /^\d\d\/[A-Z][a-z]{2}\/\d{4} \d\d:\d\d:\d\d$/);
});

test("logMessageText(): log_request()'s line escaped part by part is the whole line escaped", () => {
  const cases: [string, string, string][] = [
    ["GET / HTTP/1.1", "200", "-"],
    ["GET /\x1b[31m\\x HTTP/1.1", "404", "-"],
    ["GET /\x85\x9f\x7f HTTP/1.0", "2\x00", "1\n"],
    ["", "-", "-"],
  ];
  for (const args of cases) {
    assert.equal(logMessageText(REQUEST_LOG_FORMAT, args), escapeControl(formatLogMessage(REQUEST_LOG_FORMAT, args)), JSON.stringify(args));
    assert.equal(logMessageText(REQUEST_LOG_FORMAT, args), escapeControl(formatLogMessage(REQUEST_LOG_FORMAT, args)), "again, from memory");
  }
  assert.equal(logMessageText("code %d, message %s", [400, "Bad\trequest"]), "code 400, message Bad\\x09request");
});

test("formatLogMessage() formats as Python's format % args, a single dict as the mapping", () => {
  assert.equal(formatLogMessage(REQUEST_LOG_FORMAT, ["GET / HTTP/1.1", "200", "-"]), '"GET / HTTP/1.1" 200 -');
  assert.equal(formatLogMessage(REQUEST_LOG_FORMAT, ["GET / HTTP/1.1", 200, "-"]), '"GET / HTTP/1.1" 200 -');
  assert.equal(formatLogMessage("code %d, message %s", [404, "Not Found"]), "code 404, message Not Found");
  assert.equal(formatLogMessage("%(a)s-%(b)r", [{ a: 1, b: "x" }]), "1-'x'");
  assert.equal(formatLogMessage("%s", [{ a: 1 }]), "{'a': 1}", "a dict is one argument without %(key)");
  assert.throws(() => formatLogMessage("%d", ["x"]), TypeError);
});

test("writeLog() queues lines for stderr and writes them together on the next turn", async () => {
  const written: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    writeLog("one\n");
    writeLog("two\n");
    assert.deepEqual(written, [], "nothing synchronously");
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(written, ["one\ntwo\n"]);
  } finally {
    process.stderr.write = original;
  }
});
