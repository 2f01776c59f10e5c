/**
 * Tests for src/protocol/errors.ts: the one error type of the protocol core.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { isProtocolError, ProtocolError } from "../../src/protocol/errors.js";

test("ProtocolError carries status, code, reason and explain", () => {
  const e = new ProtocolError(431, "ERR_HEADER_LINE_TOO_LONG", "Line too long", "got more than 65536 bytes when reading header line");
  assert.deepEqual(
    [e.status, e.code, e.reason, e.explain, e.name, e.message],
    [431, "ERR_HEADER_LINE_TOO_LONG", "Line too long", "got more than 65536 bytes when reading header line", "ProtocolError", "431 Line too long"],
  );
  assert.ok(e instanceof Error);
  assert.equal(new ProtocolError(400, "ERR_INVALID_HEADER", "Bad header name").explain, undefined);
});

test("isProtocolError() is true only for a ProtocolError", () => {
  const rows: readonly { name: string; value: unknown; want: boolean }[] = [
    { name: "ProtocolError", value: new ProtocolError(400, "ERR_INVALID_CHUNK", "Bad chunk size"), want: true },
    { name: "Error", value: new Error("400 Bad chunk size"), want: false },
    { name: "look-alike object", value: { name: "ProtocolError", status: 400, code: "ERR_INVALID_CHUNK" }, want: false },
    { name: "undefined", value: undefined, want: false },
  ];
  for (const row of rows) assert.equal(isProtocolError(row.value), row.want, row.name);
});
