/**
 * The rich directory listing (`--listing rich`): a table people like to use,
 * on a laptop or a phone, with or without JavaScript.
 *
 * Strategy: pure functions over `DirEntry` values (see dir-entries.ts); the
 * handler does the I/O. `parseSort()` reads `?sort=…&order=…`,
 * `sortRich()` orders folders first then by the chosen column (ties by
 * name), and `renderRich()` writes one self-contained page:
 *
 * - a breadcrumb from the listing's base URL (`/`, or a share link's
 *   prefix) to here, and a parent link;
 * - a table of name, size (human-readable, exact bytes in `title`),
 *   modification time (UTC, ISO 8601, exact in a `<time datetime>`), type;
 *   each column header is a plain link (`?sort=size&order=desc`), so sorting
 *   works without JavaScript;
 * - a filter box, hidden until the small inline script shows it
 *   (progressive: without JavaScript the page simply has none);
 * - a viewport meta tag and a layout that drops the type and time columns
 *   on narrow screens; light and dark colours (`prefers-color-scheme`);
 * - an upload form (the team's convention: multipart POST to the
 *   directory's own URL, field `file`) when uploads are on, archive links
 *   when archives are on, and a QR code (SVG) when one is given.
 *
 * Every name is escaped for HTML text and attributes (`&<>"'`); a name whose
 * bytes are not UTF-8 is shown with U+FFFD in place of each bad byte, and
 * linked by the same `quote()` as CPython's listing, which the server's own
 * path decoding turns back into the name's bytes.
 */

import type { DirEntry } from "./dir-entries.js";
import { quote, unquote } from "./url.js";

/** Columns the listing can be sorted by. */
export type SortKey = "name" | "size" | "mtime" | "type";
/** Sort direction. */
export type SortOrder = "asc" | "desc";
/** A sort choice. */
export interface SortSpec {
  key: SortKey;
  order: SortOrder;
}

const SORT_KEYS: readonly SortKey[] = ["name", "size", "mtime", "type"];

/**
 * The sort asked for by a query string (`sort=size&order=desc`); unknown or
 * missing values fall back to name, ascending.
 */
export function parseSort(query: string): SortSpec {
  const params = new URLSearchParams(query);
  const key = params.get("sort");
  const order = params.get("order");
  return {
    key: SORT_KEYS.includes(key as SortKey) ? (key as SortKey) : "name",
    order: order === "desc" ? "desc" : "asc",
  };
}

/** Case-insensitive name order by code point, then the exact name (total and deterministic). */
function compareNames(a: DirEntry, b: DirEntry): number {
  const la = a.name.toLowerCase();
  const lb = b.name.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The type column's text, also its sort key. */
export function typeLabel(entry: DirEntry): string {
  switch (entry.type) {
    case "directory":
      return "folder";
    case "symlink":
      return "link";
    case "other":
      return "special";
    case "file": {
      const dot = entry.name.lastIndexOf(".");
      return dot > 0 && dot < entry.name.length - 1 ? entry.name.slice(dot + 1).toLowerCase() : "file";
    }
  }
}

function compareBy(key: SortKey, a: DirEntry, b: DirEntry): number {
  switch (key) {
    case "name":
      return 0;
    case "size":
      return (a.size ?? -1) - (b.size ?? -1);
    case "mtime":
      return (a.mtimeMs ?? -1) - (b.mtimeMs ?? -1);
    case "type": {
      const ta = typeLabel(a);
      const tb = typeLabel(b);
      return ta < tb ? -1 : ta > tb ? 1 : 0;
    }
  }
}

/**
 * Orders entries for the rich and JSON listings: folders first (in either
 * direction), then by `spec.key` in `spec.order`, ties by name in the same
 * direction. Returns a new array.
 */
export function sortRich(entries: readonly DirEntry[], spec: SortSpec): DirEntry[] {
  const sign = spec.order === "desc" ? -1 : 1;
  return [...entries].sort((a, b) => {
    const da = a.type === "directory" ? 0 : 1;
    const db = b.type === "directory" ? 0 : 1;
    if (da !== db) return da - db;
    return sign * (compareBy(spec.key, a, b) || compareNames(a, b));
  });
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** `1536` → `"1.5 KiB"`: binary units, one decimal below 10, none above. */
export function humanSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} B`;
  const shown = value < 10 ? (Math.floor(value * 10) / 10).toFixed(1) : String(Math.floor(value));
  return `${shown} ${UNITS[unit]}`;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" };

/**
 * Escapes text for HTML content and quoted attributes (Python's
 * `html.escape(s, quote=True)`), after replacing each lone surrogate (a byte
 * of a name that is not UTF-8) with U+FFFD.
 */
export function escapeHtml(s: string): string {
  return s.replace(/[\uD800-\uDFFF]/gu, "\uFFFD").replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** `2026-12-04 16:10` (UTC) and its full ISO form, or empty strings. */
function formatTime(ms: number | null): { short: string; iso: string } {
  if (ms === null || !Number.isFinite(ms)) return { short: "", iso: "" };
  const iso = new Date(ms).toISOString();
  return { short: `${iso.slice(0, 10)} ${iso.slice(11, 16)}`, iso };
}

/** What the page needs besides the entries. */
export interface RichPage {
  /** The raw request path (`self.path`), query and fragment included. */
  requestPath: string;
  /** The URL path the served directory appears at: `/`, or `/<prefix>/` for a share link. */
  base: string;
  /** Entries in display order (see `sortRich()`). */
  entries: readonly DirEntry[];
  sort: SortSpec;
  /** Show the upload form. */
  uploads: boolean;
  /** Show archive download links. */
  archives: boolean;
  /** An SVG QR code to show, or `null`. */
  qrSvg: string | null;
}

/** The request path's segments below `base`, decoded, without empty ones. */
export function pathSegments(requestPath: string, base: string): string[] {
  let p = requestPath;
  const cut = p.search(/[?#]/);
  if (cut !== -1) p = p.slice(0, cut);
  if (p.startsWith(base)) p = p.slice(base.length);
  else if (p + "/" === base) p = "";
  return p
    .split("/")
    .filter((s) => s !== "")
    .map((s) => unquote(s));
}

const STYLE = `:root{color-scheme:light dark;--bg:#fff;--fg:#1d1d1f;--muted:#6e6e73;--line:#e5e5ea;--hover:#f2f2f7;--link:#0b57d0}
@media (prefers-color-scheme:dark){:root{--bg:#161618;--fg:#ececf1;--muted:#9a9aa2;--line:#2c2c30;--hover:#222226;--link:#8ab4f8}}
*{box-sizing:border-box}body{margin:0;padding:1rem;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin-bottom:.75rem}
h1{font-size:1.15rem;margin:0;word-break:break-all}h1 .sep{color:var(--muted);padding:0 .15rem}
.tools{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.5rem 0}
.tools input[type=search]{padding:.35rem .5rem;font:inherit;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg);min-width:12rem}
table{width:100%;border-collapse:collapse}th,td{padding:.4rem .5rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-weight:600;white-space:nowrap}th a{color:var(--fg)}tbody tr:hover{background:var(--hover)}
td.name{word-break:break-all}td.size,th.size{text-align:right;white-space:nowrap}td.mtime,td.type{white-space:nowrap;color:var(--muted)}
.dl{font-size:.8rem;margin-left:.5rem}.muted{color:var(--muted)}
form.upload{margin:.75rem 0;padding:.5rem;border:1px dashed var(--line);border-radius:6px}
details.qr svg{width:12rem;height:12rem;background:#fff;padding:.5rem}
@media (max-width:600px){th.mtime,td.mtime,th.type,td.type{display:none}body{padding:.5rem}}`;

/** Filters rows by name as the user types; the box stays hidden without JavaScript. */
const SCRIPT = `(function(){var f=document.getElementById("filter");if(!f)return;f.hidden=false;
var rows=document.querySelectorAll("tbody tr[data-name]");f.addEventListener("input",function(){
var q=f.value.toLowerCase();for(var i=0;i<rows.length;i++){var r=rows[i];
r.hidden=q!==""&&r.getAttribute("data-name").toLowerCase().indexOf(q)===-1;}});})();`;

const COLUMNS: readonly [SortKey, string][] = [
  ["name", "Name"],
  ["size", "Size"],
  ["mtime", "Modified"],
  ["type", "Type"],
];

/** A column header: a link that sorts by it, toggling the order when it is the current column. */
function header(key: SortKey, label: string, sort: SortSpec): string {
  const current = sort.key === key;
  const next: SortOrder = current && sort.order === "asc" ? "desc" : "asc";
  const arrow = current ? (sort.order === "asc" ? " ▲" : " ▼") : "";
  const aria = current ? ` aria-sort="${sort.order === "asc" ? "ascending" : "descending"}"` : "";
  return `<th class="${key}"${aria}><a href="?sort=${key}&amp;order=${next}">${label}${arrow}</a></th>`;
}

/** One table row. */
function row(entry: DirEntry, archives: boolean): string {
  const isDir = entry.type === "directory";
  const href = quote(isDir ? entry.name + "/" : entry.name);
  const shown = escapeHtml(entry.name) + (isDir ? "/" : "") + (entry.isSymlink ? '<span class="muted"> ↪</span>' : "");
  const link = entry.type === "symlink" ? `<span class="muted">${shown}</span>` : `<a href="${escapeHtml(href)}">${shown}</a>`;
  const dl = isDir && archives ? `<a class="dl" href="${escapeHtml(href)}?download=zip" download>zip</a>` : "";
  const size =
    entry.size === null ? "<td class=\"size\"></td>" : `<td class="size" title="${entry.size} bytes">${humanSize(entry.size)}</td>`;
  const t = formatTime(entry.mtimeMs);
  const mtime = t.iso === "" ? '<td class="mtime"></td>' : `<td class="mtime"><time datetime="${t.iso}">${t.short}</time></td>`;
  return (
    `<tr data-name="${escapeHtml(entry.name)}"><td class="name">${link}${dl}</td>${size}${mtime}` +
    `<td class="type">${escapeHtml(typeLabel(entry))}</td></tr>\n`
  );
}

/** The breadcrumb: the base, then one link per segment. */
function breadcrumb(segments: readonly string[], base: string): string {
  let href = base;
  let html = `<a href="${escapeHtml(base)}">Home</a>`;
  for (const s of segments) {
    href += quote(s) + "/";
    html += `<span class="sep">/</span><a href="${escapeHtml(href)}">${escapeHtml(s)}</a>`;
  }
  return html;
}

/** The rich listing page, as UTF-8 bytes. */
export function renderRich(page: RichPage): Buffer {
  const segments = pathSegments(page.requestPath, page.base);
  const title = "Index of /" + segments.map((s) => s + "/").join("");
  let html =
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${escapeHtml(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n` +
    `<header><h1>${breadcrumb(segments, page.base)}</h1></header>\n<div class="tools">`;
  if (segments.length > 0) html += '<a href="../" rel="up">⬑ Parent folder</a>';
  html += '<input type="search" id="filter" placeholder="Filter names" aria-label="Filter names" hidden>';
  if (page.archives) {
    html +=
      '<span>Download this folder: <a href="?download=zip" download>zip</a> · ' +
      '<a href="?download=tar" download>tar</a> · <a href="?download=tar.gz" download>tar.gz</a></span>';
  }
  html += "</div>\n";
  if (page.uploads) {
    html +=
      '<form class="upload" method="post" enctype="multipart/form-data" action="">' +
      '<input type="file" name="file" multiple required> <button type="submit">Upload</button></form>\n';
  }
  html += "<table>\n<thead><tr>";
  for (const [key, label] of COLUMNS) html += header(key, label, page.sort);
  html += "</tr></thead>\n<tbody>\n";
  for (const entry of page.entries) html += row(entry, page.archives);
  if (page.entries.length === 0) html += '<tr><td colspan="4" class="muted">This folder is empty.</td></tr>\n';
  html += "</tbody>\n</table>\n";
  if (page.qrSvg !== null) html += `<details class="qr"><summary>QR code</summary>${page.qrSvg}</details>\n`;
  html += `<script>${SCRIPT}</script>\n</body>\n</html>\n`;
  return Buffer.from(html, "utf8");
}
