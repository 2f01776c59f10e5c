/**
 * Tests for src/handler/response-head.ts: the header-text check and the two
 * one-entry caches of the response head.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { checkHeaderText, headBytes, serverDateBlock } from "../../src/handler/response-head.js";

test("checkHeaderText() refuses CR, LF and characters outside ISO-8859-1", () => {
  checkHeaderText("a header value", "plain \xe9\xff\t value");
  assert.throws(() => checkHeaderText("a header value", "a\r\nInjected: 1"), /a header value must not contain CR or LF: 'a\\r\\nInjected: 1'/);
  assert.throws(() => checkHeaderText("a header name", "X\n"), TypeError);
  assert.throws(() => checkHeaderText("a header value", "\u0100"), (e: unknown) => e instanceof RangeError && /not ISO-8859-1/.test(e.message));
});

test("serverDateBlock() gives the Server and Date lines, rebuilt when a version changes", () => {
  const a = serverDateBlock("BaseHTTP/0.6", "Node.js/20");
  assert.match(a, /^Server: BaseHTTP\/0\.6 Node\.js\/20\r\nDate: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\r\n$/);
  assert.match(serverDateBlock("Mine/1", "Node.js/20"), /^Server: Mine\/1 Node\.js\/20\r\n/);
  assert.throws(() => serverDateBlock("Bad\r\n", "x"), TypeError);
});

test("headBytes() reuses the previous Buffer for the same text only", () => {
  const one = headBytes("HTTP/1.1 200 OK\r\n\r\n");
  assert.equal(headBytes("HTTP/1.1 200 OK\r\n\r\n"), one);
  const other = headBytes("HTTP/1.1 404 Not Found\r\n\xe9\r\n");
  assert.notEqual(other, one);
  assert.equal(other.toString("latin1"), "HTTP/1.1 404 Not Found\r\n\xe9\r\n");
});
