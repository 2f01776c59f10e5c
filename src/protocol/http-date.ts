/**
 * HTTP dates (RFC 9110 §5.6.7), written and read: the `Date` and
 * `Last-Modified` values the server sends, and the `If-Modified-Since` /
 * `If-Range` dates it reads.
 *
 * Strategy: writing is `email.utils.formatdate(timestamp, usegmt=True)`, an
 * IMF-fixdate (`Tue, 24 Nov 2026 02:27:20 GMT`), with a one-entry cache per
 * use (the current second; the last file timestamp). Reading is a port of
 * CPython's `email.utils.parsedate_to_datetime` (`_parsedate_tz` plus the
 * `datetime` range checks), as lenient as CPython's file server is, so that a
 * client sees the same 200 or 304 from both.
 */

import { pySplit } from "./request-line.js";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** CPython's `BaseHTTPRequestHandler.monthname` (index 0 unused). */
export const MONTHNAME: readonly (string | null)[] = [null, ...MONTHS];
/** CPython's `BaseHTTPRequestHandler.weekdayname`. */
export const WEEKDAYNAME: readonly string[] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

let httpSecond = -1;
let httpString = "";

/**
 * `date_time_string(timestamp)`: an IMF-fixdate (`Tue, 24 Nov 2026 02:27:20 GMT`),
 * as `email.utils.formatdate(timestamp, usegmt=True)`.
 * @param timestamp seconds since the epoch (fractions allowed); now when omitted.
 */
export function formatHttpDate(timestamp?: number | null): string {
  if (timestamp === undefined || timestamp === null) {
    const second = Math.floor(Date.now() / 1000);
    if (second !== httpSecond) {
      httpString = new Date(second * 1000).toUTCString();
      httpSecond = second;
    }
    return httpString;
  }
  // A file's Last-Modified: the same few timestamps again and again.
  const second = Math.floor(timestamp);
  if (second !== stampSecond) {
    stampString = new Date(second * 1000).toUTCString();
    stampSecond = second;
  }
  return stampString;
}

let stampSecond = NaN;
let stampString = "";

// ---- reading: a port of CPython's email._parseaddr._parsedate_tz ------------------

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
