/**
 * `--cors` / `cors` (issue #14): cross-origin reads of everything served,
 * for a front end on another port or origin.
 *
 * Strategy: the server holds no credentials and serves public files, so the
 * policy is the simple one: `Access-Control-Allow-Origin: *` on every final
 * response (files, listings, redirects, errors: a script reading a 404 should
 * see the 404, not a CORS failure), with the validators and range fields
 * exposed to scripts. A preflight (an `OPTIONS` request with `Origin` and
 * `Access-Control-Request-Method`, Fetch §3.2.2) is answered `204` with:
 *
 * - `Access-Control-Allow-Methods`: the requested method when the handler
 *   has it (GET, HEAD, OPTIONS, and PUT/POST where uploads or CGI exist),
 *   else the list of those it has, which the browser reads as a refusal;
 * - `Access-Control-Allow-Headers`: the requested header names echoed, once
 *   each is checked to be a token (nothing else is echoed);
 * - `Access-Control-Max-Age`: one day (browsers cap it lower: Chromium at
 *   2 h, Firefox at 24 h);
 * - `Vary: Access-Control-Request-Method, Access-Control-Request-Headers`,
 *   since the answer echoes them. `Vary: Origin` is not needed: with `*` the
 *   answer does not depend on the origin.
 *
 * An `OPTIONS` without those fields is answered `204` with `Allow`.
 */

/** Methods a preflight may be granted, when the handler has them. */
export const CORS_METHODS: readonly string[] = ["GET", "HEAD", "OPTIONS", "POST", "PUT"];

/** Response fields scripts may read beyond the CORS-safelisted ones (Fetch §3.2.6). */
export const CORS_EXPOSE = "Accept-Ranges, Content-Encoding, Content-Range, ETag";

/** Seconds a preflight result may be cached. */
export const CORS_MAX_AGE = 86400;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The request fields read here. */
export interface PreflightHeaders {
  get(name: string): string | undefined;
}

/** The fields of the 204 answering an `OPTIONS` request, given the methods the handler has. */
export function optionsResponse(headers: PreflightHeaders, methods: readonly string[]): [string, string][] {
  const requested = headers.get("Access-Control-Request-Method");
  if (headers.get("Origin") === undefined || requested === undefined) return [["Allow", methods.join(", ")]];
  const method = requested.trim();
  const out: [string, string][] = [["Access-Control-Allow-Methods", methods.includes(method) ? method : methods.join(", ")]];
  const names = (headers.get("Access-Control-Request-Headers") ?? "")
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  if (names.length > 0 && names.every((n) => TOKEN.test(n))) out.push(["Access-Control-Allow-Headers", names.join(", ")]);
  out.push(["Access-Control-Max-Age", String(CORS_MAX_AGE)]);
  out.push(["Vary", "Access-Control-Request-Method, Access-Control-Request-Headers"]);
  return out;
}
