/**
 * `Accept-Encoding` (RFC 9110 §12.5.3): which content coding, if any, a
 * response may use. Pure functions, used by `--compress` and
 * `--precompressed`.
 *
 * Strategy: parse the field once into coding → qvalue, then rank the codings
 * the server can produce by the client's qvalue, ties broken by the server's
 * order of preference. The rules, in the RFC's words where they matter:
 *
 *   Accept-Encoding  = #( codings [ weight ] )
 *   codings          = content-coding / "identity" / "*"
 *   weight           = OWS ";" OWS "q=" qvalue
 *   qvalue           = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
 *
 * 1. No field: the client said nothing; we answer identity (the RFC lets the
 *    server pick any coding, but a client that sends no field — curl without
 *    `--compressed`, scripts — usually cannot decode one; nginx does the same).
 * 2. An empty field: only identity is wanted.
 * 3. Codings compare case-insensitively; `x-gzip` is `gzip` (§8.4.1.3).
 * 4. `*` gives its qvalue to every coding not named in the field.
 * 5. q=0 means "not acceptable". A member whose weight is malformed (`q=2`,
 *    `q=0.5555`, `q=abc`) is ignored, as if it were absent.
 * 6. identity is acceptable unless `identity;q=0`, or `*;q=0` without an
 *    identity member. An unnamed identity ranks below every acceptable coding
 *    (the client listed codings it wants); a named one competes by its qvalue
 *    and wins ties (no work to do).
 * 7. When no coding the server has is acceptable and identity is refused, the
 *    result is `null`: the caller sends identity anyway (§12.5.3 lets a server
 *    ignore the field rather than answer 406, and a page that loads beats an
 *    error no browser asks for).
 */

/** A parsed field: coding (lower-case) → qvalue in [0, 1]. */
export type AcceptEncoding = ReadonlyMap<string, number>;

/** `token` (RFC 9110 §5.6.2). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** `qvalue`. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * Parses an `Accept-Encoding` value into coding → qvalue (malformed members
 * dropped; a coding named twice keeps its first qvalue).
 */
export function parseAcceptEncoding(value: string): AcceptEncoding {
  const out = new Map<string, number>();
  for (const member of value.split(",")) {
    const parts = member.split(";");
    let coding = parts[0]!.trim().toLowerCase();
    if (coding === "" || !TOKEN.test(coding)) continue;
    if (coding === "x-gzip") coding = "gzip";
    let q = 1;
    let ok = true;
    for (const param of parts.slice(1)) {
      const eq = param.indexOf("=");
      const name = (eq === -1 ? param : param.slice(0, eq)).trim().toLowerCase();
      if (name !== "q") continue; // accept-ext parameters are ignored
      const v = eq === -1 ? "" : param.slice(eq + 1).trim();
      if (!QVALUE.test(v)) {
        ok = false;
        break;
      }
      q = Number(v);
    }
    if (ok && !out.has(coding)) out.set(coding, q);
  }
  return out;
}

/** The qvalue the client gives `coding` (not identity): its own, else `*`'s, else 0. */
export function qualityOf(accept: AcceptEncoding, coding: string): number {
  return accept.get(coding) ?? accept.get("*") ?? 0;
}

/** Whether identity (no coding) is acceptable (rule 6). */
export function identityAcceptable(accept: AcceptEncoding): boolean {
  const named = accept.get("identity");
  if (named !== undefined) return named > 0;
  const star = accept.get("*");
  return star === undefined || star > 0;
}

/**
 * The codings of `available` the client accepts, best first: by qvalue, ties
 * in `available`'s order; identity named with a higher or equal qvalue cuts
 * the list there (the client prefers no coding). Empty when the field is
 * absent (`undefined`) or names nothing we have.
 * @param available the server's codings, most preferred first (lower-case).
 */
export function acceptableCodings(header: string | undefined, available: readonly string[]): string[] {
  if (header === undefined) return [];
  const accept = parseAcceptEncoding(header);
  const identityQ = accept.get("identity");
  const ranked = available
    .map((coding, order) => ({ coding, order, q: qualityOf(accept, coding) }))
    .filter((c) => c.q > 0 && (identityQ === undefined || c.q > identityQ))
    .sort((a, b) => b.q - a.q || a.order - b.order);
  return ranked.map((c) => c.coding);
}

/**
 * The content coding to answer with: one of `available`, `"identity"`, or
 * `null` when nothing is acceptable (rule 7).
 */
export function negotiateEncoding(header: string | undefined, available: readonly string[]): string | null {
  const best = acceptableCodings(header, available)[0];
  if (best !== undefined) return best;
  if (header === undefined) return "identity";
  return identityAcceptable(parseAcceptEncoding(header)) ? "identity" : null;
}
