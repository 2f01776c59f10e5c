/**
 * Extension (not in CPython): the command-line options for running behind
 * a load balancer (PROXY protocol, trusted proxies, health, draining, access
 * log formats), kept apart from args.ts's table so that file only lists them.
 *
 * Strategy: args.ts collects the raw values; `checkLbOptions()` converts and
 * checks them after parsing, returning argparse-style messages (exit 2).
 */

import { pyRepr } from "../python/repr.js";
import { LOG_FORMATS, type LogFormat } from "../handler/access-log.js";
import { TrustedProxies } from "../server/proxy-accept.js";

/** The options, with their defaults in `LB_DEFAULTS`. */
export interface LbOptions {
  /** `--proxy-protocol`: expect a PROXY header first on every connection. */
  proxy_protocol: boolean;
  /** `--trusted-proxy`: comma-separated addresses/CIDRs, repeats joined; `null` when not given. */
  trusted_proxy: string | null;
  /** `--health PATH`: the health endpoint's path, or `null`. */
  health: string | null;
  /** `--drain-timeout`: seconds SIGTERM lets requests in flight finish. Default 10. */
  drain_timeout: number;
  /** `--log-format`: the access log line's format. Default `"python"`. */
  log_format: LogFormat;
  /** `--access-log FILE`: where access lines go; `null` is stderr. */
  access_log: string | null;
}

export const LB_DEFAULTS: Readonly<LbOptions> = Object.freeze({
  proxy_protocol: false,
  trusted_proxy: null,
  health: null,
  drain_timeout: 10,
  log_format: "python",
  access_log: null,
});

/** Most seconds `--drain-timeout` accepts (a day). */
const MAX_DRAIN = 86400;

/** Converts and checks the raw values; an error message, or `null` when all is well. */
export function checkLbOptions(options: LbOptions, text: { drain_timeout?: string; log_format?: string }): string | null {
  if (text.log_format !== undefined) {
    if (!(LOG_FORMATS as readonly string[]).includes(text.log_format)) {
      return `argument --log-format: invalid choice: ${pyRepr(text.log_format)} (choose from ${LOG_FORMATS.join(", ")})`;
    }
    options.log_format = text.log_format as LogFormat;
  }
  if (text.drain_timeout !== undefined) {
    const t = text.drain_timeout.trim();
    const n = /^\d+(\.\d+)?$/.test(t) ? Number(t) : NaN;
    if (!(n >= 0 && n <= MAX_DRAIN)) {
      return `argument --drain-timeout: invalid value: ${pyRepr(text.drain_timeout)} (expected seconds from 0 to ${MAX_DRAIN})`;
    }
    options.drain_timeout = n;
  }
  if (options.trusted_proxy !== null) {
    try {
      TrustedProxies.parse(options.trusted_proxy);
    } catch (e) {
      return `argument --trusted-proxy: ${(e as Error).message}`;
    }
  }
  if (options.health !== null && !/^\/[\x21-\x7e]*$/.test(options.health)) {
    return `argument --health: invalid path: ${pyRepr(options.health)} (expected an absolute URL path such as /healthz)`;
  }
  if (options.access_log === "") return "argument --access-log: empty file name";
  return null;
}
