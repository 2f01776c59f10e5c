/**
 * The command's side of share links (`--share [DURATION]`,
 * `--share-forever`, `--max-downloads N`): reading a duration, the URLs to
 * print, and the timer that ends the share.
 *
 * Strategy: the handler class does the serving (static/share-handler.ts);
 * here are the pure pieces `main.ts` needs — `parseDuration()` for the
 * argument, `shareUrls()` for the lines printed after the banner — and
 * `ShareLifetime`, one Promise that settles when the share is over (its
 * duration elapsed, or its last download started), which `main.ts` races
 * with the signals to stop accepting and exit 0.
 */

/** Seconds of `--share` without a duration: one hour. */
export const DEFAULT_SHARE_SECONDS = 3600;

/** The longest duration accepted: a typo (`--share 9999d`) must not outlive a timer's range. */
export const MAX_SHARE_SECONDS = 24 * 24 * 3600;

/** `1h30m`, `45m`, `90s`, `2d`: whole numbers with units, largest first. */
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Whether `text` has the shape of a duration (`--share`'s optional value is taken only then). */
export function looksLikeDuration(text: string): boolean {
  return text !== "" && DURATION.test(text.trim().toLowerCase());
}

/**
 * Seconds in a duration such as `1h30m`, `45m`, `90s` or `2d` (units
 * required, so `--share 8000` leaves 8000 to be the port); `null` when it
 * is malformed, zero, or longer than `MAX_SHARE_SECONDS`.
 */
export function parseDuration(text: string): number | null {
  const t = text.trim().toLowerCase();
  const m = t === "" ? null : DURATION.exec(t);
  if (m === null) return null;
  const [d, h, min, s] = [1, 2, 3, 4].map((i) => Number(m[i] ?? 0));
  const seconds = d! * 86400 + h! * 3600 + min! * 60 + s!;
  return seconds > 0 && seconds <= MAX_SHARE_SECONDS ? seconds : null;
}

/** `3600` → `"1h"`, `5400` → `"1h30m"`: the shortest spelling. */
export function formatDuration(seconds: number): string {
  let rest = seconds;
  let out = "";
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out || "0s";
}

/**
 * The share's URLs: the loopback one first (on the bound address when it is
 * one address, else 127.0.0.1), then each LAN URL (as `lanUrls()` gives
 * them) with the prefix appended.
 */
export function shareUrls(prefix: string, boundHost: string, port: number, scheme: string, lan: readonly (readonly [string, string])[]): [string, string | null][] {
  const all = boundHost === "::" || boundHost === "0.0.0.0";
  const host = all ? "127.0.0.1" : boundHost;
  const local = `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}/${prefix}/`;
  return [[local, null], ...lan.map(([url, iface]): [string, string] => [`${url}${prefix}/`, iface])];
}

/**
 * When a share ends: after `seconds` (unless `null`, `--share-forever`), or
 * when `exhaust()` is called (the last download started), whichever comes
 * first. `ended` resolves to the reason; `cancel()` clears the timer.
 */
export class ShareLifetime {
  readonly ended: Promise<"expired" | "exhausted">;
  #timer: NodeJS.Timeout | undefined;
  #settle!: (reason: "expired" | "exhausted") => void;

  constructor(seconds: number | null) {
    this.ended = new Promise((settle) => (this.#settle = settle));
    if (seconds !== null) {
      this.#timer = setTimeout(() => this.#settle("expired"), seconds * 1000);
      this.#timer.unref();
    }
  }

  /** The last allowed download has started. */
  exhaust(): void {
    this.#settle("exhausted");
  }

  cancel(): void {
    clearTimeout(this.#timer);
  }
}

/** Whether `host` is a loopback address (127.0.0.0/8, ::1, or an IPv4-mapped one). */
export function isLoopback(host: string): boolean {
  return host === "::1" || /^(?:::ffff:)?127\./i.test(host);
}

/** What the banner needs to know of a share link. */
export interface BannerShare {
  prefix: string;
  /** Seconds it lives; `null`: forever. */
  seconds: number | null;
  max_downloads: number | null;
}

/** The lines after the banner's first, `--qr`'s URL, and whether to warn about clear text. */
export interface BannerExtras {
  text: string;
  qrUrl: string;
  clearText: boolean;
}

/**
 * What the command prints after CPython's banner line: the LAN URLs
 * (indented, with their interface), or with a share link a heading and its
 * loopback and LAN URLs; `--qr`'s URL (the first LAN URL, else the first
 * printed, else `fallback`); and whether a share link crosses the network
 * in clear text (plain HTTP on an address that is not loopback).
 * @param scheme `http` or `https`.
 */
export function bannerExtras(
  share: BannerShare | null,
  host: string,
  port: number,
  scheme: string,
  lan: readonly (readonly [string, string])[],
  fallback: string,
): BannerExtras {
  const urls: [string, string | null][] = share === null ? lan.map(([u, i]) => [u, i]) : shareUrls(share.prefix, host, port, scheme, lan);
  let text = "";
  if (share !== null) {
    const until = share.seconds === null ? "no expiry" : `expires in ${formatDuration(share.seconds)}`;
    const limit = share.max_downloads === null ? "" : `, ${share.max_downloads} download(s)`;
    text += `Share link (read-only, ${until}${limit}):\n`;
  }
  for (const [url, iface] of urls) text += iface === null ? `  ${url}\n` : `  ${url} (${iface})\n`;
  const qrUrl = (urls.find(([, iface]) => iface !== null) ?? urls[0])?.[0] ?? fallback;
  return { text, qrUrl, clearText: share !== null && scheme === "http" && !isLoopback(host) };
}
