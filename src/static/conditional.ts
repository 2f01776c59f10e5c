/**
 * Conditional requests for a static file (RFC 9110 §13): what a GET or HEAD
 * of a regular file answers, given the request headers and the file's size
 * and modification time — 200, 304, or, through `ranges.ts` (RFC 9110 §14),
 * 206 and 416. Also the file's validators (ETag, Last-Modified second) and
 * the date parser the If-* fields need. Pure functions: no fs, no sockets;
 * the clock is read only when `decide()`'s `nowMs` is left to default.
 *
 * Strategy: `decide()` runs RFC 9110 §13.2.2's evaluation order, restricted to
 * what CPython's file server answers (200, 304) plus the range extension (206,
 * 416). It is called only when the answer would otherwise be 200 with the
 * whole file (a regular file exists and is readable), as §13.2.1 requires.
 * If-Match and If-Unmodified-Since are not evaluated (CPython ignores them and
 * there is no 412 Decision), so steps 1–2 of §13.2.2 are skipped.
 *
 *   0. Only GET and HEAD are decided; any other method → full.
 *   1. If-None-Match present (§13.1.2, §13.2.2 step 3):
 *        If-None-Match = "*" / #entity-tag
 *      `*` (the whole value) matches any existing file, so → 304. Otherwise
 *      the list is scanned left to right and each entity-tag compared WEAKLY
 *      with ours (§8.8.3.2: `W/` ignored on both sides); a match → 304. A
 *      malformed member ends the scan (tags before it still count), so garbage
 *      never produces a 304. Whether or not it matched, step 2 is skipped.
 *      Differs from CPython: CPython never evaluates If-None-Match (it only
 *      uses its presence to skip If-Modified-Since), so `If-None-Match: *`
 *      gets 200 there and 304 here; the RFC wins (docs/api-contract.md).
 *   2. If-Modified-Since, only when If-None-Match is ABSENT (`has()`, even an
 *      empty value counts as present, as CPython 3.14's `in` test does):
 *      exactly CPython 3.14's rule. The value is parsed as
 *      `email.utils.parsedate_to_datetime` does (see `parseHttpDateTz`); an
 *      ill-formed value is ignored; a date without a zone, with `-0000` or
 *      with an unknown zone name is naive and taken as UTC; a date whose zone
 *      is UTC (`GMT`, `UT`, `UTC`, `Z`, `+0000`) is compared; any other zone
 *      (`+0100`, `EST` …) is IGNORED, because CPython compares only when
 *      `ims.tzinfo is datetime.timezone.utc`. → 304 when the file's mtime
 *      floored to whole seconds is ≤ the date.
 *   3. Range absent → full. If-Range present (§13.1.5, §13.2.2 step 5) and
 *      false → full (the Range field is ignored, so never 416). If-Range is
 *      ignored without Range. Its value is
 *        If-Range = entity-tag / HTTP-date
 *      - an entity-tag (starts with `"` or `W/`) needs a STRONG comparison
 *        (§8.8.3.2); our ETag is weak, so it never matches → full;
 *      - otherwise a date, parsed as in step 2: true only when its zone is
 *        UTC or absent (an HTTP-date is always GMT), it equals the file's
 *        Last-Modified second exactly, and Last-Modified is a strong
 *        validator. Simplification of §8.8.2.2: Last-Modified counts as
 *        strong when the mtime is at least one second before `nowMs` (a file
 *        modified in the current second may change again within it). We
 *        cannot detect two changes within one past second; §8.8.2.2 asks for
 *        knowledge we do not have, and a full 200 would be the only
 *        fully safe answer. Anything else → false → full.
 *   4. Range (§14.1.1, §14.2), for GET and for HEAD: parsed and resolved
 *      against the file's size by `ranges.ts` (satisfiable ranges sorted and
 *      coalesced → 206; none → 416; invalid, or too many parts → full).
 *
 * Only the first field line of each header is read (`headers.get()`, as
 * CPython's `self.headers[name]`); a second If-None-Match line can only cost a
 * 304, and a second Range line is ignored.
 */

import { pySplit } from "../protocol/request-line.js";
import { isOws, parseRange, resolveRanges, trimOws, type Range } from "./ranges.js";

// ---- limits ---------------------------------------------------------------------

/**
 * How long before `nowMs` a file must have been modified for its
 * Last-Modified to count as a strong validator in If-Range (RFC 9110 §8.8.2.2).
 */
const STRONG_DATE_AGE_MS = 1000;

// ---- validators -----------------------------------------------------------------

/** What `decide()` needs to know about a file; `fs.Stats` has both fields. */
export interface FileValidators {
  /** Size in bytes. */
  size: number;
  /** Modification time in milliseconds since the epoch, fractional allowed. */
  mtimeMs: number;
}

/**
 * The file's entity-tag: weak, `W/"<size hex>-<mtime ms hex>"` with the mtime
 * floored to whole milliseconds (e.g. `W/"3e8-b6906ba1b3"`). Weak because a
 * file can change without its size and millisecond mtime changing.
 */
export function etagFor(v: FileValidators): string {
  return `W/"${v.size.toString(16)}-${Math.floor(v.mtimeMs).toString(16)}"`;
}

/**
 * The mtime in whole seconds since the epoch, floored (also for times before
 * 1970), as CPython's `fromtimestamp(st_mtime).replace(microsecond=0)` and
 * `date_time_string(st_mtime)` give it: the Last-Modified second.
 */
export function lastModifiedSeconds(mtimeMs: number): number {
  return Math.floor(mtimeMs / 1000);
}

// ---- dates: a port of CPython's email._parseaddr._parsedate_tz -------------------

const MONTH_NAMES = [
  "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
  "january", "february", "march", "april", "may", "june", "july",
  "august", "september", "october", "november", "december",
];

const DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** `_timezones`: RFC 822 names, in the ±HHMM notation `_parsedate_tz` reads. */
const TIMEZONES: Record<string, number> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0,
  AST: -400, ADT: -300,
  EST: -500, EDT: -400,
  CST: -600, CDT: -500,
  MST: -700, MDT: -600,
  PST: -800, PDT: -700,
};

/** Python's `int(s)` for a token with no whitespace: sign, digits, single underscores between digits. */
function pyInt(s: string): number | null {
  return /^[+-]?[0-9]+(?:_[0-9]+)*$/.test(s) ? Number(s.replace(/_/g, "")) : null;
}

/** Python's `str.isdigit()` of one character: ASCII digits, `¹ ² ³` in Latin-1, any Nd beyond. */
function pyIsDigit(c: string | undefined): boolean {
  return c !== undefined && /^[\p{Nd}\u00b2\u00b3\u00b9]$/u.test(c);
}

/** Python's `str.lower()` / `upper()` agree with JavaScript's on Latin-1, which is all a header holds. */
const lower = (s: string): string => s.toLowerCase();

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's `days_from_civil`). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** A date as CPython's file server sees it. */
export interface ParsedHttpDate {
  /** Seconds since the epoch; a date without a zone is taken as UTC. */
  seconds: number;
  /**
   * `true` when CPython 3.14's If-Modified-Since rule compares this date: its
   * zone is UTC (`GMT`, `UT`, `UTC`, `Z`, `+0000`) or absent (no zone,
   * `-0000`, an unknown zone name). `false` for any other offset.
   */
  utc: boolean;
}

/**
 * Parses a date the way CPython 3.14's `email.utils.parsedate_to_datetime`
 * does (a port of `email._parseaddr._parsedate_tz` plus the `datetime` range
 * checks), and says whether CPython's file server would compare it.
 *
 * Lenient like its model: the day name is optional and may be glued to the
 * day by a comma; day and month may be swapped; month names may be full;
 * two-digit years map 69–99 → 1969–1999 and 0–68 → 2000–2068; the time may
 * be `HH:MM`, `HH:MM:SS` or dotted; zones are `UT`/`UTC`/`GMT`/`Z`, the US
 * names, or a numeric offset, glued or not. RFC 850
 * (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`)
 * forms parse too. Fields out of `datetime`'s range (year 1–9999, a real day
 * of the month, 23:59:59, |offset| < 24 h) give `null`, as the `ValueError` /
 * `OverflowError` that CPython's server catches.
 *
 * Scope: header values are ISO-8859-1, and Python's whitespace, digit and case
 * rules are followed exactly within it.
 */
export function parseHttpDateTz(value: string): ParsedHttpDate | null {
  let data = pySplit(value);
  if (data.length === 0) return null;
  // The FWS after the comma after the day-of-week is optional.
  if (data[0]!.endsWith(",") || DAY_NAMES.includes(lower(data[0]!))) {
    data.shift();
  } else {
    const i = data[0]!.lastIndexOf(",");
    if (i >= 0) data[0] = data[0]!.slice(i + 1);
  }
  if (data.length === 3) {
    // RFC 850 date, deprecated: 06-Nov-94.
    const stuff = data[0]!.split("-");
    if (stuff.length === 3) data = [...stuff, ...data.slice(1)];
  }
  if (data.length === 4) {
    const s = data[3]!;
    let i = s.indexOf("+");
    if (i === -1) i = s.indexOf("-");
    if (i > 0) data.splice(3, 1, s.slice(0, i), s.slice(i));
    else data.push(""); // dummy tz
  }
  if (data.length < 5) return null;
  let [dd, mm, yy, tm, tz] = data as [string, string, string, string, string];
  if (!(dd && mm && yy)) return null;
  mm = lower(mm);
  if (!MONTH_NAMES.includes(mm)) {
    [dd, mm] = [mm, lower(dd)];
    if (!MONTH_NAMES.includes(mm)) return null;
  }
  let month = MONTH_NAMES.indexOf(mm) + 1;
  if (month > 12) month -= 12;
  if (dd.endsWith(",")) dd = dd.slice(0, -1);
  if (yy.indexOf(":") > 0) [yy, tm] = [tm, yy];
  if (yy.endsWith(",")) {
    yy = yy.slice(0, -1);
    if (!yy) return null;
  }
  if (!pyIsDigit(yy[0])) [yy, tz] = [tz, yy];
  if (tm.endsWith(",")) tm = tm.slice(0, -1);
  let parts = tm.split(":");
  let thh: string, tmm: string, tss: string;
  if (parts.length === 2) {
    [thh, tmm] = parts as [string, string];
    tss = "0";
  } else if (parts.length === 3) {
    [thh, tmm, tss] = parts as [string, string, string];
  } else if (parts.length === 1 && tm.includes(".")) {
    // Some non-compliant MUAs use '.' to separate time elements.
    parts = tm.split(".");
    if (parts.length === 2) {
      [thh, tmm] = parts as [string, string];
      tss = "0";
    } else if (parts.length === 3) {
      [thh, tmm, tss] = parts as [string, string, string];
    } else {
      return null;
    }
  } else {
    return null;
  }
  let year = pyInt(yy);
  const day = pyInt(dd);
  const hour = pyInt(thh);
  const minute = pyInt(tmm);
  const second = pyInt(tss);
  if (year === null || day === null || hour === null || minute === null || second === null) return null;
  if (year < 100) year += year > 68 ? 1900 : 2000;

  // Zone: a name from the table, else a number; `-0000` (and `-0`) means "no zone".
  let offset: number | null = null;
  const zone = tz.toUpperCase();
  if (Object.hasOwn(TIMEZONES, zone)) {
    offset = TIMEZONES[zone]!;
  } else {
    offset = pyInt(zone);
    if (offset === 0 && zone.startsWith("-")) offset = null;
  }
  if (offset) {
    const sign = offset < 0 ? -1 : 1;
    const hhmm = Math.abs(offset);
    offset = sign * (Math.floor(hhmm / 100) * 3600 + (hhmm % 100) * 60);
  }

  // datetime(year, month, day, hour, minute, second, tzinfo=timezone(timedelta(seconds=offset))).
  if (year < 1 || year > 9999) return null;
  const monthDays = month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day < 1 || day > monthDays) return null;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  if (offset !== null && Math.abs(offset) >= 86400) return null;

  const local = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  // A naive datetime (offset null) is taken as UTC; timezone(timedelta(0)) is timezone.utc.
  return { seconds: local - (offset ?? 0), utc: !offset };
}

/**
 * The instant a date names, in whole seconds since the epoch, or `null` when
 * `email.utils.parsedate_to_datetime` would reject it. Accepts everything
 * `parseHttpDateTz` does; a date without a zone (or `-0000`) is taken as UTC,
 * and a date with an offset is converted to UTC. `decide()` uses
 * `parseHttpDateTz` instead, because CPython ignores If-Modified-Since dates
 * whose zone is not UTC.
 */
export function parseHttpDate(value: string): number | null {
  return parseHttpDateTz(value)?.seconds ?? null;
}

// ---- entity-tags (RFC 9110 §8.8.3) --------------------------------------------------

/** The opaque-tag of an entity-tag: the quoted part, without `W/`. */
function opaqueTag(etag: string): string {
  return etag.startsWith("W/") ? etag.slice(2) : etag;
}

/** etagc = %x21 / %x23-7E / obs-text */
function isEtagc(code: number): boolean {
  return code === 0x21 || (code >= 0x23 && code <= 0x7e) || (code >= 0x80 && code <= 0xff);
}

/**
 * Whether an If-None-Match value matches `etag` (§13.1.2, weak comparison).
 *
 *   If-None-Match = "*" / #entity-tag
 *   entity-tag    = [ weak ] opaque-tag
 *   weak          = %s"W/"
 *   opaque-tag    = DQUOTE *etagc DQUOTE
 *
 * Members are scanned, not split on commas, because etagc includes `,`.
 */
function ifNoneMatchMatches(value: string, etag: string): boolean {
  const v = trimOws(value);
  if (v === "*") return true;
  const ours = opaqueTag(etag);
  let i = 0;
  while (i < v.length) {
    if (isOws(v[i]) || v[i] === ",") {
      i++;
      continue;
    }
    if (v.startsWith("W/", i)) i += 2;
    if (v[i] !== '"') return false;
    const close = v.indexOf('"', i + 1);
    if (close === -1) return false;
    for (let k = i + 1; k < close; k++) if (!isEtagc(v.charCodeAt(k))) return false;
    const tag = v.slice(i, close + 1);
    i = close + 1;
    while (isOws(v[i])) i++;
    if (i < v.length && v[i] !== ",") return false; // `"tag" junk` is one malformed member
    if (tag === ours) return true;
  }
  return false;
}

// ---- the decision ---------------------------------------------------------------------

/** What a GET or HEAD of an existing regular file answers. */
export type Decision =
  /** 200 with the whole file. */
  | { kind: "full" }
  /** 304 Not Modified. */
  | { kind: "not-modified" }
  /** 206: one range → `Content-Range`; several (sorted, disjoint, non-adjacent) → multipart/byteranges. */
  | { kind: "partial"; ranges: Range[] }
  /** 416 with `Content-Range: bytes *\/size`. */
  | { kind: "unsatisfiable" };

const FULL: Decision = Object.freeze({ kind: "full" });
const NOT_MODIFIED: Decision = Object.freeze({ kind: "not-modified" });
const UNSATISFIABLE: Decision = Object.freeze({ kind: "unsatisfiable" });

/** The request headers `decide()` reads; `HTTPMessage` fits. */
export interface ConditionalHeaders {
  /** The first value of a field (case-insensitive), or `undefined`. */
  get(name: string): string | undefined;
  /** Whether the field is present, even with an empty value. */
  has(name: string): boolean;
}

/** Step 3: whether an If-Range value lets the Range field apply. */
function ifRangeHolds(value: string, v: FileValidators, nowMs: number): boolean {
  const ir = trimOws(value);
  // An entity-tag needs a strong match (§13.1.5); ours is weak, so none does.
  if (ir.startsWith('"') || ir.startsWith("W/")) return false;
  const date = parseHttpDateTz(ir);
  return (
    date !== null &&
    date.utc &&
    date.seconds === lastModifiedSeconds(v.mtimeMs) &&
    nowMs - v.mtimeMs >= STRONG_DATE_AGE_MS
  );
}

/**
 * Decides what a GET or HEAD of an existing regular file answers: the whole
 * file, 304, 206 with byte ranges, or 416. The rules, in order, are the
 * numbered steps in this file's header.
 *
 * Call it only when the answer would otherwise be 200 with the whole file.
 * Decisions are shared frozen objects for the bodiless kinds; do not mutate.
 *
 * @param method the request method, case-sensitive; only GET and HEAD are decided.
 * @param headers the request headers (`this.headers`).
 * @param v the file's size and mtime, from `fs.Stats`.
 * @param nowMs the current time in ms, for If-Range's strong-date test; defaults to `Date.now()`.
 */
export function decide(method: string, headers: ConditionalHeaders, v: FileValidators, nowMs: number = Date.now()): Decision {
  // 0.
  if (method !== "GET" && method !== "HEAD") return FULL;
  // 1. If-None-Match.
  if (headers.has("If-None-Match")) {
    if (ifNoneMatchMatches(headers.get("If-None-Match") ?? "", etagFor(v))) return NOT_MODIFIED;
  } else if (headers.has("If-Modified-Since")) {
    // 2. If-Modified-Since, CPython 3.14's rule.
    const ims = parseHttpDateTz(headers.get("If-Modified-Since") ?? "");
    if (ims !== null && ims.utc && lastModifiedSeconds(v.mtimeMs) <= ims.seconds) return NOT_MODIFIED;
  }
  // 3. Range present, and If-Range (if any) holds.
  const range = headers.get("Range");
  if (range === undefined) return FULL;
  const ifRange = headers.get("If-Range");
  if (ifRange !== undefined && !ifRangeHolds(ifRange, v, nowMs)) return FULL;
  // 4. Range.
  const specs = parseRange(range);
  if (specs === null) return FULL;
  const ranges = resolveRanges(specs, v.size);
  if (ranges === "ignore") return FULL;
  if (ranges === "unsatisfiable") return UNSATISFIABLE;
  return { kind: "partial", ranges };
}
