/**
 * `accept-encoding.ts`: RFC 9110 §12.5.3 as a table (field value → the coding
 * chosen from what the server has), then fast-check properties of the parser.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { acceptableCodings, identityAcceptable, negotiateEncoding, parseAcceptEncoding, qualityOf } from "../../src/static/accept-encoding.js";

const SERVER = ["br", "zstd", "gzip"];

/** [field value (undefined: absent), server codings, chosen, why] */
const ROWS: [string | undefined, string[], string | null, string][] = [
  [undefined, SERVER, "identity", "no field: identity (rule 1)"],
  ["", SERVER, "identity", "empty field: identity only (§12.5.3)"],
  ["gzip", SERVER, "gzip", "one coding"],
  ["gzip, deflate, br, zstd", SERVER, "br", "Chromium's field: ties go to the server's order"],
  ["gzip, deflate, br, zstd", ["gzip", "br"], "gzip", "ties: the server's order"],
  ["br;q=0.5, gzip;q=0.8", SERVER, "gzip", "higher qvalue wins"],
  ["br;q=0.5, gzip;q=0.5", SERVER, "br", "equal qvalues: server order"],
  ["GZIP", SERVER, "gzip", "case-insensitive (§8.4.1)"],
  ["x-gzip", SERVER, "gzip", "x-gzip is gzip (§8.4.1.3)"],
  ["*", SERVER, "br", "* accepts every coding"],
  ["*;q=0.1, gzip;q=0.5", SERVER, "gzip", "a named coding beats *"],
  ["gzip;q=0, *", SERVER, "br", "q=0 refuses gzip only"],
  ["br;q=0, zstd;q=0, gzip;q=0", SERVER, "identity", "all refused: identity still acceptable"],
  ["identity", SERVER, "identity", "identity only"],
  ["identity;q=1, gzip;q=0.5", SERVER, "identity", "identity preferred by qvalue"],
  ["identity;q=0.5, gzip;q=0.5", SERVER, "identity", "identity wins ties (no work)"],
  ["identity;q=0.4, gzip;q=0.5", SERVER, "gzip", "gzip preferred by qvalue"],
  ["identity;q=0", SERVER, null, "identity refused, nothing else: null (rule 7)"],
  ["*;q=0", SERVER, null, "*;q=0 refuses identity too"],
  ["*;q=0, identity", SERVER, "identity", "identity named overrides *;q=0"],
  ["identity;q=0, gzip", SERVER, "gzip", "identity refused, gzip fine"],
  ["deflate", SERVER, "identity", "nothing the server has"],
  ["gzip;q=1.0", SERVER, "gzip", "q=1.0"],
  ["gzip;q=0.001", SERVER, "gzip", "three decimals"],
  ["gzip;q=0.0001", SERVER, "identity", "four decimals: malformed member ignored"],
  ["gzip;q=2", SERVER, "identity", "q above 1: malformed, ignored"],
  ["gzip;q=", SERVER, "identity", "empty q: malformed"],
  ["gzip ; q=0.5 , br ; Q=0.6", SERVER, "br", "OWS around ';', Q in any case"],
  ["gzip;level=9", SERVER, "gzip", "other parameters ignored"],
  [",, gzip ,", SERVER, "gzip", "empty list members skipped (§5.6.1)"],
  ["g zip", SERVER, "identity", "not a token"],
  ["gzip;q=0.5, gzip;q=1", SERVER, "gzip", "the first of a repeated coding counts"],
  ["zstd", ["br", "gzip"], "identity", "zstd where this Node has none"],
];

test("negotiateEncoding() follows RFC 9110 §12.5.3", () => {
  for (const [field, server, want, why] of ROWS) {
    assert.equal(negotiateEncoding(field, server), want, `${JSON.stringify(field)} with ${server.join(",")}: ${why}`);
  }
});

test("acceptableCodings() ranks by qvalue, then by the server's order", () => {
  assert.deepEqual(acceptableCodings("gzip;q=0.9, br;q=0.1, zstd;q=0.9", SERVER), ["zstd", "gzip", "br"]);
  assert.deepEqual(acceptableCodings("identity;q=0.5, gzip;q=0.5, br", SERVER), ["br"]);
  assert.deepEqual(acceptableCodings(undefined, SERVER), []);
});

test("parseAcceptEncoding() keeps codings lower-case with their qvalues", () => {
  assert.deepEqual([...parseAcceptEncoding("Br;q=0.3, *;q=0, identity")], [
    ["br", 0.3],
    ["*", 0],
    ["identity", 1],
  ]);
  const a = parseAcceptEncoding("*;q=0.2");
  assert.equal(qualityOf(a, "gzip"), 0.2);
  assert.equal(identityAcceptable(a), true);
  assert.equal(identityAcceptable(parseAcceptEncoding("*;q=0")), false);
});

const coding = fc.constantFrom("gzip", "br", "zstd", "identity", "*", "deflate", "x-gzip", "GZip");
const qvalue = fc.oneof(fc.constant(""), fc.integer({ min: 0, max: 1000 }).map((n) => `;q=${(n / 1000).toFixed(3)}`));
const member = fc.tuple(coding, qvalue).map(([c, q]) => c + q);
const field = fc.array(member, { maxLength: 6 }).map((ms) => ms.join(", "));

test("property: the choice is acceptable, never refused, and never beaten by a higher qvalue", () => {
  fc.assert(
    fc.property(field, (value) => {
      const chosen = negotiateEncoding(value, SERVER);
      const a = parseAcceptEncoding(value);
      if (chosen === null) {
        assert.equal(identityAcceptable(a), false);
        for (const c of SERVER) assert.equal(qualityOf(a, c), 0);
        return;
      }
      if (chosen === "identity") {
        assert.ok(identityAcceptable(a) || value === "");
        return;
      }
      const q = qualityOf(a, chosen);
      assert.ok(q > 0);
      for (const c of SERVER) assert.ok(qualityOf(a, c) <= q, `${c} beats ${chosen} in ${value}`);
    }),
  );
});

test("property: any string parses without throwing, to qvalues in [0, 1]", () => {
  fc.assert(
    fc.property(fc.string(), (value) => {
      for (const q of parseAcceptEncoding(value).values()) assert.ok(q >= 0 && q <= 1);
      negotiateEncoding(value, SERVER);
    }),
  );
});
