/**
 * The response head's text checks and the two process-wide caches that make
 * a repeated head cheap: the `Server` + `Date` lines of `send_response()`,
 * and the bytes of the last head flushed.
 *
 * Strategy: most responses of a server repeat the previous one's head (same
 * status, headers and `Date` second), so both caches hold one entry: the
 * `Server`/`Date` block is rebuilt when the second or the version strings
 * change, and the head's bytes are reused when its text is the same. Cached
 * bytes are handed only to our own writer, which never writes into a buffer
 * it is given.
 */

import { formatHttpDate } from "../protocol/http-date.js";
import { pyRepr } from "../python/repr.js";

const EMPTY = Buffer.alloc(0);
// Header text must be ISO-8859-1 and must not carry CR or LF (header injection;
// docs/api-contract.md §4).
const UNSAFE_HEADER_TEXT = /[\r\n]|[^\x00-\xff]/;

/**
 * Throws when `text` cannot go into a head: CR or LF (TypeError), or a
 * character outside ISO-8859-1 (RangeError).
 * @param what names the text in the message ("a header value").
 */
export function checkHeaderText(what: string, text: string): void {
  // A byte loop: several calls per response, on short strings, where a
  // RegExp call costs more than the scan.
  let safe = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d || c > 0xff) {
      safe = false;
      break;
    }
  }
  if (safe || !UNSAFE_HEADER_TEXT.test(text)) return;
  if (/[\r\n]/.test(text)) throw new TypeError(`${what} must not contain CR or LF: ${pyRepr(text)}`);
  throw new RangeError(`${what} is not ISO-8859-1 (latin-1): ${pyRepr(text)}`);
}

/** send_response()'s `Server` and `Date` lines, for the second and versions they were built for. */
let block = "";
let blockServer = "";
let blockSys = "";
let blockDate = "";

/**
 * `Server: <server> <sys>\r\nDate: <now>\r\n`, as `send_header()` would
 * buffer them, built once per second (and per pair of version strings).
 */
export function serverDateBlock(server: string, sys: string): string {
  const date = formatHttpDate();
  if (date !== blockDate || server !== blockServer || sys !== blockSys) {
    const version = server + " " + sys;
    checkHeaderText("a header value", version);
    blockServer = server;
    blockSys = sys;
    blockDate = date;
    block = `Server: ${version}\r\nDate: ${date}\r\n`;
  }
  return block;
}

/** The last head flushed, as text and as bytes. */
let lastHeadText = "";
let lastHead: Buffer = EMPTY;

/**
 * The head's bytes (ISO-8859-1); the previous call's Buffer when `text` is
 * the same. Only for a writer that never writes into a buffer it is given.
 */
export function headBytes(text: string): Buffer {
  if (text === lastHeadText) return lastHead;
  const head = Buffer.from(text, "latin1");
  lastHeadText = text;
  lastHead = head;
  return head;
}
