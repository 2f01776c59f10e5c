/**
 * Tests for src/static/conditional.ts: conditional and range requests of a
 * static file, decided as a whole (the multipart framing and the Range parser
 * alone: ranges.test.ts).
 *
 * Strategy:
 *   (a) one table of header combinations → expected Decision, one row per
 *       rule of the file header (If-None-Match, If-Modified-Since, If-Range,
 *       Range syntax, satisfiability, coalescing, limits, empty files);
 *   (b) (date parsing: test/protocol/http-date.test.ts);
 *   (c) fast-check properties: range answers against a byte-bitmap oracle
 *       (small files) and interval checks (large files), and `decide()` never
 *       throwing on arbitrary header values.
 * Runs per property: 300 by default; set FUZZ_RUNS for a long run.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";

import { HTTPMessage } from "../../src/protocol/headers.js";
import {
  decide,
  etagFor,
  lastModifiedSeconds,
  type Decision,
  type FileValidators,
} from "../../src/static/conditional.js";
import { MAX_RANGE_PARTS, type Range } from "../../src/static/ranges.js";

const RUNS = Number(process.env["FUZZ_RUNS"] ?? "") || 300;

function headersOf(pairs: readonly (readonly [string, string])[]): HTTPMessage {
  const h = new HTTPMessage();
  for (const [name, value] of pairs) h.add_header(name, value);
  return h;
}

// ---- the file every table row asks about -------------------------------------------

/** Sun, 06 Nov 1994 08:49:37.123 GMT (RFC 9110's example date). */
const MTIME = Date.UTC(1994, 10, 6, 8, 49, 37) + 123;
const FILE: FileValidators = { size: 1000, mtimeMs: MTIME };
const ETAG = 'W/"3e8-b690b43563"';
const STRONG_ETAG = '"3e8-b690b43563"';
const LAST_MODIFIED = "Sun, 06 Nov 1994 08:49:37 GMT";
const ONE_SECOND_EARLIER = "Sun, 06 Nov 1994 08:49:36 GMT";
const LATER = "Sun, 06 Nov 1994 08:49:38 GMT";
const DAY_LATER = MTIME + 86_400_000;

const full: Decision = { kind: "full" };
const notModified: Decision = { kind: "not-modified" };
const unsatisfiable: Decision = { kind: "unsatisfiable" };
const partial = (...pairs: [number, number][]): Decision => ({ kind: "partial", ranges: pairs.map(([start, end]) => ({ start, end })) });

interface Row {
  name: string;
  method?: string;
  headers: [string, string][];
  file?: FileValidators;
  now?: number;
  want: Decision;
}

/** `n` disjoint one-byte ranges 0-0, 2-2, 4-4, … */
const spaced = (n: number): string => Array.from({ length: n }, (_, i) => `${2 * i}-${2 * i}`).join(",");

const ROWS: Row[] = [
  // 0. methods
  { name: "no conditional headers", headers: [], want: full },
  { name: "POST is never decided", method: "POST", headers: [["If-None-Match", "*"], ["Range", "bytes=0-9"]], want: full },
  { name: "method names are case-sensitive", method: "get", headers: [["If-None-Match", "*"]], want: full },

  // 1. If-None-Match
  { name: "INM * on GET", headers: [["If-None-Match", "*"]], want: notModified },
  { name: "INM * on HEAD", method: "HEAD", headers: [["If-None-Match", "*"]], want: notModified },
  { name: "INM * with OWS", headers: [["If-None-Match", " \t* "]], want: notModified },
  { name: "INM our weak tag", headers: [["If-None-Match", ETAG]], want: notModified },
  { name: "INM our tag without W/ (weak comparison)", headers: [["If-None-Match", STRONG_ETAG]], want: notModified },
  { name: "INM list with our tag second", headers: [["If-None-Match", `"x", ${ETAG}`]], want: notModified },
  { name: "INM list with OWS and empty members", headers: [["If-None-Match", ` , "x" ,, ${ETAG} ,`]], want: notModified },
  { name: "INM tag containing a comma", headers: [["If-None-Match", `"a,b", ${ETAG}`]], want: notModified },
  { name: "INM another tag", headers: [["If-None-Match", '"abc"']], want: full },
  { name: "INM another tag, HEAD", method: "HEAD", headers: [["If-None-Match", 'W/"3e8-0"']], want: full },
  { name: "INM unquoted garbage", headers: [["If-None-Match", "3e8-b690b43563"]], want: full },
  { name: "INM malformed member ends the scan", headers: [["If-None-Match", `junk, ${ETAG}`]], want: full },
  { name: "INM tag followed by junk", headers: [["If-None-Match", `${ETAG} junk`]], want: full },
  { name: "INM match before a malformed member counts", headers: [["If-None-Match", `${ETAG}, junk`]], want: notModified },
  { name: "INM lowercase w/ is not the weak prefix", headers: [["If-None-Match", 'w/"3e8-b690b43563"']], want: full },
  { name: "INM unterminated quote", headers: [["If-None-Match", '"3e8-b690b43563']], want: full },
  { name: 'INM "*" quoted is a tag, not the wildcard', headers: [["If-None-Match", '"*"']], want: full },
  { name: "INM * inside a list is malformed", headers: [["If-None-Match", `*, "x"`]], want: full },
  { name: "INM empty value still disables IMS", headers: [["If-None-Match", ""], ["If-Modified-Since", LATER]], want: full },
  { name: "INM non-matching disables a matching IMS", headers: [["If-None-Match", '"x"'], ["If-Modified-Since", LATER]], want: full },
  { name: "INM match wins over Range (304 before 206)", headers: [["If-None-Match", "*"], ["Range", "bytes=0-9"]], want: notModified },
  { name: "INM non-match, then Range applies", headers: [["If-None-Match", '"x"'], ["Range", "bytes=0-9"]], want: partial([0, 9]) },
  { name: "INM header name is case-insensitive", headers: [["if-none-match", "*"]], want: notModified },

  // 2. If-Modified-Since (CPython 3.14)
  { name: "IMS equal to Last-Modified", headers: [["If-Modified-Since", LAST_MODIFIED]], want: notModified },
  { name: "IMS later", headers: [["If-Modified-Since", LATER]], want: notModified },
  { name: "IMS one second earlier", headers: [["If-Modified-Since", ONE_SECOND_EARLIER]], want: full },
  { name: "IMS on HEAD", method: "HEAD", headers: [["If-Modified-Since", LAST_MODIFIED]], want: notModified },
  { name: "IMS +0000", headers: [["If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 +0000"]], want: notModified },
  { name: "IMS -0000 (naive, taken as UTC)", headers: [["If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 -0000"]], want: notModified },
  { name: "IMS without a zone", headers: [["If-Modified-Since", "Sun, 06 Nov 1994 08:49:37"]], want: notModified },
  { name: "IMS unknown zone name (naive, taken as UTC)", headers: [["If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 CET"]], want: notModified },
  { name: "IMS UT", headers: [["If-Modified-Since", "06 Nov 1994 08:49:37 UT"]], want: notModified },
  { name: "IMS Z", headers: [["If-Modified-Since", "06 Nov 1994 08:49:37 Z"]], want: notModified },
  { name: "IMS +0100 naming a later instant is ignored", headers: [["If-Modified-Since", "Sun, 06 Nov 1994 10:49:37 +0100"]], want: full },
  { name: "IMS EST is ignored", headers: [["If-Modified-Since", "Sun, 06 Nov 1994 23:00:00 EST"]], want: full },
  { name: "IMS RFC 850", headers: [["If-Modified-Since", "Sunday, 06-Nov-94 08:49:37 GMT"]], want: notModified },
  { name: "IMS asctime", headers: [["If-Modified-Since", "Sun Nov  6 08:49:37 1994"]], want: notModified },
  { name: "IMS asctime one second earlier", headers: [["If-Modified-Since", "Sun Nov  6 08:49:36 1994"]], want: full },
  { name: "IMS garbage", headers: [["If-Modified-Since", "yesterday"]], want: full },
  { name: "IMS empty", headers: [["If-Modified-Since", ""]], want: full },
  { name: "IMS impossible day", headers: [["If-Modified-Since", "Sun, 31 Nov 1994 08:49:37 GMT"]], want: full },
  { name: "IMS far future", headers: [["If-Modified-Since", "Fri, 31 Dec 9999 23:59:59 GMT"]], want: notModified },
  { name: "IMS not modified beats Range", headers: [["If-Modified-Since", LATER], ["Range", "bytes=0-9"]], want: notModified },
  { name: "IMS modified, then Range applies", headers: [["If-Modified-Since", ONE_SECOND_EARLIER], ["Range", "bytes=0-9"]], want: partial([0, 9]) },
  { name: "IMS ignored for POST", method: "POST", headers: [["If-Modified-Since", LATER]], want: full },
  {
    name: "IMS compares the floored second (mtime .999)",
    file: { size: 1000, mtimeMs: Date.UTC(1994, 10, 6, 8, 49, 37) + 999.9 },
    headers: [["If-Modified-Since", LAST_MODIFIED]],
    want: notModified,
  },
  {
    name: "IMS before 1970",
    file: { size: 1000, mtimeMs: -1500 },
    headers: [["If-Modified-Since", "Wed, 31 Dec 1969 23:59:58 GMT"]],
    want: notModified,
  },

  // 3. If-Range
  { name: "If-Range equal to Last-Modified", headers: [["Range", "bytes=0-9"], ["If-Range", LAST_MODIFIED]], want: partial([0, 9]) },
  { name: "If-Range date with +0000", headers: [["Range", "bytes=0-9"], ["If-Range", "Sun, 06 Nov 1994 08:49:37 +0000"]], want: partial([0, 9]) },
  { name: "If-Range date in RFC 850 form", headers: [["Range", "bytes=0-9"], ["If-Range", "Sunday, 06-Nov-94 08:49:37 GMT"]], want: partial([0, 9]) },
  { name: "If-Range one second earlier", headers: [["Range", "bytes=0-9"], ["If-Range", ONE_SECOND_EARLIER]], want: full },
  { name: "If-Range one second later (must be exact)", headers: [["Range", "bytes=0-9"], ["If-Range", LATER]], want: full },
  { name: "If-Range same instant in +0100 (not an HTTP-date)", headers: [["Range", "bytes=0-9"], ["If-Range", "Sun, 06 Nov 1994 09:49:37 +0100"]], want: full },
  { name: "If-Range our weak ETag (strong comparison fails)", headers: [["Range", "bytes=0-9"], ["If-Range", ETAG]], want: full },
  { name: "If-Range our tag sent as strong", headers: [["Range", "bytes=0-9"], ["If-Range", STRONG_ETAG]], want: full },
  { name: "If-Range garbage", headers: [["Range", "bytes=0-9"], ["If-Range", "garbage"]], want: full },
  { name: "If-Range empty", headers: [["Range", "bytes=0-9"], ["If-Range", ""]], want: full },
  { name: "If-Range without Range is ignored", headers: [["If-Range", ONE_SECOND_EARLIER]], want: full },
  { name: "If-Range date of a file modified 0.5 s ago is weak", now: MTIME + 500, headers: [["Range", "bytes=0-9"], ["If-Range", LAST_MODIFIED]], want: full },
  { name: "If-Range date of a file modified 1 s ago is strong", now: MTIME + 1000, headers: [["Range", "bytes=0-9"], ["If-Range", LAST_MODIFIED]], want: partial([0, 9]) },
  { name: "If-Range mtime in the future is weak", now: MTIME - 5000, headers: [["Range", "bytes=0-9"], ["If-Range", LAST_MODIFIED]], want: full },
  { name: "If-Range true and unsatisfiable → 416", headers: [["Range", "bytes=5000-"], ["If-Range", LAST_MODIFIED]], want: unsatisfiable },
  { name: "If-Range false and unsatisfiable → 200", headers: [["Range", "bytes=5000-"], ["If-Range", ONE_SECOND_EARLIER]], want: full },

  // 4a. Range syntax
  { name: "Range first 100 bytes", headers: [["Range", "bytes=0-99"]], want: partial([0, 99]) },
  { name: "Range on HEAD", method: "HEAD", headers: [["Range", "bytes=0-99"]], want: partial([0, 99]) },
  { name: "Range unit is case-insensitive", headers: [["Range", "BYTES=0-99"]], want: partial([0, 99]) },
  { name: "Range open-ended", headers: [["Range", "bytes=900-"]], want: partial([900, 999]) },
  { name: "Range suffix", headers: [["Range", "bytes=-100"]], want: partial([900, 999]) },
  { name: "Range last byte", headers: [["Range", "bytes=999-999"]], want: partial([999, 999]) },
  { name: "Range leading zeros", headers: [["Range", "bytes=0010-0019"]], want: partial([10, 19]) },
  { name: "Range OWS around members", headers: [["Range", "bytes= 0-9 ,\t20-29 "]], want: partial([0, 9], [20, 29]) },
  { name: "Range empty members skipped", headers: [["Range", "bytes=0-9,,20-29,"]], want: partial([0, 9], [20, 29]) },
  { name: "Range last < first is invalid", headers: [["Range", "bytes=5-1"]], want: full },
  { name: "Range one invalid member invalidates all", headers: [["Range", "bytes=0-9,x"]], want: full },
  { name: "Range not a number", headers: [["Range", "bytes=abc"]], want: full },
  { name: "Range unknown unit", headers: [["Range", "items=0-9"]], want: full },
  { name: "Range without =", headers: [["Range", "bytes 0-9"]], want: full },
  { name: "Range space before =", headers: [["Range", "bytes =0-9"]], want: full },
  { name: "Range empty set", headers: [["Range", "bytes="]], want: full },
  { name: "Range only commas", headers: [["Range", "bytes=, ,"]], want: full },
  { name: "Range bare dash", headers: [["Range", "bytes=-"]], want: full },
  { name: "Range three numbers", headers: [["Range", "bytes=1-2-3"]], want: full },
  { name: "Range signed position", headers: [["Range", "bytes=+1-2"]], want: full },
  { name: "Range space inside a member", headers: [["Range", "bytes=0 - 9"]], want: full },
  { name: "Range empty value", headers: [["Range", ""]], want: full },
  { name: "Range huge last-pos is clipped", headers: [["Range", "bytes=0-99999999999999999999999"]], want: partial([0, 999]) },
  { name: "Range huge positions compared exactly (last < first)", headers: [["Range", "bytes=100000000000000000001-100000000000000000000"]], want: full },
  { name: "Range huge positions, valid but unsatisfiable", headers: [["Range", "bytes=100000000000000000000-100000000000000000001"]], want: unsatisfiable },

  // 4b. satisfiability and clipping
  { name: "Range last-pos beyond the end is clipped", headers: [["Range", "bytes=0-5000"]], want: partial([0, 999]) },
  { name: "Range suffix longer than the file is the whole file", headers: [["Range", "bytes=-5000"]], want: partial([0, 999]) },
  { name: "Range first-pos = size is unsatisfiable", headers: [["Range", "bytes=1000-"]], want: unsatisfiable },
  { name: "Range entirely beyond the end", headers: [["Range", "bytes=1000-2000"]], want: unsatisfiable },
  { name: "Range zero-length suffix", headers: [["Range", "bytes=-0"]], want: unsatisfiable },
  { name: "Range all members unsatisfiable", headers: [["Range", "bytes=1000-,2000-3000,-0"]], want: unsatisfiable },
  { name: "Range unsatisfiable members are dropped", headers: [["Range", "bytes=0-9,1000-"]], want: partial([0, 9]) },
  { name: "Range unsatisfiable on HEAD", method: "HEAD", headers: [["Range", "bytes=1000-"]], want: unsatisfiable },

  // 4c. zero-length file
  { name: "empty file, no Range", file: { size: 0, mtimeMs: MTIME }, headers: [], want: full },
  { name: "empty file, bytes=0-", file: { size: 0, mtimeMs: MTIME }, headers: [["Range", "bytes=0-"]], want: unsatisfiable },
  { name: "empty file, bytes=0-0", file: { size: 0, mtimeMs: MTIME }, headers: [["Range", "bytes=0-0"]], want: unsatisfiable },
  { name: "empty file, bytes=-0", file: { size: 0, mtimeMs: MTIME }, headers: [["Range", "bytes=-0"]], want: unsatisfiable },
  { name: "empty file, bytes=-5 is the whole (empty) file", file: { size: 0, mtimeMs: MTIME }, headers: [["Range", "bytes=-5"]], want: full },
  { name: "empty file, mixed list with a suffix", file: { size: 0, mtimeMs: MTIME }, headers: [["Range", "bytes=0-0,-5"]], want: full },
  { name: "one-byte file, bytes=-5", file: { size: 1, mtimeMs: MTIME }, headers: [["Range", "bytes=-5"]], want: partial([0, 0]) },

  // 4d. sorting, coalescing, limits
  { name: "Range unsorted list is sorted", headers: [["Range", "bytes=20-29,0-9"]], want: partial([0, 9], [20, 29]) },
  { name: "Range overlapping members coalesce to one", headers: [["Range", "bytes=0-9,5-14"]], want: partial([0, 14]) },
  { name: "Range adjacent members coalesce", headers: [["Range", "bytes=0-9,10-19"]], want: partial([0, 19]) },
  { name: "Range one-byte gap is kept", headers: [["Range", "bytes=0-9,11-19"]], want: partial([0, 9], [11, 19]) },
  { name: "Range contained member disappears", headers: [["Range", "bytes=0-99,10-19,-1"]], want: partial([0, 99], [999, 999]) },
  { name: "Range suffix and int-range overlap", headers: [["Range", "bytes=-100,850-949"]], want: partial([850, 999]) },
  { name: "Range CVE-2011-3192 header is invalid (5-0)", headers: [["Range", `bytes=0-,${Array.from({ length: 300 }, (_, i) => `5-${i}`).join(",")}`]], want: full },
  { name: "Range 300 overlapping members coalesce to one", headers: [["Range", `bytes=0-,${Array.from({ length: 300 }, (_, i) => `5-${5 + i}`).join(",")}`]], want: partial([0, 999]) },
  { name: "Range 200 × 0- is one range", headers: [["Range", `bytes=${Array(200).fill("0-").join(",")}`]], want: partial([0, 999]) },
  { name: `Range ${MAX_RANGE_PARTS} disjoint ranges`, headers: [["Range", `bytes=${spaced(MAX_RANGE_PARTS)}`]], want: partial(...Array.from({ length: MAX_RANGE_PARTS }, (_, i): [number, number] => [2 * i, 2 * i])) },
  { name: `Range ${MAX_RANGE_PARTS + 1} disjoint ranges → ignored`, headers: [["Range", `bytes=${spaced(MAX_RANGE_PARTS + 1)}`]], want: full },
  { name: "Range 400 members coalescing to 2", headers: [["Range", `bytes=${Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? `${i}-${i + 1}` : `${600 + i}-${601 + i}`)).join(",")}`]], want: partial([0, 399], [601, 999]) },
  { name: "Range only the first field line is read", headers: [["Range", "bytes=0-9"], ["Range", "bytes=20-29"]], want: partial([0, 9]) },
];

test("decide() table", async (t) => {
  assert.ok(ROWS.length >= 50, `only ${ROWS.length} rows`);
  const names = new Set<string>();
  for (const row of ROWS) {
    assert.ok(!names.has(row.name), `duplicate row name ${row.name}`);
    names.add(row.name);
    await t.test(row.name, () => {
      const got = decide(row.method ?? "GET", headersOf(row.headers), row.file ?? FILE, row.now ?? DAY_LATER);
      assert.deepEqual(got, row.want, `row ${JSON.stringify(row.name)} headers ${JSON.stringify(row.headers).slice(0, 200)}`);
    });
  }
});

test("decide() accepts any object with get() and has(), and defaults nowMs to the clock", () => {
  const map = new Map([["range", "bytes=0-9"], ["if-range", LAST_MODIFIED]]);
  const headers = { get: (n: string) => map.get(n.toLowerCase()), has: (n: string) => map.has(n.toLowerCase()) };
  assert.deepEqual(decide("GET", headers, FILE), partial([0, 9]));
  assert.deepEqual(decide("GET", headers, { size: 1000, mtimeMs: Date.now() + 60_000 }), full, "a file modified in the future has a weak date");
});

// ---- small functions ------------------------------------------------------------------

test("etagFor() is weak, size and millisecond mtime in hex", () => {
  assert.equal(etagFor(FILE), ETAG);
  assert.equal(etagFor({ size: 0, mtimeMs: 0 }), 'W/"0-0"');
  assert.equal(etagFor({ size: 255, mtimeMs: 4095.99 }), 'W/"ff-fff"', "mtime floored to whole ms");
  assert.notEqual(etagFor({ size: 1, mtimeMs: 2 }), etagFor({ size: 1, mtimeMs: 3 }));
});

test("etagFor()'s hex is toString(16)'s for every size and mtime, large, negative and at the 2^28 and 2^30 seams", () => {
  const seams = [0x0fffffff, 0x10000000, 0x10000001, 0x3fffffff, 0x40000000, 0x40000001, 2 ** 52, Number.MAX_SAFE_INTEGER];
  for (const n of seams) assert.equal(etagFor({ size: n, mtimeMs: n }), `W/"${n.toString(16)}-${n.toString(16)}"`);
  fc.assert(
    fc.property(fc.maxSafeNat(), fc.double({ min: -1e15, max: 1e15, noNaN: true }), (size, mtimeMs) => {
      assert.equal(etagFor({ size, mtimeMs }), `W/"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`);
    }),
  );
});

test("lastModifiedSeconds() floors, also before 1970", () => {
  assert.equal(lastModifiedSeconds(MTIME), 784111777);
  assert.equal(lastModifiedSeconds(999.999), 0);
  assert.equal(lastModifiedSeconds(1000), 1);
  assert.equal(lastModifiedSeconds(-1), -1);
  assert.equal(lastModifiedSeconds(-1500), -2);
});

// ---- properties ------------------------------------------------------------------------------

type Spec = { first: number; last: number | null } | { suffix: number };

/** Renders specs as a Range value with random case, OWS, empty members and leading zeros. */
const rangeHeader = (specs: Spec[]): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom("bytes", "BYTES", "Bytes"),
      fc.array(fc.tuple(fc.constantFrom("", " ", "\t", "  "), fc.constantFrom("", "", "", "0", "00"), fc.boolean()), {
        minLength: specs.length,
        maxLength: specs.length,
      }),
    )
    .map(([unit, styles]) => {
      const members = specs.map((s, i) => {
        const [ows, zeros, emptyAfter] = styles[i]!;
        const text = "suffix" in s ? `-${zeros}${s.suffix}` : `${zeros}${s.first}-${s.last === null ? "" : s.last}`;
        return `${ows}${text}${ows}${emptyAfter ? ", " : ""}`;
      });
      return `${unit}=${members.join(",")}`;
    });

/** A size and valid specs whose positions fall around the size, so clipping and unsatisfiable members are common. */
const rangeCase = (maxSize: number, maxSpecs: number) =>
  fc.integer({ min: 0, max: maxSize }).chain((size) => {
    const pos = fc.oneof(fc.integer({ min: 0, max: Math.max(0, size + 2) }), fc.integer({ min: 0, max: maxSize * 2 }));
    const spec: fc.Arbitrary<Spec> = fc.oneof(
      fc.tuple(pos, fc.option(fc.nat({ max: Math.max(0, size + 2) }), { nil: null })).map(([a, len]): Spec => ({ first: a, last: len === null ? null : a + len })),
      pos.map((n): Spec => ({ suffix: n })),
    );
    return fc.array(spec, { minLength: 1, maxLength: maxSpecs }).chain((specs) => rangeHeader(specs).map((header) => ({ size, specs, header })));
  });

/** Each spec clipped to the file, `null` when unsatisfiable (RFC 9110 §14.1.1). */
function clip(s: Spec, size: number): Range | null {
  if ("suffix" in s) return s.suffix === 0 || size === 0 ? null : { start: Math.max(0, size - s.suffix), end: size - 1 };
  if (s.first >= size) return null;
  return { start: s.first, end: s.last === null ? size - 1 : Math.min(s.last, size - 1) };
}

test("decide() answers a valid Range with the requested bytes, sorted, disjoint and clipped (bitmap oracle)", () => {
  fc.assert(
    fc.property(rangeCase(300, 40), ({ size, specs, header }) => {
      const got = decide("GET", headersOf([["Range", header]]), { size, mtimeMs: 0 });
      const bytes = new Uint8Array(size);
      for (const s of specs) {
        const r = clip(s, size);
        if (r !== null) bytes.fill(1, r.start, r.end + 1);
      }
      const runs: Range[] = [];
      for (let i = 0; i < size; i++) {
        if (bytes[i] === 0) continue;
        if (i > 0 && bytes[i - 1] === 1) runs[runs.length - 1]!.end = i;
        else runs.push({ start: i, end: i });
      }
      let want: Decision;
      if (size === 0) want = specs.some((s) => "suffix" in s && s.suffix > 0) ? { kind: "full" } : { kind: "unsatisfiable" };
      else if (runs.length === 0) want = { kind: "unsatisfiable" };
      else if (runs.length > MAX_RANGE_PARTS) want = { kind: "full" };
      else want = { kind: "partial", ranges: runs };
      assert.deepEqual(got, want, header);
    }),
    { numRuns: RUNS },
  );
});

test("decide() answers a valid Range on large files with ranges whose union is the clipped request", () => {
  fc.assert(
    fc.property(rangeCase(2 ** 40, 20), ({ size, specs, header }) => {
      const got = decide("GET", headersOf([["Range", header]]), { size, mtimeMs: 0 });
      const clipped = specs.map((s) => clip(s, size)).filter((r): r is Range => r !== null);
      if (size === 0 || clipped.length === 0) {
        assert.ok(got.kind === "unsatisfiable" || got.kind === "full", header);
        return;
      }
      assert.equal(got.kind, "partial", header);
      const ranges = (got as { ranges: Range[] }).ranges;
      for (const [i, r] of ranges.entries()) {
        assert.ok(Number.isSafeInteger(r.start) && Number.isSafeInteger(r.end) && 0 <= r.start && r.start <= r.end && r.end <= size - 1, `in bounds: ${header}`);
        if (i > 0) assert.ok(r.start > ranges[i - 1]!.end + 1, `sorted, disjoint, not adjacent: ${header}`);
      }
      // Every requested range lies inside one answered range …
      for (const c of clipped) assert.ok(ranges.some((r) => r.start <= c.start && c.end <= r.end), `covered: ${header}`);
      // … and every answered range is covered by requested ones, without gaps.
      for (const r of ranges) {
        let reach = r.start - 1;
        let grew = true;
        while (grew) {
          grew = false;
          for (const c of clipped) {
            if (c.start <= reach + 1 && c.end > reach && c.start >= r.start) {
              reach = c.end;
              grew = true;
            }
          }
        }
        assert.equal(reach, r.end, `no invented bytes: ${header}`);
      }
    }),
    { numRuns: RUNS },
  );
});

test("decide() never throws and answers in bounds for arbitrary header values", () => {
  const piece = fc.constantFrom("bytes=", "BYTES=", "-", ",", " ", "0", "1", "9", "99999999999999999999", "*", '"', "W/", "GMT", "Sun, 06 Nov 1994", "08:49:37", "\t", "=", "\xff");
  const value = fc.oneof(fc.string({ maxLength: 40 }), fc.array(piece, { maxLength: 12 }).map((a) => a.join("")));
  const name = fc.constantFrom("Range", "If-Range", "If-None-Match", "If-Modified-Since");
  fc.assert(
    fc.property(
      fc.array(fc.tuple(name, value), { maxLength: 5 }),
      fc.constantFrom("GET", "HEAD", "POST"),
      fc.integer({ min: 0, max: 5000 }),
      (pairs, method, size) => {
        const got = decide(method, headersOf(pairs), { size, mtimeMs: MTIME }, DAY_LATER);
        assert.ok(["full", "not-modified", "partial", "unsatisfiable"].includes(got.kind));
        if (got.kind === "partial") {
          assert.ok(got.ranges.length >= 1 && got.ranges.length <= MAX_RANGE_PARTS);
          for (const r of got.ranges) assert.ok(0 <= r.start && r.start <= r.end && r.end < size);
        }
      },
    ),
    { numRuns: RUNS },
  );
});
