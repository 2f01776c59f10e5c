/**
 * Tests for src/handler/parse-headers.ts: CPython's `parse_headers` over any
 * `rfile` (the socket reader's own path is covered by the request loop's and
 * the head reader's tests).
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { parse_headers } from "../../src/handler/parse-headers.js";
import { ProtocolError } from "../../src/protocol/errors.js";
import { HTTPMessage } from "../../src/protocol/headers.js";
import { BytesReader } from "../helpers/fake-socket.js";

test("parse_headers() reads a header section from any rfile, with the same limits and refusals", async () => {
  class Mine extends HTTPMessage {}
  assert.ok((await parse_headers(new BytesReader("\r\n"), Mine)) instanceof Mine, "into the MessageClass given");
  const m = await parse_headers(new BytesReader("A: 1\r\nB: 2\r\n\r\nbody"));
  assert.deepEqual(m.items(), [["A", "1"], ["B", "2"]]);
  await assert.rejects(parse_headers(new BytesReader("A: 1\r\nB: 2\r\n\r\n"), undefined, 10), (e: unknown) => e instanceof ProtocolError && e.status === 431);
  await assert.rejects(parse_headers(new BytesReader(" folded\r\n\r\n")), (e: unknown) => e instanceof ProtocolError && e.code === "ERR_OBSOLETE_LINE_FOLDING");
});
