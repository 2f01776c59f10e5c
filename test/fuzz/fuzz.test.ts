/**
 * The fuzz properties of test/fuzz/differential.ts, briefly: the same
 * properties `npm run fuzz` runs for minutes, here with a few hundred cases
 * each so `npm test` exercises them on every run. Set FUZZ_RUNS for more.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";

import { agree, allowedDisagreement, decideLlhttp, decideOurs, PROPERTIES } from "./differential.js";

const RUNS = Number(process.env["FUZZ_RUNS"] ?? "") || 400;

for (const [name, property] of Object.entries(PROPERTIES)) {
  test(`fuzz property ${name} holds for ${RUNS} cases`, () => {
    fc.assert(property, { numRuns: RUNS });
  });
}

const b = (s: string): Buffer => Buffer.from(s, "latin1");

test("decideLlhttp() finds where llhttp ends the first of two pipelined requests", () => {
  const first = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\n\r\n";
  assert.deepEqual(decideLlhttp(b(first + "GET /x HTTP/1.1\r\n\r\n")), { kind: "accept", consumed: first.length, http09: false });
  assert.deepEqual(decideOurs([b(first + "GET /x HTTP/1.1\r\n\r\n")]), { kind: "accept", consumed: first.length, http09: false });
});

test("the differential property would catch a boundary disagreement", () => {
  // A disagreement no allow-list entry covers: the check must say so.
  const input = b("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
  assert.equal(agree({ kind: "accept", consumed: 41, http09: false }, { kind: "accept", consumed: 40, http09: false }), false);
  assert.equal(agree({ kind: "accept", consumed: 41, http09: false }, { kind: "reject", status: 400, code: "HPE" }), false);
  assert.equal(allowedDisagreement(input), null);
});

test("decideLlhttp() is strict: llhttp refuses TE with CL, ours too", () => {
  const input = b("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n");
  assert.equal(decideLlhttp(input).kind, "reject");
  assert.equal(decideOurs([input]).kind, "reject");
});
