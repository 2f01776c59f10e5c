/**
 * A CGI script's header block (RFC 3875 §6), read from the start of its
 * output when `cgi_parse_headers` is on: a pure parser, fed the bytes so far.
 *
 * Strategy: `Name: value` lines up to the first blank line, LF or CRLF; the
 * block is bounded (`MAX_CGI_HEADER_BYTES`), names must be RFC 9110 tokens
 * and values free of NUL, CR and LF, so a script cannot split or smuggle a
 * response. `Status:` sets the status line and `Location:` alone means 302
 * (§6.3.3); every other field is passed on as written. A malformed block is
 * reported as a string (the handler answers 502 and logs it).
 */

/** Largest header block read from a script when `cgi_parse_headers` is on. */
export const MAX_CGI_HEADER_BYTES = 64 * 1024;

/** A header name: RFC 9110 `token`. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The header block a script printed (`cgi_parse_headers`). */
export interface ScriptHead {
  status: number;
  reason: string | null;
  headers: [string, string][];
  /** Bytes after the blank line: the start of the body. */
  rest: Buffer;
}

/**
 * Parses a script's header block (RFC 3875 §6.2-6.3): `Name: value` lines up
 * to a blank line, LF or CRLF. `Status: NNN reason` sets the status;
 * `Location` without `Status` means 302. Returns `null` while the blank line
 * has not arrived, a string naming the defect if the block is malformed.
 */
export function parseScriptHead(buf: Buffer, ended: boolean): ScriptHead | string | null {
  const text = buf.toString("latin1");
  const m = /\r?\n\r?\n/.exec(text.startsWith("\n") || text.startsWith("\r\n") ? "\n" + text : text);
  if (m === null) {
    if (ended) return "the script's output ended before the blank line after its headers";
    if (buf.length > MAX_CGI_HEADER_BYTES) return "the script's headers are too large";
    return null;
  }
  const shift = text.startsWith("\n") || text.startsWith("\r\n") ? 1 : 0;
  const end = m.index - shift;
  const headers: [string, string][] = [];
  let status = 200;
  let reason: string | null = null;
  let hasStatus = false;
  let hasLocation = false;
  for (const line of end > 0 ? text.slice(0, end).split(/\r?\n/) : []) {
    const colon = line.indexOf(":");
    const name = colon === -1 ? "" : line.slice(0, colon);
    if (!TOKEN.test(name)) return `malformed header line from the script: ${JSON.stringify(line.slice(0, 80))}`;
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (/[\0\r\n]/.test(value)) return "malformed header value from the script";
    const lower = name.toLowerCase();
    if (lower === "status") {
      const s = /^([1-9][0-9]{2})(?:[ \t]+(.*))?$/.exec(value);
      if (s === null) return `malformed Status header from the script: ${JSON.stringify(value.slice(0, 80))}`;
      status = Number(s[1]);
      reason = s[2] !== undefined && s[2] !== "" ? s[2] : null;
      hasStatus = true;
      continue;
    }
    if (lower === "location") hasLocation = true;
    headers.push([name, value]);
  }
  if (hasLocation && !hasStatus) status = 302;
  return { status, reason, headers, rest: buf.subarray(end + m[0].length) };
}
