/**
 * Helpers for running CPython's file server (`python3 -m http.server`) and our
 * `SimpleHTTPRequestHandler` side by side on the same directory, and for
 * turning both transcripts into comparable text.
 *
 * Strategy: the raw bytes of each side are split into responses by their own
 * framing (`parseResponses`: no body for HEAD, 1xx, 204 and 304). Then the
 * differences that are ours by design are taken out of OUR responses by
 * `normaliseOurs`, and each such step first asserts the exact form the
 * difference must have, so a normalisation can never hide a bug:
 *
 *   (a) `ETag` and `Accept-Ranges` (extensions): right after `Last-Modified`,
 *       `ETag: W/"<size hex>-<mtime ms hex>"` and `Accept-Ranges: bytes`;
 *       on a 304, `ETag` after `Date`.
 *   (b) `; charset=utf-8` appended to the Content-type of text files
 *       (extension): only on file responses and only after a text type.
 *   (c) the 3.14 `color-scheme` style block: in every error page (indented)
 *       and every directory listing (flush left), at its exact place;
 *       `Content-Length` must count it (for HEAD too) and is recomputed.
 *
 * On CPython's side `normalisePython` applies (f): reason phrases renamed in
 * 3.13 (`phrasesTo314`). What is left must be equal: status line, header
 * names in order, values (`Date` and `Server` checked for shape, then
 * masked), and the body byte for byte (`renderResponses` shows a large body
 * as its length and SHA-256).
 */

import { createHash } from "node:crypto";
import assert from "node:assert/strict";
import { parseTranscript, phrasesTo314, spawnPython, STYLE_BLOCK, type Response } from "./side-by-side.js";

// ---- CPython's file server ----------------------------------------------------

/** A running `python3 -m http.server`. */
export interface PythonFileServer {
  port: number;
  /** Its stderr (the log), complete lines. */
  lines: string[];
  /** Kills the child (SIGKILL) and resolves once it has exited. */
  close(): Promise<void>;
}

/**
 * Starts `python3 -u -m http.server --protocol HTTP/1.1 --bind 127.0.0.1 0`
 * in `directory` (port 0: the banner names the real port) and resolves once
 * it listens.
 */
export function startPythonFileServer(directory: string, protocol = "HTTP/1.1"): Promise<PythonFileServer> {
  const args = ["-m", "http.server", "--protocol", protocol, "--bind", "127.0.0.1", "--directory", directory, "0"];
  // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
  return spawnPython(args, (out) => {
    const m = /port (\d+) /.exec(out);
    return m === null ? null : Number(m[1]);
  }, directory);
}

// ---- transcripts ------------------------------------------------------------

/** One response (the side-by-side harness's); `statusLine` is `null` for a bare HTTP/0.9 body. */
export type Resp = Response;

/** The value of the first header named `name` (case-insensitive). */
export function header(r: Resp, name: string): string | undefined {
  const lower = name.toLowerCase();
  return r.headers.find(([n]) => n.toLowerCase() === lower)?.[1];
}

/** Splits raw bytes into responses by their own framing (`parseTranscript`). */
export function parseResponses(raw: Buffer, head = false): Resp[] {
  return parseTranscript(raw, { head });
}

/** `until` for a keep-alive step: `n` complete responses have arrived. */
export function responsesArrived(n: number, head = false): (received: Buffer) => boolean {
  return (received) => {
    const rs = parseResponses(received, head);
    return rs.length >= n && rs.slice(0, n).every((r) => r.complete && r.statusLine !== null);
  };
}

// ---- normalisations -----------------------------------------------------------

/** The 3.14 style block of a directory listing (flush left; the error page's is indented: STYLE_BLOCK). */
export const LISTING_STYLE = '<style type="text/css">\n:root {\ncolor-scheme: light dark;\n}\n</style>\n';

/** What precedes the style block in a listing. */
const LISTING_HEAD = '<!DOCTYPE HTML>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n';

/** What precedes the style block in an error page. */
const ERROR_HEAD = '<!DOCTYPE HTML>\n<html lang="en">\n    <head>\n        <meta charset="utf-8">\n';

/** Media types whose files get `; charset=utf-8` from us (b). */
const TEXT_TYPE = /^(?:text\/[a-z0-9.+-]+|application\/(?:json|javascript|xml)|[a-z]+\/[a-z0-9.-]+\+(?:json|xml))$/;

/** Our ETag for a file of `size` bytes and mtime `mtimeMs`. */
export function expectedEtag(size: number, mtimeMs: number): string {
  return `W/"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`;
}

function copy(r: Resp): Resp {
  return { ...r, headers: r.headers.map(([n, v]): [string, string] => [n, v]) };
}

function setHeader(r: Resp, name: string, value: string): void {
  const h = r.headers.find(([n]) => n.toLowerCase() === name.toLowerCase());
  if (h !== undefined) h[1] = value;
}

/**
 * Our responses as CPython 3.14 without our extensions would send them:
 * (a), (b) and (c) of the file comment, each asserted before it is removed.
 *
 * @param mtimeMs the mtime every served file has (the fixture's), for (a).
 * @param head the responses answer HEAD (no bodies).
 */
export function normaliseOurs(rs: Resp[], mtimeMs: number, head = false): Resp[] {
  return rs.map((orig, i) => {
    const r = copy(orig);
    const where = `our response #${i + 1} (${r.statusLine})`;
    const names = r.headers.map(([n]) => n);
    // (a) ETag and Accept-Ranges.
    const lm = names.indexOf("Last-Modified");
    if (lm !== -1) {
      assert.deepEqual(names.slice(lm + 1, lm + 3), ["ETag", "Accept-Ranges"], `${where}: (a) ETag, Accept-Ranges follow Last-Modified`);
      const size = Number(header(r, "Content-Length"));
      if (r.status === 200) assert.equal(r.headers[lm + 1]![1], expectedEtag(size, mtimeMs), `${where}: (a) ETag`);
      assert.equal(r.headers[lm + 2]![1], "bytes", `${where}: (a) Accept-Ranges`);
      r.headers.splice(lm + 1, 2);
      // (b) charset on text files (a file response is one with Last-Modified).
      const ct = r.headers.find(([n]) => n === "Content-type");
      assert.ok(ct !== undefined, `${where}: Content-type`);
      const m = /^(.*); charset=utf-8$/.exec(ct[1]);
      if (m !== null) {
        assert.match(m[1]!, TEXT_TYPE, `${where}: (b) charset only after a text type`);
        ct[1] = m[1]!;
      } else {
        assert.doesNotMatch(ct[1], TEXT_TYPE, `${where}: (b) a text type gets "; charset=utf-8"`);
      }
    }
    if (r.status === 304) {
      assert.deepEqual(names, ["Server", "Date", "ETag"], `${where}: (a) a 304 carries the ETag`);
      assert.match(r.headers[2]![1], new RegExp(`^W/"[0-9a-f]+-${Math.floor(mtimeMs).toString(16)}"$`), `${where}: (a) ETag`);
      r.headers.splice(2, 1);
    }
    // (c) the 3.14 style block.
    const isError = r.status === null ? r.body.includes("<title>Error response</title>") : r.status >= 400;
    const isListing =
      r.status === null
        ? r.body.toString("latin1").startsWith(LISTING_HEAD)
        : r.status === 200 && lm === -1 && header(r, "Content-type") === "text/html; charset=utf-8";
    const style = isError ? STYLE_BLOCK : isListing ? LISTING_STYLE : null;
    if (style !== null) {
      const length = header(r, "Content-Length");
      if (head && r.statusLine !== null) {
        assert.ok(length !== undefined, `${where}: Content-Length`);
        setHeader(r, "Content-Length", String(Number(length) - style.length));
      } else {
        const text = r.body.toString("latin1");
        const before = isError ? ERROR_HEAD : LISTING_HEAD;
        assert.ok(text.startsWith(before + style), `${where}: (c) the 3.14 style block at its place:\n${text.slice(0, 400)}`);
        if (r.statusLine !== null) assert.equal(Number(length), r.body.length, `${where}: Content-Length counts the body`);
        r.body = Buffer.concat([r.body.subarray(0, before.length), r.body.subarray(before.length + style.length)]);
        if (r.statusLine !== null) setHeader(r, "Content-Length", String(r.body.length));
      }
    }
    return r;
  });
}

/** CPython 3.11's responses as 3.14 would word them: (f) reason phrases. */
export function normalisePython(rs: Resp[]): Resp[] {
  return rs.map((orig) => {
    const r = copy(orig);
    if (r.statusLine !== null) r.statusLine = phrasesTo314(r.statusLine);
    if (r.status !== null && r.status >= 400) {
      const fixed = Buffer.from(phrasesTo314(r.body.toString("latin1")), "latin1");
      if (!fixed.equals(r.body)) {
        r.body = fixed;
        setHeader(r, "Content-Length", String(fixed.length));
      }
    }
    return r;
  });
}

/** Bodies longer than this are rendered as their length and hash. */
const SHOW_BODY = 4096;

const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/;

/**
 * Renders responses as text for `assert.equal`: status line, headers in
 * order (`Date` checked as an IMF-fixdate and `Server` against `server`,
 * then both masked), a blank line, the body (latin-1, or length and SHA-256
 * when large), and a mark when a body did not all arrive.
 */
export function renderResponses(rs: Resp[], server: RegExp): string {
  let s = "";
  for (const r of rs) {
    if (r.statusLine !== null) {
      s += r.statusLine + "\r\n";
      for (const [name, value] of r.headers) {
        let v = value;
        if (name === "Date") {
          assert.match(value, IMF_FIXDATE, "Date is an IMF-fixdate");
          v = "<date>";
        } else if (name === "Server") {
          assert.match(value, server, "Server");
          v = "<server>";
        }
        s += `${name}: ${v}\r\n`;
      }
      s += "\r\n";
    }
    s +=
      r.body.length > SHOW_BODY
        ? `<<${r.body.length} bytes, sha256 ${createHash("sha256").update(r.body).digest("hex")}>>`
        : r.body.toString("latin1");
    if (!r.complete) s += `<<incomplete: ${r.body.length} bytes arrived>>`;
  }
  return s;
}

/** `Server` of CPython 3.11's `-m http.server`. */
export const PYTHON_SERVER = /^SimpleHTTP\/0\.6 Python\/3\.\d+\.\d+\S*$/;

/** Our `Server`: `SimpleHTTP/0.6` and the runtime. */
export const OUR_SERVER = new RegExp(`^SimpleHTTP/0\\.6 Node\\.js/${process.versions.node.replace(/\./g, "\\.")}$`);
