/**
 * MIME types for `SimpleHTTPRequestHandler.guess_type`: CPython 3.14's
 * `extensions_map` and `mimetypes.guess_file_type`, over a database that is
 * bundled with the package so every machine gives the same answer.
 *
 * Strategy:
 * - `guessType()` is CPython 3.14's `guess_type`: `posixpath.splitext`, the
 *   handler's `extensions_map` with the extension as is and then lower-cased,
 *   then `mimetypes.guess_file_type(path)` (strict), then
 *   `application/octet-stream`.
 * - `guessFileType()` is `mimetypes.MimeTypes._guess_file_type`: the suffix
 *   map (`.tgz` → `.tar.gz`, …), the case-sensitive encodings map (`.gz`,
 *   `.Z`, `.bz2`, `.xz`, `.br`: an encoding suffix is peeled off and the type
 *   is that of the inner name), then the types map by lower-cased extension.
 * - The types map is built once, at module load, into one `Map`:
 *   1. every extension of `mime-db` (the database behind the `mime-types`
 *      package), where several types claim an extension choosing the one
 *      `mime-types` 3 prefers (its `mimeScore`: IANA over Apache over nginx,
 *      standard over `vnd.` over `x-`, `application/` over other trees,
 *      then the shorter name);
 *   2. then CPython 3.14's own `_types_map_default` (`CPYTHON_TYPES_MAP`
 *      below) on top, overriding mime-db wherever both know an extension.
 *   So every extension CPython knows gets CPython's answer (`.js` →
 *   `text/javascript`, `.xml` → `text/xml`, `.wav` → `audio/vnd.wave`), and
 *   extensions CPython does not know get mime-db's instead of
 *   `application/octet-stream` (`.cjs` → `application/node`, `.toml` →
 *   `application/toml`, `.ts` → `video/mp2t` as in nginx and Apache).
 *
 * Differs from CPython: CPython also reads the machine's `/etc/mime.types`
 * (and other `mimetypes.knownfiles`), which override its defaults, so its
 * answers depend on the machine; we read no system file (docs/api-contract.md "MIME
 * types"), and use mime-db where CPython's defaults have no entry.
 *
 * Encodings: for `x.tar.gz` the handler's `extensions_map` answers first
 * (`.gz` → `application/gzip`, likewise `.Z`, `.bz2`, `.xz`). A Brotli file
 * `app.js.br` falls through to `mimetypes`, where `.br` is an encoding, so
 * the type is the inner name's, `text/javascript`; `x.br` alone has no inner
 * extension and is `application/octet-stream`. CPython sends that type with
 * no `Content-Encoding`, and so do we. `.zst` is not an encoding for CPython
 * 3.14 and neither table has a type for it: `application/octet-stream`.
 * `.tgz`, `.taz`, `.tz`, `.tbz2` and `.txz` are `application/x-tar` (the
 * suffix map turns them into `.tar.<encoding>`), and `.svgz` is
 * `image/svg+xml`.
 */

import mimeDb from "mime-db";

/**
 * CPython 3.14's `SimpleHTTPRequestHandler.extensions_map` (also its
 * `_encodings_map_default`): compressed files are served as themselves, not
 * as their inner type. It is deliberately not frozen: Python code mutates the
 * class attribute in place (`Handler.extensions_map['.wasm'] = ...`), which
 * changes it for every handler sharing the object, and that must keep
 * working; a subclass that wants its own table assigns a copy
 * (`{ ...DEFAULT_EXTENSIONS_MAP, ".foo": "text/plain" }`).
 */
export const DEFAULT_EXTENSIONS_MAP: Record<string, string> = {
  ".gz": "application/gzip",
  ".Z": "application/octet-stream",
  ".bz2": "application/x-bzip2",
  ".xz": "application/x-xz",
};

/** CPython 3.14's `mimetypes._suffix_map_default` (keys matched lower-cased). */
const SUFFIX_MAP: ReadonlyMap<string, string> = new Map([
  [".svgz", ".svg.gz"],
  [".tgz", ".tar.gz"],
  [".taz", ".tar.gz"],
  [".tz", ".tar.gz"],
  [".tbz2", ".tar.bz2"],
  [".txz", ".tar.xz"],
]);

/** CPython 3.14's `mimetypes._encodings_map_default` (case-sensitive keys). */
const ENCODINGS_MAP: ReadonlyMap<string, string> = new Map([
  [".gz", "gzip"],
  [".Z", "compress"],
  [".bz2", "bzip2"],
  [".xz", "xz"],
  [".br", "br"],
]);

/**
 * CPython 3.14's `mimetypes._types_map_default` (Lib/mimetypes.py, in its
 * order: sorted by type). The strict table only: `common_types` is used by
 * `guess_type(strict=False)`, which `http.server` never calls. (3.15 adds
 * `.toml` and `.cjs`, renames `application/x-texinfo` and moves `.ai` to
 * `application/pdf`; mime-db already answers `.toml` and `.cjs`.)
 */
const CPYTHON_TYPES_MAP: ReadonlyArray<readonly [ext: string, type: string]> = [
  [".js", "text/javascript"],
  [".mjs", "text/javascript"],
  [".epub", "application/epub+zip"],
  [".gz", "application/gzip"],
  [".json", "application/json"],
  [".webmanifest", "application/manifest+json"],
  [".doc", "application/msword"],
  [".dot", "application/msword"],
  [".wiz", "application/msword"],
  [".nq", "application/n-quads"],
  [".nt", "application/n-triples"],
  [".bin", "application/octet-stream"],
  [".a", "application/octet-stream"],
  [".dll", "application/octet-stream"],
  [".exe", "application/octet-stream"],
  [".o", "application/octet-stream"],
  [".obj", "application/octet-stream"],
  [".so", "application/octet-stream"],
  [".oda", "application/oda"],
  [".ogx", "application/ogg"],
  [".pdf", "application/pdf"],
  [".p7c", "application/pkcs7-mime"],
  [".ps", "application/postscript"],
  [".ai", "application/postscript"],
  [".eps", "application/postscript"],
  [".trig", "application/trig"],
  [".m3u", "application/vnd.apple.mpegurl"],
  [".m3u8", "application/vnd.apple.mpegurl"],
  [".xls", "application/vnd.ms-excel"],
  [".xlb", "application/vnd.ms-excel"],
  [".eot", "application/vnd.ms-fontobject"],
  [".ppt", "application/vnd.ms-powerpoint"],
  [".pot", "application/vnd.ms-powerpoint"],
  [".ppa", "application/vnd.ms-powerpoint"],
  [".pps", "application/vnd.ms-powerpoint"],
  [".pwz", "application/vnd.ms-powerpoint"],
  [".odg", "application/vnd.oasis.opendocument.graphics"],
  [".odp", "application/vnd.oasis.opendocument.presentation"],
  [".ods", "application/vnd.oasis.opendocument.spreadsheet"],
  [".odt", "application/vnd.oasis.opendocument.text"],
  [".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"],
  [".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
  [".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
  [".rar", "application/vnd.rar"],
  [".wasm", "application/wasm"],
  [".7z", "application/x-7z-compressed"],
  [".bcpio", "application/x-bcpio"],
  [".cpio", "application/x-cpio"],
  [".csh", "application/x-csh"],
  [".deb", "application/x-debian-package"],
  [".dvi", "application/x-dvi"],
  [".gtar", "application/x-gtar"],
  [".hdf", "application/x-hdf"],
  [".h5", "application/x-hdf5"],
  [".latex", "application/x-latex"],
  [".mif", "application/x-mif"],
  [".cdf", "application/x-netcdf"],
  [".nc", "application/x-netcdf"],
  [".p12", "application/x-pkcs12"],
  [".php", "application/x-httpd-php"],
  [".pfx", "application/x-pkcs12"],
  [".ram", "application/x-pn-realaudio"],
  [".pyc", "application/x-python-code"],
  [".pyo", "application/x-python-code"],
  [".rpm", "application/x-rpm"],
  [".sh", "application/x-sh"],
  [".shar", "application/x-shar"],
  [".swf", "application/x-shockwave-flash"],
  [".sv4cpio", "application/x-sv4cpio"],
  [".sv4crc", "application/x-sv4crc"],
  [".tar", "application/x-tar"],
  [".tcl", "application/x-tcl"],
  [".tex", "application/x-tex"],
  [".texi", "application/x-texinfo"],
  [".texinfo", "application/x-texinfo"],
  [".roff", "application/x-troff"],
  [".t", "application/x-troff"],
  [".tr", "application/x-troff"],
  [".man", "application/x-troff-man"],
  [".me", "application/x-troff-me"],
  [".ms", "application/x-troff-ms"],
  [".ustar", "application/x-ustar"],
  [".src", "application/x-wais-source"],
  [".xsl", "application/xml"],
  [".rdf", "application/xml"],
  [".wsdl", "application/xml"],
  [".xpdl", "application/xml"],
  [".yaml", "application/yaml"],
  [".yml", "application/yaml"],
  [".zip", "application/zip"],
  [".3gp", "audio/3gpp"],
  [".3gpp", "audio/3gpp"],
  [".3g2", "audio/3gpp2"],
  [".3gpp2", "audio/3gpp2"],
  [".aac", "audio/aac"],
  [".adts", "audio/aac"],
  [".loas", "audio/aac"],
  [".ass", "audio/aac"],
  [".au", "audio/basic"],
  [".snd", "audio/basic"],
  [".flac", "audio/flac"],
  [".mka", "audio/matroska"],
  [".m4a", "audio/mp4"],
  [".mp3", "audio/mpeg"],
  [".mp2", "audio/mpeg"],
  [".ogg", "audio/ogg"],
  [".opus", "audio/opus"],
  [".aif", "audio/x-aiff"],
  [".aifc", "audio/x-aiff"],
  [".aiff", "audio/x-aiff"],
  [".ra", "audio/x-pn-realaudio"],
  [".wav", "audio/vnd.wave"],
  [".otf", "font/otf"],
  [".ttf", "font/ttf"],
  [".weba", "audio/webm"],
  [".woff", "font/woff"],
  [".woff2", "font/woff2"],
  [".avif", "image/avif"],
  [".bmp", "image/bmp"],
  [".emf", "image/emf"],
  [".fits", "image/fits"],
  [".g3", "image/g3fax"],
  [".gif", "image/gif"],
  [".ief", "image/ief"],
  [".jp2", "image/jp2"],
  [".jpg", "image/jpeg"],
  [".jpe", "image/jpeg"],
  [".jpeg", "image/jpeg"],
  [".jpm", "image/jpm"],
  [".jpx", "image/jpx"],
  [".heic", "image/heic"],
  [".heif", "image/heif"],
  [".png", "image/png"],
  [".svg", "image/svg+xml"],
  [".t38", "image/t38"],
  [".tiff", "image/tiff"],
  [".tif", "image/tiff"],
  [".tfx", "image/tiff-fx"],
  [".ico", "image/vnd.microsoft.icon"],
  [".webp", "image/webp"],
  [".wmf", "image/wmf"],
  [".ras", "image/x-cmu-raster"],
  [".pnm", "image/x-portable-anymap"],
  [".pbm", "image/x-portable-bitmap"],
  [".pgm", "image/x-portable-graymap"],
  [".ppm", "image/x-portable-pixmap"],
  [".rgb", "image/x-rgb"],
  [".xbm", "image/x-xbitmap"],
  [".xpm", "image/x-xpixmap"],
  [".xwd", "image/x-xwindowdump"],
  [".eml", "message/rfc822"],
  [".mht", "message/rfc822"],
  [".mhtml", "message/rfc822"],
  [".nws", "message/rfc822"],
  [".gltf", "model/gltf+json"],
  [".glb", "model/gltf-binary"],
  [".stl", "model/stl"],
  [".css", "text/css"],
  [".csv", "text/csv"],
  [".html", "text/html"],
  [".htm", "text/html"],
  [".md", "text/markdown"],
  [".markdown", "text/markdown"],
  [".n3", "text/n3"],
  [".txt", "text/plain"],
  [".bat", "text/plain"],
  [".c", "text/plain"],
  [".h", "text/plain"],
  [".ksh", "text/plain"],
  [".pl", "text/plain"],
  [".srt", "text/plain"],
  [".rtx", "text/richtext"],
  [".rtf", "text/rtf"],
  [".tsv", "text/tab-separated-values"],
  [".vtt", "text/vtt"],
  [".py", "text/x-python"],
  [".rst", "text/x-rst"],
  [".etx", "text/x-setext"],
  [".sgm", "text/x-sgml"],
  [".sgml", "text/x-sgml"],
  [".vcf", "text/x-vcard"],
  [".xml", "text/xml"],
  [".mkv", "video/matroska"],
  [".mk3d", "video/matroska-3d"],
  [".mp4", "video/mp4"],
  [".mpeg", "video/mpeg"],
  [".m1v", "video/mpeg"],
  [".mpa", "video/mpeg"],
  [".mpe", "video/mpeg"],
  [".mpg", "video/mpeg"],
  [".ogv", "video/ogg"],
  [".mov", "video/quicktime"],
  [".qt", "video/quicktime"],
  [".webm", "video/webm"],
  [".avi", "video/vnd.avi"],
  [".m4v", "video/x-m4v"],
  [".wmv", "video/x-ms-wmv"],
  [".movie", "video/x-sgi-movie"],
];

/** mime-types 3's `mimeScore`: how "official" a type is, to pick among rivals. */
function mimeScore(type: string, source: string | undefined): number {
  if (type === "application/octet-stream") return 0;
  const [top = "", subtype = ""] = type.split("/");
  const facet = subtype.replace(/(\.|x-).*/, "$1");
  const facetScore = ({ "prs.": 100, "x-": 200, "x.": 300, "vnd.": 400 } as Record<string, number>)[facet] ?? 900;
  const sourceScore = ({ nginx: 10, apache: 20, iana: 40 } as Record<string, number>)[source ?? ""] ?? 30;
  const typeScore = ({ application: 1, font: 2 } as Record<string, number>)[top] ?? 0;
  return facetScore + sourceScore + typeScore + (1 - type.length / 100);
}

/** Extension (`.ext`, lower case) → type: mime-db, then CPython's table on top. */
const TYPES_MAP: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  const score = new Map<string, number>();
  for (const type of Object.keys(mimeDb)) {
    const entry = mimeDb[type]!;
    if (entry.extensions === undefined) continue;
    const s = mimeScore(type, entry.source);
    for (const e of entry.extensions) {
      const ext = "." + e;
      const previous = score.get(ext);
      if (previous === undefined || s > previous) {
        map.set(ext, type);
        score.set(ext, s);
      }
    }
  }
  for (const [ext, type] of CPYTHON_TYPES_MAP) map.set(ext, type);
  return map;
})();

/**
 * Python's `posixpath.splitext(p)`: `[root, ext]` where `ext` is the last
 * `.` and what follows it in the last path component, or `""`. Leading dots
 * of the file name do not start an extension (`.bashrc` has none, `..a.b`
 * has `.b`); `root + ext === p` always.
 */
export function splitext(p: string): [root: string, ext: string] {
  // The last "." after the last "/", scanning back from the end (V8's
  // lastIndexOf() is a runtime call, and a name is short).
  let dotIndex = p.length - 1;
  while (dotIndex >= 0 && p.charCodeAt(dotIndex) !== DOT && p.charCodeAt(dotIndex) !== SLASH) dotIndex--;
  if (dotIndex < 0 || p.charCodeAt(dotIndex) === SLASH) return [p, ""];
  let sepIndex = dotIndex - 1;
  while (sepIndex >= 0 && p.charCodeAt(sepIndex) !== SLASH) sepIndex--;
  // skip all leading dots
  for (let i = sepIndex + 1; i < dotIndex; i++) {
    if (p.charCodeAt(i) !== DOT) return [p.slice(0, dotIndex), p.slice(dotIndex)];
  }
  return [p, ""];
}
const DOT = 0x2e;
const SLASH = 0x2f;

/**
 * Python 3.14's `mimetypes.guess_file_type(path)` (strict) with the bundled
 * database: `[type, encoding]`, each `null` when unknown. The suffix map is
 * applied first (`.tgz` → `.tar.gz`), then an encoding suffix (`.gz`, `.Z`,
 * `.bz2`, `.xz`, `.br`; case-sensitive) is peeled off, and the type is looked
 * up by the remaining extension, lower-cased.
 */
export function guessFileType(path: string): [type: string | null, encoding: string | null] {
  let [base, ext] = splitext(path);
  for (let suffix = SUFFIX_MAP.get(ext.toLowerCase()); suffix !== undefined; suffix = SUFFIX_MAP.get(ext.toLowerCase())) {
    [base, ext] = splitext(base + suffix);
  }
  const encoding = ENCODINGS_MAP.get(ext) ?? null;
  if (encoding !== null) [base, ext] = splitext(base);
  return [TYPES_MAP.get(ext.toLowerCase()) ?? null, encoding];
}

/**
 * `SimpleHTTPRequestHandler.guess_type(path)` of CPython 3.14: the type for
 * a `Content-Type` header. The extension (`splitext`) is looked up in
 * `extensionsMap` as is, then lower-cased; then `guessFileType(path)`; and
 * `application/octet-stream` when nothing matches.
 *
 * Differs from CPython: the database is the bundled one (mime-db under
 * CPython 3.14's defaults), never the machine's `/etc/mime.types`; see the
 * file comment.
 *
 * @param extensionsMap the handler's `extensions_map` (own keys only).
 */
export function guessType(path: string, extensionsMap: Record<string, string>): string {
  const ext = splitext(path)[1];
  if (Object.hasOwn(extensionsMap, ext)) return extensionsMap[ext]!;
  const lower = ext.toLowerCase();
  if (Object.hasOwn(extensionsMap, lower)) return extensionsMap[lower]!;
  return guessFileType(path)[0] ?? "application/octet-stream";
}

/** Media types, besides `text/*`, whose content is text. */
const TEXT_LIKE = /^(?:[a-z0-9!#$&^_.+-]+\/(?:json|xml|[a-z0-9!#$&^_.+-]+\+(?:json|xml))|application\/(?:javascript|ecmascript|x-javascript))$/;

/**
 * True if a body of this media type is text that a charset applies to:
 * `text/*`, JSON (`application/json`, any `+json`), JavaScript
 * (`application/javascript`, `application/ecmascript`,
 * `application/x-javascript`) and XML (`application/xml`, any `+xml` such as
 * `image/svg+xml`). Case-insensitive; parameters after `;` are ignored, so a
 * caller appending `; charset=utf-8` should first check that the type has no
 * charset of its own.
 */
export function isTextType(type: string): boolean {
  const semi = type.indexOf(";");
  const essence = (semi >= 0 ? type.slice(0, semi) : type).trim().toLowerCase();
  return essence.startsWith("text/") || TEXT_LIKE.test(essence);
}
