/**
 * The authentication gate of SimpleHTTPRequestHandler (`auth`): runs before
 * every `do_*` (the base handler's `_before_dispatch` hook), so listings,
 * files, CGI scripts and uploads are all behind it.
 *
 * Strategy: outside the scope (`auth_scope = "upload"` and a reading
 * method) the request passes. Otherwise the address's slow-down is waited
 * out first, then `Authorization` is parsed and verified (`auth.ts`); a
 * failure is logged with the user name, never the password, counted, and
 * answered 401 with `WWW-Authenticate: Basic realm="…", charset="UTF-8"`.
 */

import { authenticatorFor, challenge, parseBasic, recordFailure, recordSuccess, throttleDelay, WRITE_METHODS, type AuthScope } from "./auth.js";

/** What the gate needs of its handler. */
export interface AuthHandler {
  command: string | null;
  headers: { get(name: string): string | undefined };
  client_address: readonly [string, ...unknown[]];
  auth: readonly string[] | null;
  auth_scope: AuthScope;
  auth_realm: string;
  send_response(code: number, message?: string | null): void;
  send_header(keyword: string, value: string | number): void;
  end_headers(): void;
  log_message(format: string, ...args: unknown[]): void;
  wfile: { write(data: Buffer): Promise<void> };
}

const UNAUTHORIZED_BODY = Buffer.from(
  '<!DOCTYPE HTML>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>401 Unauthorized</title>\n</head>\n<body>\n<h1>401 Unauthorized</h1>\n<p>This server needs a user name and password.</p>\n</body>\n</html>\n',
  "utf8",
);

/** Whether the request may go on; `false` once it has been answered 401. */
export async function authGate(h: AuthHandler): Promise<boolean> {
  const specs = h.auth;
  if (specs === null || specs.length === 0) return true;
  if (h.auth_scope === "upload" && !WRITE_METHODS.has(h.command ?? "")) return true;
  const address = String(h.client_address[0]);
  const wait = throttleDelay(address);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const header = h.headers.get("Authorization");
  const given = header === undefined ? null : parseBasic(header);
  if (given !== null && (await authenticatorFor(specs).verify(given.user, given.password))) {
    recordSuccess(address);
    return true;
  }
  if (header !== undefined) {
    recordFailure(address);
    h.log_message("authentication failed%s", given === null ? " (malformed Authorization header)" : ` for user ${JSON.stringify(given.user)}`);
  }
  h.send_response(401);
  h.send_header("WWW-Authenticate", challenge(h.auth_realm));
  h.send_header("Content-Type", "text/html; charset=utf-8");
  h.send_header("Content-Length", String(UNAUTHORIZED_BODY.length));
  h.end_headers();
  if (h.command !== "HEAD") await h.wfile.write(UNAUTHORIZED_BODY);
  return false;
}
