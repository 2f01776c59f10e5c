/**
 * Share links (`--share`): a handler class that serves its directory only
 * under a random, unguessable URL prefix, read-only, and keeps that prefix
 * out of the log.
 *
 * Strategy: `shareHandler(Base)` returns a subclass of a
 * `SimpleHTTPRequestHandler` class. Its `parse_request()` lets a request
 * through only when the first path segment is the prefix (compared after
 * decoding `%XX`, RFC 3986 §6.2.2.2) and the method is GET or HEAD;
 * anything else is 404 (outside the prefix: nothing tells a prober that a
 * share exists) or 405 (inside it). `translate_path()` drops the prefix, so
 * the rest of the handler serves the directory as usual, and `this.path`
 * keeps it, so redirects and relative links stay under it. `log_message()`
 * replaces the prefix, in any spelling, with `<share>` in every log line —
 * including lines for requests that failed before parsing finished.
 *
 * The prefix is 128 random bits from the system CSPRNG, base64url without
 * padding (22 characters, RFC 4648 §5): guessing it is as hard as guessing
 * a 128-bit key, and it sits in the URL's path, where a browser never sends
 * it to another site: every response says `Referrer-Policy: no-referrer`
 * (a shared HTML page may link elsewhere).
 *
 * `max_downloads` counts GET responses with status 200 that carry a file or
 * an archive (not listings, not HEAD, not 304 or 206): once reached, further
 * requests get 404 and `on_exhausted` is called once.
 */

import { randomBytes } from "node:crypto";
import type { SimpleHTTPRequestHandler, Source } from "./simple-handler.js";

/** What a share link allows. */
export interface ShareOptions {
  /** The prefix (one path segment); a new random one when omitted. */
  prefix?: string;
  /** Downloads allowed before the link is spent; `null` (the default): no limit. */
  max_downloads?: number | null;
  /** Called once, when the last allowed download starts. */
  on_exhausted?: () => void;
}

/** A handler class serving a share link. */
export type ShareHandlerClass<B> = B & {
  /** The secret path segment. */
  readonly share_prefix: string;
};

/** What replaces the prefix in log lines. */
export const SHARE_PLACEHOLDER = "<share>";

/** A new share prefix: 128 bits from the CSPRNG, base64url, 22 characters. */
export function newSharePrefix(): string {
  return randomBytes(16).toString("base64url");
}

/** `%XX` decoded (bytes as Latin-1 code points), for comparing a segment with the prefix; `null` if malformed. */
function decodeSegment(segment: string): string | null {
  if (!segment.includes("%")) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * Splits a request path into its first segment and the rest:
 * `/abc/d/e?q` → `["abc", "/d/e?q"]`; `null` for what is not origin-form.
 */
export function splitFirstSegment(path: string): [string, string] | null {
  if (!path.startsWith("/")) return null;
  const end = path.slice(1).search(/[/?#]/);
  if (end === -1) return [path.slice(1), ""];
  return [path.slice(1, end + 1), path.slice(end + 1)];
}

/** Replaces every spelling of `prefix` (plain, or with `%XX` escapes) in `text` with the placeholder. */
export function scrubPrefix(text: string, prefix: string): string {
  let out = text.replaceAll(prefix, SHARE_PLACEHOLDER);
  if (out.includes("%")) {
    out = out.replace(/[A-Za-z0-9_%-]{22,}/g, (run) => (decodeSegment(run) === prefix ? SHARE_PLACEHOLDER : run));
  }
  return out;
}

/**
 * A subclass of `Base` that serves only under `/<prefix>/`, read-only (see
 * the file comment). Set `listing_base` so the rich listing's breadcrumb
 * starts at the share's root.
 */
export function shareHandler<B extends typeof SimpleHTTPRequestHandler>(Base: B, options: ShareOptions = {}): ShareHandlerClass<B> {
  const prefix = options.prefix ?? newSharePrefix();
  if (prefix === "" || /[/?#%\s]/.test(prefix)) throw new TypeError("a share prefix is one path segment without '/', '?', '#', '%' or spaces");
  const max = options.max_downloads ?? null;
  let downloads = 0;
  const spent = (): boolean => max !== null && downloads >= max;

  /** The request's path with the prefix dropped, or `null` when it is not under the prefix. */
  const below = (path: string): string | null => {
    const split = splitFirstSegment(path);
    if (split === null || decodeSegment(split[0]) !== prefix) return null;
    return split[1].startsWith("/") ? split[1] : "/" + split[1];
  };

  class ShareHandler extends (Base as typeof SimpleHTTPRequestHandler) {
    static readonly share_prefix = prefix;
    #status = 0;
    #listing = false;

    override async parse_request(): Promise<boolean> {
      if (!(await super.parse_request())) return false;
      if (below(this.path) === null || spent()) {
        this.send_error(404, "File not found");
        return false;
      }
      if (this.command !== "GET" && this.command !== "HEAD") {
        this.send_error(405, "Method Not Allowed");
        return false;
      }
      return true;
    }

    override translate_path(path: string): string {
      // Outside the prefix nothing is served; parse_request() has refused it already.
      return super.translate_path(below(path) ?? "/\0");
    }

    override send_response(code: Parameters<SimpleHTTPRequestHandler["send_response"]>[0], message?: string | null): void {
      this.#status = typeof code === "number" ? code : code.value;
      super.send_response(code, message);
      if (this.#status === 405) this.send_header("Allow", "GET, HEAD");
      // A shared page that links elsewhere must not hand the prefix on in Referer.
      this.send_header("Referrer-Policy", "no-referrer");
    }

    override async list_directory(path: string): Promise<Source | null> {
      this.#listing = true;
      return super.list_directory(path);
    }

    override async send_head(): Promise<Source | null> {
      this.#status = 0;
      this.#listing = false;
      const source = await super.send_head();
      if (source !== null && this.command === "GET" && this.#status === 200 && !this.#listing && max !== null) {
        downloads++;
        if (downloads === max) options.on_exhausted?.();
      }
      return source;
    }

    override log_message(format: string, ...args: unknown[]): void {
      super.log_message(
        scrubPrefix(format, prefix),
        ...args.map((a) => (typeof a === "string" ? scrubPrefix(a, prefix) : a)),
      );
    }
  }
  ShareHandler.prototype.listing_base = `/${prefix}/`;
  // Read-only: uploads off whatever the base class says (no upload form on the rich listing).
  (ShareHandler.prototype as unknown as { upload?: boolean }).upload = false;
  return ShareHandler as unknown as ShareHandlerClass<B>;
}
