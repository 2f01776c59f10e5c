/**
 * The handler attributes of the file-sharing features (issue 15) —
 * listings, archives, share links, uploads and passwords — with their
 * documentation and defaults. They are merged into SimpleHTTPRequestHandler
 * (an interface of the same name there) and set on its prototype, so a
 * subclass field or `Handler.prototype.upload = true` overrides them like
 * Python's class attributes.
 */

import type { AuthScope } from "./auth.js";
import type { ListingMode } from "./listing.js";
import { DEFAULT_MAX_UPLOAD } from "./upload-rules.js";

/** Issue 15's attributes of SimpleHTTPRequestHandler. */
export interface SharingAttributes {
  /**
   * Extension (not in CPython): how a directory without an index page is
   * answered. `"python"` (the default): CPython's page, byte for byte;
   * `"rich"`: a sortable table (see listing-rich.ts); `"off"`: 404. In any
   * mode but `"off"`, `Accept: application/json` gets the entries as JSON.
   * The CLI's `--listing`.
   */
  listing: ListingMode;
  /**
   * Extension (not in CPython): `GET /dir/?download=zip` (`tar`, `tar.gz`)
   * streams the folder as an archive. `false` by default. The CLI's `--archives`.
   */
  archives: boolean;
  /**
   * Extension (not in CPython): a URL shown as a QR code on the rich listing,
   * or `null` (the default). The CLI's `--qr`.
   */
  listing_qr: string | null;
  /**
   * Extension (not in CPython): the URL path at which `directory` is served,
   * ending in `/`: where the rich listing's breadcrumb starts. `"/"` by
   * default; a share link's prefix under `--share`.
   */
  listing_base: string;
  /**
   * Extension (not in CPython): accept uploads — `PUT /dir/name` (the body
   * is the file), `POST` of multipart/form-data to a directory, and
   * resumable uploads (draft-ietf-httpbis-resumable-upload). Written
   * atomically (see upload.ts). `false` by default: 501 as in CPython.
   */
  upload: boolean;
  /** Extension (not in CPython): uploads may replace existing files without `If-Match`. */
  upload_overwrite: boolean;
  /** Extension (not in CPython): uploads may create missing parent directories. */
  upload_mkdir: boolean;
  /** Extension (not in CPython): largest upload request body in bytes (413 past it); 1 GiB. */
  max_upload: number;
  /**
   * Extension (not in CPython): HTTP Basic credentials, `"USER:PASSWORD"`
   * each (PASSWORD may be a `$scrypt$` hash from `--hash-password`); `null`
   * (the default): no authentication.
   */
  auth: readonly string[] | null;
  /** Extension (not in CPython): what `auth` protects: `"all"` (default) or `"upload"` (writes only). */
  auth_scope: AuthScope;
  /** Extension (not in CPython): the realm named in `WWW-Authenticate`. */
  auth_realm: string;
}

/** Their defaults: every feature off, CPython's behaviour. */
export const SHARING_DEFAULTS: SharingAttributes = {
  listing: "python",
  archives: false,
  listing_qr: null,
  listing_base: "/",
  upload: false,
  upload_overwrite: false,
  upload_mkdir: false,
  max_upload: DEFAULT_MAX_UPLOAD,
  auth: null,
  auth_scope: "all",
  auth_realm: "http.server",
};
