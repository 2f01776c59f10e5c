/**
 * Tests for src/protocol/http-date.ts: HTTP dates written (as
 * `email.utils.formatdate(usegmt=True)`) and read (as CPython's
 * `email.utils.parsedate_to_datetime` and its file server's
 * If-Modified-Since rule), side by side with the installed python3 on
 * hand-picked inputs plus generated token soups, in ONE python3 process.
 * Runs per property: 300 by default; set FUZZ_RUNS for a long run.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import fc from "fast-check";

import { formatHttpDate, parseHttpDate, parseHttpDateTz, type ParsedHttpDate } from "../../src/protocol/http-date.js";

const RUNS = Number(process.env["FUZZ_RUNS"] ?? "") || 300;

function python(script: string, input: unknown): unknown[] | string {
  const py = spawnSync("python3", ["-c", script], { input: JSON.stringify(input), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (py.error !== undefined) return `python3 is not available: ${py.error.message}`;
  if (py.status !== 0) throw new Error(`python3 failed: ${py.stderr}`);
  return JSON.parse(py.stdout) as unknown[];
}

/**
 * For each hex-encoded Latin-1 input: `null` when `parsedate_to_datetime`
 * raises one of the exceptions CPython's server catches, `{"crash": name}`
 * for any other, else the instant and whether the server compares it
 * (`ims.tzinfo` None, then replaced by UTC, or `is datetime.timezone.utc`).
 */
const PYTHON_DATES = String.raw`
import sys, json, datetime, email.utils
out = []
one = datetime.timedelta(seconds=1)
for h in json.load(sys.stdin):
    s = bytes.fromhex(h).decode("latin-1")
    try:
        dt = email.utils.parsedate_to_datetime(s)
    except (TypeError, IndexError, OverflowError, ValueError):
        out.append(None)
        continue
    except Exception as e:
        out.append({"crash": type(e).__name__})
        continue
    seconds = (dt.replace(tzinfo=None) - datetime.datetime(1970, 1, 1)) // one
    if dt.tzinfo is not None:
        seconds -= dt.utcoffset() // one
    out.append({"seconds": seconds, "utc": dt.tzinfo is None or dt.tzinfo is datetime.timezone.utc})
print(json.dumps(out))
`;

const DATE_INPUTS: string[] = [
  // the three HTTP-date forms (RFC 9110 §5.6.7)
  "Sun, 06 Nov 1994 08:49:37 GMT",
  "Sunday, 06-Nov-94 08:49:37 GMT",
  "Sun Nov  6 08:49:37 1994",
  // zones
  "Sun, 06 Nov 1994 08:49:37 +0000",
  "Sun, 06 Nov 1994 08:49:37 -0000",
  "Sun, 06 Nov 1994 08:49:37 +0100",
  "Sun, 06 Nov 1994 08:49:37 -0530",
  "Sun, 06 Nov 1994 08:49:37 UT",
  "Sun, 06 Nov 1994 08:49:37 UTC",
  "Sun, 06 Nov 1994 08:49:37 Z",
  "Sun, 06 Nov 1994 08:49:37 z",
  "Sun, 06 Nov 1994 08:49:37 gmt",
  "Sun, 06 Nov 1994 08:49:37 EST",
  "Sun, 06 Nov 1994 08:49:37 PDT",
  "Sun, 06 Nov 1994 08:49:37 CET",
  "Sun, 06 Nov 1994 08:49:37 +01:00",
  "Sun, 06 Nov 1994 08:49:37 +2359",
  "Sun, 06 Nov 1994 08:49:37 -2359",
  "Sun, 06 Nov 1994 08:49:37 +2400",
  "Sun, 06 Nov 1994 08:49:37 +0099",
  "Sun, 06 Nov 1994 08:49:37 +0",
  "Sun, 06 Nov 1994 08:49:37 -0",
  "Sun, 06 Nov 1994 08:49:37 +1_00",
  "06 Nov 1994 08:49:37+0100",
  "06 Nov 1994 08:49:37-0000",
  "06 Nov 1994 08:49:37",
  // day names and commas
  "Sun 06 Nov 1994 08:49:37 GMT",
  "Sun,06 Nov 1994 08:49:37 GMT",
  "Mon, 06 Nov 1994 08:49:37 GMT",
  "Funday, 06 Nov 1994 08:49:37 GMT",
  "06, Nov, 1994, 08:49:37, GMT",
  "17 June , 2022",
  // month and day order, full names
  "Nov 06 1994 08:49:37 GMT",
  "06 November 1994 08:49:37 GMT",
  "06 NOV 1994 08:49:37 GMT",
  "06 Foo 1994 08:49:37 GMT",
  "May 5 2000 00:00:00",
  // years
  "06 Nov 68 08:49:37 GMT",
  "06 Nov 69 08:49:37 GMT",
  "06 Nov 00 08:49:37 GMT",
  "06 Nov 094 08:49:37 GMT",
  "06 Nov -5 08:49:37 +0000",
  "06 Nov 1_994 08:49:37 GMT",
  "06 Nov ²994 08:49:37",
  "01 Jan 0100 00:00:00 GMT",
  "01 Jan 0001 00:00:00 GMT",
  "01 Jan 0001 00:00:00 +0100",
  "31 Dec 9999 23:59:59 GMT",
  "31 Dec 9999 23:59:59 -0100",
  "01 Jan 10000 00:00:00 GMT",
  "Mon, 20 Nov 9999999999 12:00:00 +0000",
  "Thu, 01 Jan 1970 00:00:00 GMT",
  "Wed, 31 Dec 1969 23:59:59 GMT",
  // days and times
  "29 Feb 2000 00:00:00 GMT",
  "29 Feb 1900 00:00:00 GMT",
  "29 Feb 2024 12:00:00 GMT",
  "31 Apr 2024 12:00:00 GMT",
  "0 Jan 2024 12:00:00 GMT",
  "06 Nov 1994 08:49 GMT",
  "06 Nov 1994 08.49.37 GMT",
  "06 Nov 1994 08.49 GMT",
  "06 Nov 1994 08.49.37.00 GMT",
  "06 Nov 1994 08:49:37:00 GMT",
  "06 Nov 1994 24:00:00 GMT",
  "06 Nov 1994 23:60:00 GMT",
  "06 Nov 1994 23:59:60 GMT",
  "06 Nov 1994 -1:00:00 GMT",
  "06 Nov 1994 8:9:7 GMT",
  "06 Nov 1994 08:49:37.5 GMT",
  // whitespace and junk
  "",
  "   ",
  "garbage",
  "Sun, 06 Nov 1994",
  "  Sun,\t06  Nov 1994 08:49:37 GMT  ",
  "Sun,\xa006\xa0Nov\xa01994\xa008:49:37\xa0GMT",
  "Sun,\x1c06 Nov 1994 08:49:37 GMT",
  "Sun, 06 Nov 1994 08:49:37 GMT trailing words",
  "Sun, 06-Nov-1994 08:49:37 GMT",
  "Sunday, 06--94 08:49:37 GMT",
  ",,,, ,",
];

/**
 * Generated dates: each field drawn from a pool of valid and invalid values,
 * laid out as IMF-fixdate, RFC 850, asctime or in shuffled order, with
 * Python whitespace and commas between fields, so that many parse and many
 * do not, near every boundary of `_parsedate_tz`.
 */
function generatedDates(): string[] {
  const dayName = fc.constantFrom("", "", "Sun, ", "Sun ", "Sunday, ", "Sun,", "mon ", "Funday, ");
  const day = fc.constantFrom("06", "06", "15", "6", "1", "0", "28", "29", "30", "31", "32", "1_0", "+6", "-6", "06,");
  const month = fc.constantFrom("Nov", "nov", "NOVEMBER", "Feb", "feb", "Apr", "Dec", "Foo", "may");
  const year = fc.constantFrom("1994", "1994", "2026", "94", "69", "68", "0", "00", "0001", "9999", "10000", "2000", "1900", "2024", "\xb2994", "1994,", "-5");
  const time = fc.constantFrom("08:49:37", "08:49:37", "12:00", "8:49", "00:00:00", "23:59:59", "24:00:00", "23:60:00", "23:59:60", "08.49.37", "08.49", "8:9:7", "08:49:37,", "1:2:3:4");
  const zone = fc.constantFrom("GMT", "GMT", "+0000", "UTC", "UT", "Z", "z", "EST", "PDT", "CET", "+0000", "-0000", "+0100", "-0530", "+2359", "+2400", "-0", "+1_00", "", "");
  const sep = fc.constantFrom(" ", " ", " ", " ", "  ", "\t", "\xa0", ",", "");
  const date = fc
    .record({ dayName, day, month, year, time, zone, layout: fc.nat(9), seps: fc.array(sep, { minLength: 5, maxLength: 5 }), order: fc.array(fc.nat(), { minLength: 5, maxLength: 5 }) })
    .map(({ dayName, day, month, year, time, zone, layout, seps, order }) => {
      let fields: string[];
      if (layout <= 3) fields = [day, month, year, time, zone]; // IMF-fixdate and RFC 822
      else if (layout <= 5) fields = [`${day}-${month}-${year}`, time, zone]; // RFC 850
      else if (layout <= 7) fields = [month, day, time, year]; // asctime
      else fields = [day, month, year, time, zone].map((f, i) => [order[i]!, f] as const).sort((a, b) => a[0] - b[0]).map(([, f]) => f);
      return dayName + fields.map((f, i) => (i === 0 ? f : seps[i]! + f)).join("");
    });
  return fc.sample(date, { numRuns: 500, seed: 20261124 });
}

test("parseHttpDateTz() agrees with CPython's parsedate_to_datetime and its If-Modified-Since rule", (t) => {
  const inputs = [...DATE_INPUTS, ...generatedDates()];
  const answers = python(PYTHON_DATES, inputs.map((s) => Buffer.from(s, "latin1").toString("hex")));
  if (typeof answers === "string") return t.skip(answers);
  assert.equal(answers.length, inputs.length);
  let parsed = 0;
  const failures: string[] = [];
  for (const [i, input] of inputs.entries()) {
    const py = answers[i] as ParsedHttpDate | { crash: string } | null;
    if (py !== null && "crash" in py) {
      failures.push(`${JSON.stringify(input)}: CPython raised ${py.crash}, which its server does not catch`);
      continue;
    }
    const got = parseHttpDateTz(input);
    if (py !== null) parsed++;
    if (JSON.stringify(got) !== JSON.stringify(py)) failures.push(`${JSON.stringify(input)}: got ${JSON.stringify(got)}, CPython ${JSON.stringify(py)}`);
    assert.equal(parseHttpDate(input), got === null ? null : got.seconds);
  }
  assert.deepEqual(failures, []);
  assert.ok(parsed >= 100, `only ${parsed} inputs parsed: the inputs lost their valid dates`);
  assert.ok(inputs.length - parsed >= 150, `only ${inputs.length - parsed} inputs rejected`);
});

test("parseHttpDate() reads every HTTP-date form of any instant in years 100–9999", () => {
  const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const FULL_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p2 = (n: number): string => String(n).padStart(2, "0");
  const min = new Date(0).setUTCFullYear(100, 0, 1); // Date.UTC() would map year 100's neighbours 0–99 to 1900–1999
  const max = Date.UTC(9999, 11, 31, 23, 59, 59);
  fc.assert(
    fc.property(fc.integer({ min: min / 1000, max: max / 1000 }), (seconds) => {
      const d = new Date(seconds * 1000);
      const time = `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
      const year = d.getUTCFullYear();
      const imf = d.toUTCString();
      const asctime = `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${time} ${year}`;
      assert.equal(parseHttpDate(imf), seconds, imf);
      assert.equal(parseHttpDate(asctime), seconds, asctime);
      if (year >= 1969 && year <= 2068) {
        const rfc850 = `${FULL_DAYS[d.getUTCDay()]}, ${p2(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${p2(year % 100)} ${time} GMT`;
        assert.equal(parseHttpDate(rfc850), seconds, rfc850);
      }
    }),
    { numRuns: RUNS },
  );
});


test("formatHttpDate() writes an IMF-fixdate, now or for a timestamp (fractions floored)", () => {
  assert.equal(formatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  assert.equal(formatHttpDate(1700000000.9), "Tue, 14 Nov 2023 22:13:20 GMT");
  assert.equal(formatHttpDate(-1.5), "Wed, 31 Dec 1969 23:59:58 GMT");
  assert.match(formatHttpDate(), /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/);
  // Round trip through the reader.
  for (const s of [0, 784111777, 1700000000, 253402300799]) assert.equal(parseHttpDate(formatHttpDate(s)), s);
});
