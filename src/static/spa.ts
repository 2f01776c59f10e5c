/**
 * `--spa [FILE]` / `spa_fallback` (issue #14): when a missing path answers a
 * single-page app's entry page instead of 404.
 *
 * Strategy: only a browser navigation to an extension-less path gets the
 * fallback, so that a missing `app.js`, `logo.png` or `data.json` stays a 404
 * (not HTML that breaks the page with "Unexpected token '<'"), and `fetch()`
 * of a missing API path stays a 404 too. The decision, in order:
 *
 * 1. Only GET and HEAD.
 * 2. The last path segment (percent-decoded, query dropped) has no file
 *    extension: `/users/42` and `/users/` qualify, `/app.js`, `/v1.2/x.json`
 *    do not; a segment of dots only (`..`) is not an extension.
 * 3. A navigation: `Sec-Fetch-Mode: navigate` (Fetch Metadata, sent by every
 *    current browser) when the request has the field; without it (older
 *    browsers, curl), an `Accept` that names `text/html` with the highest
 *    qvalue of its members (a browser's navigation sends
 *    `text/html,application/xhtml+xml,…,*\/*;q=0.8`; `fetch()`, scripts and
 *    images send `*\/*` or image types).
 *
 * Step 3 reads `Sec-Fetch-Mode` and `Accept`, so every response it decides
 * carries `Vary: Sec-Fetch-Mode, Accept`.
 */

/** The `Vary` value of a response whose status this module decided. */
export const SPA_VARY = "Sec-Fetch-Mode, Accept";

/** The request fields step 3 reads. */
export interface NavigationHeaders {
  get(name: string): string | undefined;
}

/** Whether the last segment of a URL path (percent-encoded, query allowed) has a file extension. */
export function hasExtension(urlPath: string): boolean {
  let path = urlPath;
  for (const stop of ["?", "#"]) {
    const i = path.indexOf(stop);
    if (i !== -1) path = path.slice(0, i);
  }
  let last = path.slice(path.lastIndexOf("/") + 1);
  try {
    last = decodeURIComponent(last);
  } catch {
    // Malformed escapes: judge the raw text.
  }
  // As Python's splitext: leading dots do not start an extension (".env" has
  // none), and a trailing dot alone is not one ("v1." has none).
  const name = last.replace(/^\.+/, "");
  const dot = name.lastIndexOf(".");
  return dot > 0 && dot < name.length - 1;
}

/** Whether `Accept` ranks `text/html` (named explicitly) at least as high as anything else, with q > 0. */
export function prefersHtml(accept: string): boolean {
  let html = -1;
  let best = 0;
  for (const member of accept.split(",")) {
    const parts = member.split(";");
    const range = parts[0]!.trim().toLowerCase();
    if (range === "") continue;
    let q = 1;
    for (const p of parts.slice(1)) {
      const [name, value] = p.split("=", 2).map((s) => s.trim());
      if (name?.toLowerCase() === "q") {
        const n = Number(value);
        q = Number.isFinite(n) && n >= 0 && n <= 1 ? n : 0;
      }
    }
    if (range === "text/html") html = Math.max(html, q);
    best = Math.max(best, q);
  }
  return html > 0 && html >= best;
}

/** Whether the request is a browser navigation (step 3). */
export function isNavigation(headers: NavigationHeaders): boolean {
  const mode = headers.get("Sec-Fetch-Mode");
  if (mode !== undefined) return mode.trim().toLowerCase() === "navigate";
  return prefersHtml(headers.get("Accept") ?? "");
}

/**
 * What to do with a GET/HEAD of a missing path: `fallback` (serve the entry
 * page), or not; `vary` when the request headers were read (the response
 * must say so).
 */
export function spaDecision(method: string, urlPath: string, headers: NavigationHeaders): { fallback: boolean; vary: boolean } {
  if ((method !== "GET" && method !== "HEAD") || hasExtension(urlPath)) return { fallback: false, vary: false };
  return { fallback: isNavigation(headers), vary: true };
}
