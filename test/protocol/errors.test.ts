/**
 * Tests for src/protocol/errors.ts: the one error type of the protocol core.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { ProtocolError } from "../../src/protocol/errors.js";

test("ProtocolError carries status, code, reason and explain", () => {
  const e = new ProtocolError(431, "ERR_HEADER_LINE_TOO_LONG", "Line too long", "got more than 65536 bytes when reading header line");
  assert.deepEqual(
    [e.status, e.code, e.reason, e.explain, e.name, e.message],
    [431, "ERR_HEADER_LINE_TOO_LONG", "Line too long", "got more than 65536 bytes when reading header line", "ProtocolError", "431 Line too long"],
  );
  assert.ok(e instanceof Error);
  assert.equal(new ProtocolError(400, "ERR_INVALID_HEADER", "Bad header name").explain, undefined);
});
