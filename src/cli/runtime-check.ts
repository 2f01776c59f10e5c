/**
 * What the command needs from the runtime before it starts, checked up front
 * so that a runtime refusing it gives one clear line, not a stack trace.
 *
 * Strategy: only Deno can refuse today — its permissions are off unless
 * granted (`deno run -A`, or `--allow-net` and friends), and a refused
 * `listen()` throws `NotCapable` from deep inside its Node.js layer, outside
 * any handler of ours. So under Deno the permissions the chosen options use
 * are queried (`Deno.permissions.querySync`, no prompt) and every one not
 * granted is named with its flag. Node.js and Bun have no such permissions:
 * nothing to check.
 */

import type { CliOptions } from "./args.js";

/** The slice of Deno's permission API used here. */
interface DenoPermissions {
  querySync(descriptor: { name: string }): { state: "granted" | "prompt" | "denied" };
}

/** Deno's permission API, when running under Deno. */
function denoPermissions(): DenoPermissions | null {
  const deno = (globalThis as { Deno?: { permissions?: Partial<DenoPermissions> } }).Deno;
  return typeof deno?.permissions?.querySync === "function" ? (deno.permissions as DenoPermissions) : null;
}

/**
 * The Deno permissions `options` need that are not granted (`[]` elsewhere):
 * net (listen), read (the folder, certificates), env and sys (the
 * environment and the network interfaces of the banner), run (CGI scripts,
 * worker processes).
 */
export function missingPermissions(options: CliOptions, permissions: DenoPermissions | null = denoPermissions()): string[] {
  if (permissions === null) return [];
  const needed = ["net", "read", "env", "sys"];
  if (options.cgi || options.workers !== 1) needed.push("run");
  return needed.filter((name) => permissions.querySync({ name }).state !== "granted");
}

/** The one-line error for missing Deno permissions. */
export function permissionMessage(missing: string[]): string {
  const flags = missing.map((name) => `--allow-${name}`).join(" ");
  return `Deno has not granted ${missing.join(", ")} access: run it as \`deno run -A …\` (or with ${flags})`;
}
