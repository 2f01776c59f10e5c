/**
 * Python's log lines: CPython's control-character escaping, its local
 * `log_date_time_string()` and the buffered sink that carries log lines to
 * stderr, shared by the handler (`log_message`) and the servers
 * (`handle_error`).
 *
 * Strategy: the date string changes once a second, so it is cached for its
 * second. Log lines go to stderr through one buffer flushed on the next turn
 * of the event loop (or at 64 KiB, or at exit): a synchronous write per line
 * would cost a syscall per request.
 */

import { writeSync } from "node:fs";
import { pyFormat } from "./format.js";

/** `log_request()`'s format: `"%s" %s %s`. */
export const REQUEST_LOG_FORMAT = '"%s" %s %s';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * `log_message()`'s message, formatted and escaped. `log_request()`'s line
 * has its three parts escaped one by one (the same text: escaping goes
 * character by character, and the quotes and spaces need none), so the
 * request line, the same string request after request, hits the memory of
 * {@link escapeControl} without the whole line being built and compared first.
 */
export function logMessageText(format: string, args: readonly unknown[]): string {
  if (format === REQUEST_LOG_FORMAT && args.length === 3) {
    const [line, code, size] = args;
    if (typeof line === "string" && typeof code === "string" && typeof size === "string") {
      return `"${escapeControl(line)}" ${escapePart(code)} ${escapePart(size)}`;
    }
  }
  return escapeControl(formatLogMessage(format, args));
}

/** {@link escapeControl} for a short part, leaving its one-entry memory to the request line. */
function escapePart(s: string): string {
  return HAS_CONTROL.test(s) ? escapeControl(s) : s;
}

/**
 * `log_message(format, *args)`'s message: `format % args`, where a single
 * plain-object argument is the mapping of a `%(key)s` format, as in Python.
 */
export function formatLogMessage(format: string, args: readonly unknown[]): string {
  if (format === REQUEST_LOG_FORMAT && args.length === 3 && args.every((a) => typeof a === "string")) {
    // log_request()'s line, once per request: the same text pyFormat gives, without it.
    return `"${args[0] as string}" ${args[1] as string} ${args[2] as string}`;
  }
  const values = args.length === 1 && isPlainObject(args[0]) && format.includes("%(") ? args[0] : args;
  return pyFormat(format, values);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// CPython's `_control_char_table`: C0, DEL and C1 become \xHH, "\" becomes "\\".
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f\\]/g;
// eslint-disable-next-line no-control-regex
const HAS_CONTROL = /[\x00-\x1f\x7f-\x9f\\]/;

/** The last message found to need no escaping. */
let lastPlain = "";

/** Escapes control characters as CPython 3.12+ does in `log_message`. */
export function escapeControl(message: string): string {
  // Log lines repeat (the same request line, status and size): one entry of memory.
  if (message === lastPlain) return message;
  if (!HAS_CONTROL.test(message)) {
    lastPlain = message;
    return message;
  }
  return message.replace(CONTROL, (c) => (c === "\\" ? "\\\\" : "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0")));
}

const pad2 = (n: number): string => (n < 10 ? "0" + n : String(n));

let logSecond = -1;
let logString = "";

/** `log_date_time_string()`: the local time as `23/Nov/2026 10:00:00`. */
export function logDateTimeString(nowMs = Date.now()): string {
  const second = Math.floor(nowMs / 1000);
  if (second === logSecond) return logString;
  const d = new Date(second * 1000);
  logString =
    `${pad2(d.getDate())}/${MONTHS[d.getMonth()]}/${String(d.getFullYear()).padStart(4, "0")} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  logSecond = second;
  return logString;
}

const SINK_LIMIT = 64 * 1024;
let pending = "";
let scheduled = false;

function flushLog(): void {
  scheduled = false;
  if (pending === "") return;
  const text = pending;
  pending = "";
  process.stderr.write(text);
}

process.on("exit", () => {
  if (pending !== "") {
    try {
      writeSync(2, pending);
    } catch {
      // stderr is gone; nothing left to tell.
    }
    pending = "";
  }
});

/** Queues text for stderr; it is written on the next turn of the event loop. */
export function writeLog(text: string): void {
  pending += text;
  if (pending.length >= SINK_LIMIT) flushLog();
  else if (!scheduled) {
    scheduled = true;
    setImmediate(flushLog);
  }
}
