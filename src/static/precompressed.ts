/**
 * `--precompressed` / `precompressed` (issue #14): serving `X.br`, `X.zst` or
 * `X.gz`, made ahead of time next to `X`, in place of `X`.
 *
 * Strategy: a pure ranking, then the handler opens the candidates in order
 * (through its usual confinement checks) and serves the first regular file.
 * The ranking is the client's `Accept-Encoding` qvalues (see
 * `accept-encoding.ts`), ties broken by our preference: brotli, then zstd,
 * then gzip (smallest first, as build tools emit them). The variant is `X`'s
 * representation, not a file of its own: it keeps `X`'s type and gets
 * `Content-Encoding`, its own validators (its size and mtime, with the coding
 * in the entity-tag so that no two representations share one) and byte ranges
 * over the encoded bytes (RFC 9110 §14.1.2: ranges apply to the selected
 * representation). Every response for a file carries `Vary: Accept-Encoding`
 * while the option is on, since which bytes are sent depends on it.
 */

import { acceptableCodings } from "./accept-encoding.js";

/** Content coding → file suffix, in our order of preference. */
export const PRECOMPRESSED_SUFFIXES: readonly (readonly [coding: string, suffix: string])[] = [
  ["br", ".br"],
  ["zstd", ".zst"],
  ["gzip", ".gz"],
];

const CODINGS = PRECOMPRESSED_SUFFIXES.map(([coding]) => coding);
const SUFFIX = new Map(PRECOMPRESSED_SUFFIXES);

/**
 * The variants to try for a request with this `Accept-Encoding` value, best
 * first, as `[coding, suffix]`. Empty without the field or when it accepts
 * none of ours.
 */
export function precompressedCandidates(acceptEncoding: string | undefined): [coding: string, suffix: string][] {
  return acceptableCodings(acceptEncoding, CODINGS).map((coding) => [coding, SUFFIX.get(coding)!]);
}

/** Whether `path` already names a compressed variant (`.br`, `.zst`, `.gz`): it is served as itself. */
export function isVariantName(path: string): boolean {
  return PRECOMPRESSED_SUFFIXES.some(([, suffix]) => path.endsWith(suffix));
}
