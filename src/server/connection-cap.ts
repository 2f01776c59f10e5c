/**
 * The connection cap of a server (`max_connections`, an extension): which
 * connections are admitted, and what one past the limit gets.
 *
 * Strategy: a connection is counted from its accept (before any TLS
 * handshake) until its socket closes. One past the limit is answered with
 * fixed bytes (a 503 with `Connection: close`, sent before any request is
 * read) and closed after a short linger, so the client reads the answer
 * rather than a reset. At most `MAX_REFUSING` are being answered at once;
 * past that they are closed unanswered, so a flood cannot hold more
 * descriptors than the limit plus that. `BaseServer` owns one `ConnectionCap`
 * and asks it on each accept; the limit itself is read from the server on
 * each call, so a changed `max_connections` applies to the next connection.
 */

import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import { escapeControl, logDateTimeString, writeLog } from "../python/log-line.js";
import { LINGER_TIMEOUT, MAX_REFUSING } from "../protocol/limits.js";

/** What a connection past the limit gets before it is closed. */
const OVERLOADED_BODY = "Too many connections.\n";
const OVERLOADED = Buffer.from(
  "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n" +
    `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${OVERLOADED_BODY.length}\r\n\r\n${OVERLOADED_BODY}`,
  "latin1",
);

/**
 * The default of `max_connections`: half the soft `RLIMIT_NOFILE` (each
 * connection may hold a socket and a file), less a reserve for the process's
 * own descriptors, read from `/proc/self/limits`; 1024 where that is not
 * available. Read once.
 */
let autoMax: number | null = null;
export function defaultMaxConnections(): number {
  if (autoMax !== null) return autoMax;
  autoMax = 1024;
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "latin1"));
    if (m !== null && m[1] !== "unlimited") autoMax = Math.max(16, Math.floor((Number(m[1]) - 64) / 2));
  } catch {
    // Not Linux: keep the fixed default.
  }
  return autoMax;
}

/** Counts a server's open connections against its limit and turns away the ones past it. */
export class ConnectionCap {
  /** Sockets admitted and not yet closed (queued, served, or handshaking). */
  #open = 0;
  /** Over-limit sockets still being sent their 503. */
  #refusing = 0;
  readonly #onClose = (): void => {
    this.#open--;
  };

  /** Connections admitted and not yet closed. */
  get open(): number {
    return this.#open;
  }

  /** Counts `socket` until it closes; `false` (and not counted) when `limit` are open already. */
  admit(socket: Socket, limit: number): boolean {
    if (this.#open >= limit) return false;
    this.#open++;
    socket.on("close", this.#onClose); // one listener shared by every socket, no closure per connection
    return true;
  }

  /** Logs the refusal, answers `socket` with the fixed 503 and closes it (unanswered past `MAX_REFUSING`). */
  refuse(socket: Socket, limit: number): void {
    socket.on("error", () => {});
    const who = socket.remoteAddress ?? "?";
    writeLog(`${escapeControl(who)} - - [${logDateTimeString()}] connection refused: ${limit} connections open (max_connections)\n`);
    if (this.#refusing >= MAX_REFUSING) {
      socket.destroy();
      return;
    }
    this.#refusing++;
    const timer = setTimeout(() => socket.destroy(), LINGER_TIMEOUT * 1000).unref();
    socket.once("close", () => {
      this.#refusing--;
      clearTimeout(timer);
    });
    socket.on("data", () => {}); // read and discard whatever the client sent
    socket.end(OVERLOADED);
    socket.resume();
  }
}
