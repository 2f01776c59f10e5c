/**
 * What a read of `rfile` may wait for, and how long: the phases of a
 * connection (idle between requests, a head, a body), their timeouts in
 * seconds, and Python's `TimeoutError` that a wait past them rejects with.
 *
 * Strategy: the timeouts travel as one object that readers never change, so
 * `readTimeouts()` hands every connection with the same values the same
 * object (no allocation per connection); the reader (rfile.ts) reads it at
 * each wait and keeps one timer per connection.
 */

/** Python's `TimeoutError` (`socket.timeout`): a read or write waited too long. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
  constructor(message = "timed out") {
    super(message);
  }
}

/** What a read is waiting for; decides which timeout applies. */
export type ReadPhase = "idle" | "head" | "body";

/** Timeouts in seconds (`null`: none), read by the reader at each wait. */
export interface ReadTimeouts {
  /** Python's socket timeout: replaces the inactivity timeouts when not null. */
  timeout: number | null;
  keepAlive: number;
  header: number;
  body: number;
}

/** A reader's timeouts until the handler sets its own. */
export const DEFAULT_TIMEOUTS: ReadTimeouts = { timeout: null, keepAlive: 5, header: 30, body: 60 };
let lastTimeouts = DEFAULT_TIMEOUTS;

/**
 * The timeouts as one object, shared with the previous connection's when the
 * values are the same (readers never change the object they are given).
 */
export function readTimeouts(timeout: number | null, keepAlive: number, header: number, body: number): ReadTimeouts {
  const t = lastTimeouts;
  if (t.timeout === timeout && t.keepAlive === keepAlive && t.header === header && t.body === body) return t;
  lastTimeouts = { timeout, keepAlive, header, body };
  return lastTimeouts;
}
