/**
 * The command's side of uploads and passwords (issue 15): the handler
 * attributes `--upload…` and `--auth…` set, and what is said on stderr at
 * start (the clear-text password warning, stale upload temporaries removed).
 */

import { sweepOnce } from "../static/atomic-file.js";
import type { SimpleHTTPRequestHandler } from "../static/simple-handler.js";
import { PROG, type CliOptions } from "./args.js";
import type { CliIO } from "./main.js";

/** Uploads and passwords (issue 15): the handler attributes of `--upload…` and `--auth…`. */
export function applyUploadOptions(proto: SimpleHTTPRequestHandler, options: CliOptions): void {
  proto.upload = options.upload;
  proto.upload_overwrite = options.upload_overwrite;
  proto.upload_mkdir = options.upload_mkdir;
  proto.max_upload = options.max_upload;
  proto.auth = options.auth.length > 0 ? [...options.auth] : null;
  proto.auth_scope = options.auth_scope;
}

/** Whether `host` (a bound address) is a loopback one: only this machine can reach it. */
export function isLoopback(host: string): boolean {
  return /^127\./.test(host) || host === "::1" || /^::ffff:127\./i.test(host);
}

/** The start-up warning for `--auth` without `--tls-cert` on an address other machines can reach, or `null`. */
export function authWarning(options: CliOptions, host: string): string | null {
  if (options.auth.length === 0 || options.tls_cert !== null || isLoopback(host)) return null;
  return `${PROG}: warning: --auth without --tls-cert on ${host}: HTTP Basic sends the password readable by anyone on the network\n`;
}

/** Start-up lines of `--upload` and `--auth` (stderr), after the banner. */
export async function uploadStartup(options: CliOptions, directory: string, host: string, io: CliIO): Promise<void> {
  const warning = authWarning(options, host);
  if (warning !== null) io.stderr.write(warning);
  if (options.upload) {
    const removed = await sweepOnce(directory);
    if (removed > 0) io.stderr.write(`${PROG}: removed ${removed} temporary file(s) left by interrupted uploads\n`);
  }
}

