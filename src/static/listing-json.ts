/**
 * The machine-readable directory listing: `Accept: application/json` on a
 * directory's URL gets a JSON array of its entries instead of the HTML page.
 *
 * Strategy: `wantsJson()` is content negotiation reduced to the one question
 * asked (RFC 9110 §12.5.1): JSON is sent only when the client ranks
 * `application/json` above `text/html` — so a browser (`text/html,
 * …, *∕*;q=0.8`), curl (`*∕*`) or a request without `Accept` keeps the HTML
 * page, byte for byte. `renderJson()` writes the entries in the order and
 * under the rules of the HTML (the handler passes the same list).
 *
 * Each entry: `name` (decoded as the listing shows it; a byte that is not
 * UTF-8 appears as the lone surrogate U+DC80..U+DCFF, Python's
 * surrogateescape, written by JSON.stringify as a `\udcXX` escape), `type`
 * (`"directory"`, `"file"`, `"symlink"` for a link the server does not
 * follow, `"other"`), `size` (bytes, files only, else `null`), `mtime`
 * (RFC 3339 UTC, or `null`) and `href` (relative to the directory's URL,
 * quoted as the HTML links are; directories end in `/`).
 */

import type { DirEntry } from "./dir-entries.js";
import { quote } from "./url.js";

/**
 * The `q` of a media type under an Accept header's most specific matching
 * range (0 when none matches), and how specific that range is (2 exact,
 * 1 `type/*`, 0 `*∕*`, -1 none).
 */
function qualityOf(accept: string, type: string, subtype: string): [q: number, specificity: number] {
  let best = -1;
  let bestQ = 0;
  for (const part of accept.split(",")) {
    const [range, ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    if (range === undefined || range === "") continue;
    const slash = range.indexOf("/");
    if (slash === -1) continue;
    const t = range.slice(0, slash);
    const s = range.slice(slash + 1);
    let specificity: number;
    if (t === type && s === subtype) specificity = 2;
    else if (t === type && s === "*") specificity = 1;
    else if (t === "*" && s === "*") specificity = 0;
    else continue;
    let q = 1;
    for (const p of params) {
      const m = /^q\s*=\s*([0-9.]+)$/.exec(p);
      if (m !== null) q = Math.min(1, Math.max(0, Number(m[1]) || 0));
    }
    if (specificity > best) {
      best = specificity;
      bestQ = q;
    }
  }
  return [bestQ, best];
}

/**
 * Whether a request with this `Accept` header (or none) asks for the JSON
 * listing: `application/json` acceptable and ranked above `text/html` — by
 * `q`, or at equal `q` by naming JSON more specifically than HTML
 * (`application/json, *∕*` asks for JSON; `application/json, text/html`
 * keeps the page).
 */
export function wantsJson(accept: string | null | undefined): boolean {
  if (accept === null || accept === undefined || !/json/i.test(accept)) return false;
  const [jq, js] = qualityOf(accept, "application", "json");
  const [hq, hs] = qualityOf(accept, "text", "html");
  return jq > 0 && (jq > hq || (jq === hq && js > hs));
}

/** One entry as sent. */
export interface JsonEntry {
  name: string;
  type: DirEntry["type"];
  size: number | null;
  mtime: string | null;
  href: string;
}

/** An entry's JSON object. */
export function jsonEntry(entry: DirEntry): JsonEntry {
  const isDir = entry.type === "directory";
  return {
    name: entry.name,
    type: entry.type,
    size: entry.size,
    mtime: entry.mtimeMs === null || !Number.isFinite(entry.mtimeMs) ? null : new Date(entry.mtimeMs).toISOString(),
    href: quote(isDir ? entry.name + "/" : entry.name),
  };
}

/** The JSON listing of `entries` (already in display order), as UTF-8 bytes ending in a newline. */
export function renderJson(entries: readonly DirEntry[]): Buffer {
  return Buffer.from(JSON.stringify(entries.map(jsonEntry)) + "\n", "utf8");
}
