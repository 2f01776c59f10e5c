/**
 * Extension (not in CPython): applies the load-balancer options to the
 * command's handler and server classes, and the process-level parts:
 * SIGHUP reopening the access log, the warning when `--health` hides a
 * file, the drain's first phase.
 *
 * Strategy: everything is set on the per-run subclasses `chooseHandler()` /
 * `chooseServer()` create (never on the library's classes), so the same
 * code serves the primary and every `--workers` process. With none of the
 * options, nothing here changes anything.
 */

import cluster from "node:cluster";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { reopenAccessLogs } from "../handler/access-log.js";
import type { BaseServer, RequestHandlerClass } from "../server/base-server.js";
import { TrustedProxies } from "../server/proxy-accept.js";
import type { LbOptions } from "./lb-args.js";

/** Sets `health_path`, `log_format` and `access_log` on the command's handler subclass. */
export function applyHandlerOptions(Handler: RequestHandlerClass, options: LbOptions): void {
  const p = Handler.prototype as unknown as { health_path: string | null; log_format: string; access_log: string | null };
  if (options.health !== null) p.health_path = options.health;
  if (options.log_format !== "python") p.log_format = options.log_format;
  if (options.access_log !== null) p.access_log = options.access_log;
}

/** Sets `proxy_protocol` and `trusted_proxies` on the command's server subclass. */
export function applyServerOptions(Server: abstract new (...args: never[]) => BaseServer, options: LbOptions): void {
  const p = Server.prototype as BaseServer;
  if (options.proxy_protocol) p.proxy_protocol = true;
  if (options.trusted_proxy !== null) p.trusted_proxies = TrustedProxies.parse(options.trusted_proxy);
}

/**
 * The warning line when a file or directory exists at the `--health` path
 * under the served directory (the health answer wins; the file is never
 * served), or `null`.
 */
export async function healthShadowWarning(directory: string, health: string | null): Promise<string | null> {
  if (health === null) return null;
  let name: string;
  try {
    name = decodeURIComponent(health);
  } catch {
    return null;
  }
  try {
    await stat(join(directory, name));
  } catch {
    return null;
  }
  return `warning: --health ${health} hides ${join(directory, name)}: that path always answers the health check`;
}

/**
 * Reopens the access log on SIGHUP (log rotation); in the primary of
 * `--workers`, passes the signal on to every worker, which reopen their own.
 * Returns the function that removes the listener.
 */
export function reopenOnHangup(options: LbOptions): () => void {
  if (options.access_log === null) return () => {};
  const onHup = (): void => {
    reopenAccessLogs();
    if (cluster.isPrimary) for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGHUP");
  };
  process.on("SIGHUP", onHup);
  return () => process.off("SIGHUP", onHup);
}

/**
 * The drain's first phase: marks the server draining (health answers 503,
 * connections close after their current response) and, with `--health`,
 * keeps accepting for half the drain timeout so a balancer polling the
 * health path sees the 503 and stops sending before the listener closes.
 * Ends early on `interrupt`. Resolves to the milliseconds left for phase two.
 */
export async function drainFirstPhase(httpd: BaseServer, options: LbOptions, drainMs: number, interrupt: Promise<unknown>): Promise<number> {
  httpd.draining = true;
  if (options.health === null || drainMs <= 0) return drainMs;
  const grace = drainMs / 2;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([new Promise<void>((done) => (timer = setTimeout(done, grace))), interrupt]);
  clearTimeout(timer);
  return drainMs - grace;
}
