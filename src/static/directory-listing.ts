/**
 * The HTML page of `SimpleHTTPRequestHandler.list_directory`, byte for byte as
 * CPython 3.14 produces it, plus the sort order of its entries.
 *
 * Strategy: the I/O half of `list_directory` (`os.listdir`, `isdir`,
 * `islink`, the response headers) belongs to the handler; this file is the
 * pure half. The handler reads the directory into `ListingEntry` values,
 * orders them with `sortEntries()` (CPython's `list.sort(key=str.lower)`),
 * and `renderListing()` writes the page in one pass into one string that is
 * encoded once, so a 1000-entry listing is one allocation of its final size
 * plus one string per escaped name.
 *
 * The page, with `X` the display path and one `<li>` per entry:
 *
 *     <!DOCTYPE HTML>
 *     <html lang="en">
 *     <head>
 *     <meta charset="utf-8">
 *     <style type="text/css">
 *     :root {
 *     color-scheme: light dark;
 *     }
 *     </style>
 *     <title>Directory listing for X</title>
 *     </head>
 *     <body>
 *     <h1>Directory listing for X</h1>
 *     <hr>
 *     <ul>
 *     <li><a href="name%20quoted/">name &amp; escaped/</a></li>
 *     </ul>
 *     <hr>
 *     </body>
 *     </html>
 *
 * (and a final newline). The charset is CPython's `sys.getfilesystemencoding()`,
 * which is `utf-8` on every POSIX system since PEP 538/540. The style block is
 * new in 3.14 (gh-123430); 3.11–3.13 send the same page without it.
 */

import { htmlEscape } from "../handler/error-page.js";
import { encodeSurrogateEscape, quote, unquote } from "./url.js";

/**
 * One name in a directory, with what `list_directory` asks the filesystem
 * about it.
 */
export interface ListingEntry {
  /** The name as `os.listdir` returns it (no directory part). */
  name: string;
  /** `os.path.isdir(fullname)`: true for a directory or a symlink to one (follows links). */
  isDir: boolean;
  /** `os.path.islink(fullname)`: true for any symbolic link, dangling or not. */
  isSymlink: boolean;
}

/**
 * Compares two strings by Unicode code point, as Python compares `str`
 * values. JavaScript's `<` compares UTF-16 code units, which puts U+10000 and
 * above before U+E000..U+FFFF; Python puts them after. A lone surrogate
 * counts as its own code point value, as in Python.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length - b.length;
  const ua = a.charCodeAt(i);
  const ub = b.charCodeAt(i);
  if (ua < 0xd800 && ub < 0xd800) return ua - ub; // neither is, or starts, a pair
  // If the shared previous unit is a high surrogate, position i may be inside
  // a pair: compare the code points that start one unit earlier first.
  if (i > 0) {
    const prev = a.charCodeAt(i - 1);
    if (prev >= 0xd800 && prev <= 0xdbff) {
      const d = a.codePointAt(i - 1)! - b.codePointAt(i - 1)!;
      if (d !== 0) return d;
    }
  }
  return a.codePointAt(i)! - b.codePointAt(i)!;
}

/**
 * CPython's `list.sort(key=lambda a: a.lower())` of the names: a stable sort
 * by the lower-cased name (full Unicode lower-casing, `"İ"` → `"i̇"`, final
 * sigma), compared by code point; names with the same key keep their input
 * (`os.listdir`) order. Returns a new array.
 *
 * Differs from CPython only through the Unicode version: `toLowerCase()` uses
 * the runtime's ICU data, so a character whose case mapping is newer than the
 * Python release's Unicode database may sort differently.
 */
export function sortEntries<T extends { name: string }>(entries: readonly T[]): T[] {
  const keyed = entries.map((entry) => ({ entry, key: entry.name.toLowerCase() }));
  keyed.sort((x, y) => compareCodePoints(x.key, y.key)); // Array.prototype.sort is stable
  return keyed.map((k) => k.entry);
}

/**
 * The request path as `list_directory` shows it in the title and heading:
 * cut at the first `#`, then at the first `?`, `unquote()`d, and
 * `html.escape(quote=False)`d (`&`, `<`, `>`; quotes are left alone, since the
 * text is never inside an attribute).
 *
 * @param requestPath the raw request path (`self.path`).
 */
export function listingDisplayPath(requestPath: string): string {
  let p = requestPath;
  const hash = p.indexOf("#");
  if (hash >= 0) p = p.slice(0, hash);
  const question = p.indexOf("?");
  if (question >= 0) p = p.slice(0, question);
  return htmlEscape(unquote(p));
}

const PAGE_HEAD =
  '<!DOCTYPE HTML>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
  '<style type="text/css">\n:root {\ncolor-scheme: light dark;\n}\n</style>\n';
const PAGE_TAIL = "</ul>\n<hr>\n</body>\n</html>\n";

/**
 * The body that CPython 3.14's `list_directory` sends for `requestPath`, as
 * UTF-8 bytes (its `Content-Type` is `text/html; charset=utf-8`).
 *
 * Entries are rendered in the order given: sort them with `sortEntries()`
 * first to get CPython's order. For each entry the link is `quote(name)` and
 * the text `html.escape(name, quote=False)`; a directory gets `/` appended to
 * both, a symbolic link gets `@` appended to the text instead (so a link to a
 * directory shows `name@` and links to `name/`).
 *
 * The page is encoded like CPython's `encode('utf-8', 'surrogateescape')`, so
 * a name decoded with `fsDecode()` shows its original bytes.
 *
 * Differs from CPython: a lone surrogate outside U+DC80..U+DCFF (only possible
 * from a request path such as `%ED%A0%80`) is written as U+FFFD, where
 * CPython's encoding raises and the request fails.
 *
 * @param requestPath the raw request path (`self.path`), shown as
 *   `listingDisplayPath(requestPath)`.
 */
export function renderListing(requestPath: string, entries: ListingEntry[]): Buffer {
  return Buffer.concat([renderListingHead(requestPath), renderListingItems(entries, 0, entries.length), LISTING_TAIL]);
}

/** Heads already rendered, by request path (shared, never changed); paths up to `HEAD_PATH_MAX` long, `HEADS_KEPT` at most. */
const heads = new Map<string, Buffer>();
const HEADS_KEPT = 256;
const HEAD_PATH_MAX = 1024;

/**
 * The page up to and including `<ul>\n`: the only part that depends on the
 * request path. The buffer may be shared with other responses: never change it.
 */
export function renderListingHead(requestPath: string): Buffer {
  const known = heads.get(requestPath);
  if (known !== undefined) return known;
  const title = "Directory listing for " + listingDisplayPath(requestPath);
  const html = PAGE_HEAD + "<title>" + title + "</title>\n</head>\n<body>\n<h1>" + title + "</h1>\n<hr>\n<ul>\n";
  const head = encodeSurrogateEscape(html, true);
  if (requestPath.length <= HEAD_PATH_MAX) {
    if (heads.size >= HEADS_KEPT) heads.clear();
    heads.set(requestPath, head);
  }
  return head;
}

/** The `<li>` lines of `entries[from..to)`, encoded (each line is whole, so slices concatenate to the same bytes). */
export function renderListingItems(entries: ListingEntry[], from: number, to: number): Buffer {
  let html = "";
  for (let i = from; i < to; i++) {
    const { name, isDir, isSymlink } = entries[i]!;
    const linkname = isDir ? name + "/" : name;
    const displayname = isSymlink ? name + "@" : linkname;
    html += '<li><a href="' + quote(linkname) + '">' + htmlEscape(displayname) + "</a></li>\n";
  }
  return encodeSurrogateEscape(html, true);
}

/** The page after the last `<li>`. */
export const LISTING_TAIL = Buffer.from(PAGE_TAIL, "latin1");
