/**
 * HTTP Basic authentication (RFC 7617) for SimpleHTTPRequestHandler's
 * `auth` (the CLI's `--auth USER:PASSWORD`, repeatable), with salted scrypt
 * hashes from `--hash-password` and a per-address slow-down after failures.
 *
 * Strategy:
 * - Credentials are parsed once per `auth` array (a WeakMap keyed by it).
 *   A password is either plain text or `$scrypt$ln=14,r=8,p=1$SALT$HASH`
 *   (base64 without padding; `ln` is log2 of scrypt's N).
 * - Comparison is constant-time by construction: the user name and a plain
 *   password are compared as SHA-256 digests with `crypto.timingSafeEqual`
 *   (equal lengths whatever the input), against every entry, without an
 *   early exit; a hashed password is compared as scrypt output of fixed
 *   length. When no entry has the user, scrypt still runs once (against a
 *   dummy salt) if any entry is hashed, so the time does not tell whether a
 *   user exists.
 * - scrypt costs tens of milliseconds: a success is remembered under the
 *   SHA-256 of the credentials (a bounded map; the key is a digest, so a
 *   lookup's timing says nothing usable about the password).
 * - `Authorization` parsing (`parseBasic`) is strict and pure: scheme
 *   case-insensitive, one or more spaces, canonical base64 (token68), valid
 *   UTF-8 (RFC 7617 `charset="UTF-8"`), a colon.
 * - Failures are counted per client address in a bounded table (oldest
 *   forgotten first); from the fourth failure on, each answer waits longer
 *   (doubling, capped), and a success clears the count.
 */

import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto";

/** What `auth_scope` protects: everything, or only writes (PUT, POST, PATCH, DELETE). */
export type AuthScope = "all" | "upload";

/** Methods that write (protected by `auth_scope = "upload"`). */
export const WRITE_METHODS: ReadonlySet<string> = new Set(["PUT", "POST", "PATCH", "DELETE"]);

/** scrypt parameters of new hashes: N = 2^14, r = 8 (16 MiB, tens of ms), p = 1. */
const DEFAULT_LN = 14;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Largest accepted `ln`: 2^20 × r × 128 bytes is 1 GiB with r = 8. */
const MAX_LN = 20;

/** One configured user. */
export interface Credential {
  readonly user: Buffer;
  /** SHA-256 of the user name (UTF-8). */
  readonly userDigest: Buffer;
  readonly kind: "plain" | "scrypt";
  /** plain: SHA-256 of the password; scrypt: the stored hash. */
  readonly digest: Buffer;
  readonly salt: Buffer;
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

const sha256 = (b: Buffer | string): Buffer => createHash("sha256").update(b).digest();

function scrypt(password: Buffer, salt: Buffer, ln: number, r: number, p: number, length: number): Promise<Buffer> {
  const N = 2 ** ln;
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, length, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (e, key) => (e ? reject(e) : resolve(key))),
  );
}

const B64 = /^[A-Za-z0-9+/]+$/;

/** `$scrypt$ln=14,r=8,p=1$SALT$HASH` → its parts, or `null` when `text` is not such a string. */
export function parseScryptHash(text: string): { ln: number; r: number; p: number; salt: Buffer; hash: Buffer } | null {
  const m = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(text);
  if (m === null) return null;
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (ln < 1 || ln > MAX_LN || r < 1 || p < 1 || !B64.test(m[4]!) || !B64.test(m[5]!)) return null;
  const salt = Buffer.from(m[4]!, "base64");
  const hash = Buffer.from(m[5]!, "base64");
  if (salt.length < 8 || hash.length < 16) return null;
  return { ln, r, p, salt, hash };
}

/** A new salted scrypt hash of `password` in the format `auth` reads. */
export async function hashPassword(password: string, ln = DEFAULT_LN): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const hash = await scrypt(Buffer.from(password, "utf8"), salt, ln, SCRYPT_R, SCRYPT_P, KEY_LENGTH);
  const b64 = (b: Buffer): string => b.toString("base64").replace(/=+$/, "");
  return `$scrypt$ln=${ln},r=${SCRYPT_R},p=${SCRYPT_P}$${b64(salt)}$${b64(hash)}`;
}

/**
 * Parses `USER:PASSWORD` (split at the first colon; the password may hold
 * colons, or be a `$scrypt$…` hash). @throws Error with a one-line message.
 */
export function parseCredential(spec: string): Credential {
  const colon = spec.indexOf(":");
  if (colon === -1) throw new Error("expected USER:PASSWORD");
  const user = spec.slice(0, colon);
  const password = spec.slice(colon + 1);
  if (user === "") throw new Error("the user name is empty");
  if (/[\x00-\x1f\x7f]/.test(user)) throw new Error("the user name contains a control character");
  if (password === "") throw new Error("the password is empty");
  const userBytes = Buffer.from(user, "utf8");
  if (password.startsWith("$scrypt$")) {
    const h = parseScryptHash(password);
    if (h === null) throw new Error("malformed $scrypt$ hash (make one with --hash-password)");
    return { user: userBytes, userDigest: sha256(userBytes), kind: "scrypt", digest: h.hash, salt: h.salt, ln: h.ln, r: h.r, p: h.p };
  }
  return { user: userBytes, userDigest: sha256(userBytes), kind: "plain", digest: sha256(password), salt: Buffer.alloc(0), ln: 0, r: 0, p: 0 };
}

/**
 * The user and password of an `Authorization: Basic …` value, or `null`
 * when it is not one (another scheme, bad base64, not UTF-8, no colon).
 */
export function parseBasic(value: string): { user: string; password: string } | null {
  const m = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(value);
  if (m === null) return null;
  const token = m[1]!;
  if (token.length % 4 !== 0) return null;
  const raw = Buffer.from(token, "base64");
  // Canonical only: a token that does not round-trip hides extra bits.
  if (raw.toString("base64") !== token) return null;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    return null;
  }
  const colon = text.indexOf(":");
  if (colon === -1) return null;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Remembered successes: SHA-256(user NUL password) hex → true. */
const VERIFIED_MAX = 256;

/** The credentials of one `auth` array, with the cache of verified scrypt logins. */
export class Authenticator {
  readonly credentials: readonly Credential[];
  readonly #verified = new Map<string, true>();
  readonly #dummySalt = randomBytes(SALT_LENGTH);

  constructor(specs: readonly string[]) {
    this.credentials = specs.map(parseCredential);
  }

  /** Whether `user`/`password` match an entry; constant-time in the secret (see the file comment). */
  async verify(user: string, password: string): Promise<boolean> {
    const userDigest = sha256(user);
    const passDigest = sha256(password);
    const key = sha256(Buffer.concat([userDigest, passDigest])).toString("hex");
    let plainOk = false;
    let hashed: Credential | null = null;
    for (const c of this.credentials) {
      const userOk = timingSafeEqual(c.userDigest, userDigest);
      if (c.kind === "plain") {
        const passOk = timingSafeEqual(c.digest, passDigest);
        plainOk = (userOk && passOk) || plainOk;
      } else if (userOk) hashed = c;
    }
    if (plainOk) return true;
    if (this.#verified.has(key)) return true;
    const anyHashed = this.credentials.some((c) => c.kind === "scrypt");
    if (hashed === null) {
      if (anyHashed) await scrypt(Buffer.from(password, "utf8"), this.#dummySalt, DEFAULT_LN, SCRYPT_R, SCRYPT_P, KEY_LENGTH);
      return false;
    }
    const got = await scrypt(Buffer.from(password, "utf8"), hashed.salt, hashed.ln, hashed.r, hashed.p, hashed.digest.length);
    if (!timingSafeEqual(got, hashed.digest)) return false;
    if (this.#verified.size >= VERIFIED_MAX) this.#verified.delete(this.#verified.keys().next().value as string);
    this.#verified.set(key, true);
    return true;
  }
}

const authenticators = new WeakMap<readonly string[], Authenticator>();

/** The Authenticator of an `auth` array, parsed once. @throws Error for a malformed entry. */
export function authenticatorFor(specs: readonly string[]): Authenticator {
  let a = authenticators.get(specs);
  if (a === undefined) {
    a = new Authenticator(specs);
    authenticators.set(specs, a);
  }
  return a;
}

/** The slow-down after failures; tests shorten it. */
export const _authThrottleConfig = {
  /** Failures answered at once before slowing down. */
  free: 3,
  /** Wait after the first slowed failure, doubling each time. */
  baseMs: 250,
  /** Longest wait. */
  maxMs: 8000,
  /** Addresses remembered at most. */
  maxEntries: 4096,
  /** A failure older than this is forgotten. */
  forgetMs: 15 * 60 * 1000,
};

const failures = new Map<string, { count: number; last: number }>();

/** How long to wait before answering `address`'s next attempt (ms). */
export function throttleDelay(address: string, now = Date.now()): number {
  const entry = failures.get(address);
  const cfg = _authThrottleConfig;
  if (entry === undefined) return 0;
  if (now - entry.last > cfg.forgetMs) {
    failures.delete(address);
    return 0;
  }
  if (entry.count < cfg.free) return 0;
  return Math.min(cfg.maxMs, cfg.baseMs * 2 ** Math.min(30, entry.count - cfg.free));
}

/** Records a failed attempt from `address`. */
export function recordFailure(address: string, now = Date.now()): void {
  const entry = failures.get(address);
  failures.delete(address); // re-inserted last: the Map's order is the age order
  const cfg = _authThrottleConfig;
  while (failures.size >= cfg.maxEntries) failures.delete(failures.keys().next().value as string);
  failures.set(address, { count: (entry?.count ?? 0) + 1, last: now });
}

/** Clears `address`'s failures (a success). */
export function recordSuccess(address: string): void {
  failures.delete(address);
}

/** Entries in the failure table (tests). */
export function _failureTableSize(): number {
  return failures.size;
}

/** Empties the failure table (tests). */
export function _clearFailures(): void {
  failures.clear();
}

/** The `WWW-Authenticate` value for `realm` (quotes and backslashes escaped). */
export function challenge(realm: string): string {
  return `Basic realm="${realm.replace(/[\\"]/g, "\\$&")}", charset="UTF-8"`;
}
