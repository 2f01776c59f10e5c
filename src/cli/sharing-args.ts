/**
 * The checks of issue 15's options (file sharing: `--listing`, `--share`,
 * `--max-downloads`; uploads and passwords: `--max-upload`, `--auth-scope`,
 * `--auth`), run by `parseArgs()` after CPython's own checks, each turning
 * an option's text into its value or into argparse's one-line error.
 */

import { parseCredential } from "../static/auth.js";
import { LISTING_MODES, type ListingMode } from "../static/listing.js";
import { parseSize } from "../static/upload-rules.js";
import { pyRepr } from "../python/repr.js";
import { parsePyInt, type CliOptions, type ParseResult } from "./args.js";
import { DEFAULT_SHARE_SECONDS, parseDuration } from "./share.js";

/** Extension checks of issue 15 (share-a): `--listing`, `--share`, `--max-downloads`. */
export function checkShare(options: CliOptions, texts: { listing: string | null; share: string | null; max_downloads: string | null }): ParseResult {
  const error = (message: string): ParseResult => ({ kind: "error", message });
  if (texts.listing !== null) {
    if (!LISTING_MODES.includes(texts.listing as ListingMode)) {
      return error(`argument --listing: invalid choice: ${pyRepr(texts.listing)} (choose from ${LISTING_MODES.map((m) => pyRepr(m)).join(", ")})`);
    }
    options.listing = texts.listing as ListingMode;
  }
  if (texts.share !== null) {
    const seconds = texts.share === "" ? DEFAULT_SHARE_SECONDS : parseDuration(texts.share);
    if (seconds === null) return error(`argument --share: invalid duration: ${pyRepr(texts.share)} (such as 90s, 30m, 2h, 1d12h; at most 24d)`);
    options.share = seconds;
  }
  if (options.share_forever) options.share ??= DEFAULT_SHARE_SECONDS;
  if (texts.max_downloads !== null) {
    const n = parsePyInt(texts.max_downloads);
    if (n === null || n < 1) return error(`argument --max-downloads: invalid value: ${pyRepr(texts.max_downloads)} (expected a number from 1)`);
    if (options.share === null) return error("--max-downloads requires --share");
    options.max_downloads = n;
  }
  if (options.share !== null) {
    // A share link is read-only and lives in one process (its prefix and counters).
    if (options.cgi) return error("--share cannot be combined with --cgi (a share link is read-only)");
    if (options.upload) return error("--share cannot be combined with --upload (a share link is read-only)");
    if (options.workers !== 1) return error("--share cannot be combined with --workers (one process holds the link and its counters)");
  }
  return { kind: "run", options };
}

/** The checks of the upload and password options (issue 15), their values converted. */
export function checkUploadOptions(options: CliOptions, texts: Partial<Record<"max_upload" | "auth_scope", string>>): ParseResult {
  const error = (message: string): ParseResult => ({ kind: "error", message });
  if (texts.max_upload !== undefined) {
    const n = parseSize(texts.max_upload);
    if (n === null || n < 1) return error(`argument --max-upload: invalid size: ${pyRepr(texts.max_upload)} (expected bytes or a number with K, M, G or T)`);
    options.max_upload = n;
  }
  if (texts.auth_scope !== undefined) {
    if (texts.auth_scope !== "all" && texts.auth_scope !== "upload") {
      return error(`argument --auth-scope: invalid choice: ${pyRepr(texts.auth_scope)} (choose from 'all', 'upload')`);
    }
    options.auth_scope = texts.auth_scope;
  }
  for (const spec of options.auth) {
    try {
      parseCredential(spec);
    } catch (e) {
      // Never the password in a message: the user name at most.
      const user = spec.includes(":") ? ` for user ${pyRepr(spec.slice(0, spec.indexOf(":")))}` : "";
      return error(`argument --auth: ${(e as Error).message}${user} (expected USER:PASSWORD)`);
    }
  }
  if (!options.upload) {
    for (const [flag, given] of [
      ["--upload-overwrite", options.upload_overwrite],
      ["--upload-mkdir", options.upload_mkdir],
      ["--max-upload", texts.max_upload !== undefined],
    ] as const) {
      if (given) return error(`${flag} requires --upload to be set`);
    }
  }
  if (texts.auth_scope !== undefined && options.auth.length === 0) return error("--auth-scope requires --auth to be set");
  return { kind: "run", options };
}

