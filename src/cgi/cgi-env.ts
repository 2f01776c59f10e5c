/**
 * The environment and the argument list of a CGI script, as CPython 3.14's
 * `CGIHTTPRequestHandler.run_cgi()` builds them (RFC 3875 §4.1), as pure
 * functions so that every variable can be tested without running a script.
 *
 * Strategy: CPython copies the server's own environment (`os.environ`), sets
 * the CGI variables over it, and then gives six variables an empty value only
 * if they are still missing (`setdefault`). We do the same steps in the same
 * order, so a script sees what it would see under CPython, quirks included:
 * `CONTENT_TYPE` and `HTTP_ACCEPT` are always set, `AUTH_TYPE` comes from any
 * two-word `Authorization`, and `REMOTE_USER` only from Basic credentials
 * that decode as ASCII and hold exactly one `:`.
 */

import type { HTTPMessage } from "../protocol/headers.js";
import { unquoteReplace } from "./collapse-path.js";

/** What {@link buildCgiEnv} needs from the handler, the server and the request. */
export interface CgiRequest {
  /** The environment to start from: CPython's `os.environ` (`process.env`). */
  base: Readonly<Record<string, string | undefined>>;
  /** `self.version_string()`. */
  server_software: string;
  /** `self.server.server_name`. */
  server_name: string;
  /** `self.protocol_version` (the server's, not the request's). */
  protocol_version: string;
  /** `self.server.server_port`. */
  server_port: number;
  /** `self.command`. */
  command: string;
  /** What follows the script's name in the path, still percent-encoded (`/a%20b`). */
  rest: string;
  /** `self.translate_path()` of the decoded `rest`. */
  path_translated: string;
  /** `/cgi-bin/script.py`. */
  scriptname: string;
  /** The query, undecoded, without its `?`. */
  query: string;
  /** `self.client_address[0]`. */
  remote_addr: string;
  /** The request's headers. */
  headers: HTTPMessage;
}

// Python's str.split() with no argument: runs of whitespace, none at the ends.
// These are the characters below U+0100 that Python's str.isspace() accepts.
const PY_WHITESPACE = /[ \t\n\r\x0b\x0c\x1c-\x1f\x85\xa0]+/;

/** Python's `s.split()`. */
export function pySplit(s: string): string[] {
  return s.split(PY_WHITESPACE).filter((w) => w !== "");
}

const B64_VALUE = new Int8Array(128).fill(-1);
for (const [i, c] of [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"].entries()) B64_VALUE[c.charCodeAt(0)] = i;

/**
 * Python's `base64.decodebytes(s.encode("ascii")).decode("ascii")`, or `null`
 * where Python raises (`binascii.Error`, `UnicodeError`): characters outside
 * the base64 alphabet are skipped, decoding stops once a quantum's padding is
 * complete, and a final quantum of one character or with too little padding
 * is "Incorrect padding".
 */
export function decodeBase64Ascii(s: string): string | null {
  const bytes: number[] = [];
  let acc = 0;
  let quad = 0;
  let pads = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c > 0x7f) return null; // .encode("ascii") fails
    if (ch === "=") {
      if (quad >= 2 && quad + ++pads >= 4) {
        quad = 0; // a complete, padded quantum: the data ends here
        break;
      }
      continue;
    }
    const v = B64_VALUE[c]!;
    if (v < 0) continue; // not in the alphabet: skipped (non-strict mode)
    pads = 0;
    acc = (acc << 6) | v;
    quad++;
    if (quad === 2) bytes.push((acc >> 4) & 0xff);
    else if (quad === 3) bytes.push((acc >> 2) & 0xff);
    else if (quad === 4) {
      bytes.push(acc & 0xff);
      quad = 0;
      acc = 0;
    }
  }
  if (quad !== 0) return null; // Incorrect padding (or a lone excess character)
  if (bytes.some((b) => b > 0x7f)) return null; // .decode("ascii") fails
  return String.fromCharCode(...bytes);
}

/**
 * The environment of one script run, as CPython builds it: `base` copied,
 * then `SERVER_SOFTWARE`, `SERVER_NAME`, `GATEWAY_INTERFACE`,
 * `SERVER_PROTOCOL`, `SERVER_PORT`, `REQUEST_METHOD`, `PATH_INFO`,
 * `PATH_TRANSLATED`, `SCRIPT_NAME`, `QUERY_STRING`, `REMOTE_ADDR`,
 * `AUTH_TYPE` / `REMOTE_USER`, `CONTENT_TYPE`, `CONTENT_LENGTH`,
 * `HTTP_REFERER`, `HTTP_ACCEPT`, `HTTP_USER_AGENT`, `HTTP_COOKIE` set, and
 * `QUERY_STRING`, `REMOTE_HOST`, `CONTENT_LENGTH`, `HTTP_USER_AGENT`,
 * `HTTP_COOKIE`, `HTTP_REFERER` defaulted to `""` when still missing.
 */
export function buildCgiEnv(r: CgiRequest): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.base)) if (v !== undefined) env[k] = v;
  env["SERVER_SOFTWARE"] = r.server_software;
  env["SERVER_NAME"] = r.server_name;
  env["GATEWAY_INTERFACE"] = "CGI/1.1";
  env["SERVER_PROTOCOL"] = r.protocol_version;
  env["SERVER_PORT"] = String(r.server_port);
  env["REQUEST_METHOD"] = r.command;
  env["PATH_INFO"] = unquoteReplace(r.rest);
  env["PATH_TRANSLATED"] = r.path_translated;
  env["SCRIPT_NAME"] = r.scriptname;
  env["QUERY_STRING"] = r.query;
  env["REMOTE_ADDR"] = r.remote_addr;
  const h = r.headers;
  const authorization = h.get("authorization");
  if (authorization) {
    const words = pySplit(authorization);
    if (words.length === 2) {
      env["AUTH_TYPE"] = words[0]!;
      if (words[0]!.toLowerCase() === "basic") {
        const decoded = decodeBase64Ascii(words[1]!);
        if (decoded !== null) {
          const parts = decoded.split(":");
          if (parts.length === 2) env["REMOTE_USER"] = parts[0]!;
        }
      }
    }
  }
  // XXX REMOTE_IDENT (as in CPython: not provided)
  const contentType = h.get("content-type");
  env["CONTENT_TYPE"] = contentType === undefined ? h.get_content_type() : contentType;
  const length = h.get("content-length");
  if (length) env["CONTENT_LENGTH"] = length;
  const referer = h.get("referer");
  if (referer) env["HTTP_REFERER"] = referer;
  env["HTTP_ACCEPT"] = h.get_all("accept", [] as string[]).join(",");
  const ua = h.get("user-agent");
  if (ua) env["HTTP_USER_AGENT"] = ua;
  const cookie = h.get_all("cookie", [] as string[]).filter((c) => c !== "").join(", ");
  if (cookie) env["HTTP_COOKIE"] = cookie;
  // CPython: "provide empty values to override previously set values" —
  // though setdefault() only fills in variables that are still missing.
  for (const k of ["QUERY_STRING", "REMOTE_HOST", "CONTENT_LENGTH", "HTTP_USER_AGENT", "HTTP_COOKIE", "HTTP_REFERER"]) {
    if (!(k in env)) env[k] = "";
  }
  return env;
}

/**
 * The script's arguments after `argv[0]`: CPython passes the query, with `+`
 * turned into spaces and nothing else decoded, as one argument when it holds
 * no `=` (the old ISINDEX convention), so a request without any query passes
 * one empty argument.
 */
export function cgiArgs(query: string): string[] {
  const decoded = query.replace(/\+/g, " ");
  return decoded.includes("=") ? [] : [decoded];
}
