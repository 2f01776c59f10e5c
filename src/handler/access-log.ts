/**
 * Extension (not in CPython): access log lines a log pipeline can read, and
 * the file they go to.
 *
 * Strategy: the handler keeps one `AccessRecord` per request (started when
 * the request line is read, completed when the response has been handed to
 * the socket, so the byte count and the duration are real) and formats it
 * here: `combined` is Apache's and nginx's combined format
 * (`%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"`), `json` one
 * object per line. The `python` format is not built here: it stays the
 * handler's own `log_request()` line. Lines go to stderr (the same sink as
 * `log_message()`), or with `access_log` are appended to that file through
 * a descriptor opened once and batched per turn of the event loop;
 * `reopenAccessLogs()` closes the descriptors so the next line reopens the
 * path (log rotation on SIGHUP).
 */

import { closeSync, openSync, writeSync } from "node:fs";
import { writeLog } from "../python/log-line.js";

/** The formats `log_format` / `--log-format` accept. */
export const LOG_FORMATS = ["python", "combined", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** What one request's access line says. */
export interface AccessRecord {
  /** The client address (after PROXY / forwarding headers). */
  client: string;
  /** When the request line arrived (ms since the epoch). */
  start: number;
  /** Milliseconds from the request line to the response handed to the socket. */
  duration: number;
  method: string;
  /** The request target as sent. */
  path: string;
  /** The HTTP version of the request (`HTTP/1.1`), or `""` for HTTP/0.9 and unparsed lines. */
  protocol: string;
  /** The request line as received (what Python's log shows). */
  requestline: string;
  status: number;
  /** Bytes of the response body sent (headers excluded). */
  bytes: number;
  referer: string | null;
  user_agent: string | null;
  request_id: string;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number, w = 2): string => String(Math.trunc(Math.abs(n))).padStart(w, "0");

/** Apache's `%t`: `[10/Oct/2000:13:55:36 -0700]`, local time. */
export function clfTime(ms: number): string {
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? "+" : "-";
  return `[${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${pad(off / 60)}${pad(off % 60)}]`;
}

/**
 * A value inside a quoted combined-log field: `"` and `\` escaped with a
 * backslash, control and non-ASCII bytes as `\xHH` (what nginx does), so one
 * request is always one parseable line.
 */
export function clfEscape(text: string): string {
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0").toUpperCase();
    else if (c > 0x7f) for (const b of Buffer.from(ch, "utf8")) out += "\\x" + b.toString(16).toUpperCase();
    else out += ch;
  }
  return out;
}

/** The combined format line (without the newline). */
export function formatCombined(r: AccessRecord): string {
  const bytes = r.bytes > 0 ? String(r.bytes) : "-";
  return (
    `${clfEscape(r.client) || "-"} - - ${clfTime(r.start)} "${clfEscape(r.requestline)}" ${r.status} ${bytes}` +
    ` "${clfEscape(r.referer ?? "-")}" "${clfEscape(r.user_agent ?? "-")}"`
  );
}

/** The JSON line (without the newline); non-ASCII escaped so the line is ASCII. */
export function formatJson(r: AccessRecord): string {
  const json = JSON.stringify({
    time: new Date(r.start).toISOString(),
    client: r.client,
    method: r.method,
    path: r.path,
    protocol: r.protocol,
    status: r.status,
    bytes: r.bytes,
    duration_ms: Math.round(r.duration * 1000) / 1000,
    referer: r.referer,
    user_agent: r.user_agent,
    request_id: r.request_id,
  });
  return json.replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

/** The line for `format` (`python` is not formatted here). */
export function formatAccess(format: Exclude<LogFormat, "python">, r: AccessRecord): string {
  return format === "json" ? formatJson(r) : formatCombined(r);
}

/** Open access log files, by path, with text waiting to be written. */
const files = new Map<string, { fd: number | null; pending: string }>();
let scheduled = false;

function flushFiles(): void {
  scheduled = false;
  for (const [path, f] of files) {
    if (f.pending === "") continue;
    const text = f.pending;
    f.pending = "";
    try {
      f.fd ??= openSync(path, "a", 0o644);
      writeSync(f.fd, text);
    } catch (e) {
      writeLog(`access log ${path}: ${(e as Error).message}\n`);
    }
  }
}

/** Appends `line` (with its newline) to the access log `path`, or to stderr when `path` is `null`. */
export function writeAccess(path: string | null, line: string): void {
  if (path === null) {
    writeLog(line);
    return;
  }
  let f = files.get(path);
  if (f === undefined) files.set(path, (f = { fd: null, pending: "" }));
  f.pending += line;
  if (f.pending.length >= 64 * 1024) flushFiles();
  else if (!scheduled) {
    scheduled = true;
    setImmediate(flushFiles);
  }
}

/** Writes what is pending and closes every access log; the next line reopens its path (SIGHUP). */
export function reopenAccessLogs(): void {
  flushFiles();
  for (const f of files.values()) {
    if (f.fd !== null) {
      try {
        closeSync(f.fd);
      } catch {
        // already gone
      }
      f.fd = null;
    }
  }
}

process.on("exit", flushFiles);
