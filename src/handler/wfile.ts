/**
 * `wfile`: the response's output stream. Writes keep their order, whether or
 * not the caller awaits them; awaiting one gives backpressure.
 *
 * Strategy: bytes written in one turn of the event loop are queued and leave
 * in one socket write on the next tick (or at `flush()`, or as soon as 64 KiB
 * are queued), so a status line, headers and a small body cost one syscall.
 * A write resolves at once while the socket's buffer is below its high-water
 * mark and otherwise when it drains, so a 10 GB response never sits in
 * memory. A write to a closed connection rejects with `BrokenPipeError`;
 * every returned Promise is marked handled, so ignoring one never crashes
 * the process.
 */

import type { Socket } from "node:net";
import { TimeoutError } from "./rfile.js";

/** The writing side of a handler's connection, as a handler uses it. */
export interface WFile {
  /** Queues bytes (strings are UTF-8) in order; resolves when more may be written. */
  write(data: Uint8Array | string): Promise<void>;
  /** Sends everything queued; resolves when the socket has room again. */
  flush(): Promise<void>;
}

/** Python's `BrokenPipeError`: the connection is gone. */
export class BrokenPipeError extends Error {
  override name = "BrokenPipeError";
  readonly code = "EPIPE";
  constructor(message = "Broken pipe") {
    super(message);
  }
}

/** What `write()` and `flush()` return when there is nothing to wait for. */
export const RESOLVED: Promise<void> = Promise.resolve();
const COALESCE_LIMIT = 64 * 1024;

function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

/** Timeouts in seconds read at each wait for drain. */
export interface WriteTimeouts {
  /** Python's socket timeout: replaces `send` when not null. */
  timeout: number | null;
  send: number;
}

const DEFAULT_TIMEOUTS: WriteTimeouts = { timeout: null, send: 60 };
let lastTimeouts = DEFAULT_TIMEOUTS;

/** The timeouts as one object, shared with the previous connection's when the values are the same. */
export function writeTimeouts(timeout: number | null, send: number): WriteTimeouts {
  const t = lastTimeouts;
  if (t.timeout === timeout && t.send === send) return t;
  lastTimeouts = { timeout, send };
  return lastTimeouts;
}

/** The writer of one connection. Internal members start with `_`. */
export class SocketWriter implements WFile {
  readonly #socket: Socket;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #scheduled = false;
  #drain: Promise<void> | null = null;
  /** The scheduled send's callback, made at the first one (an HTTP/2 stream's writer often has none). */
  #tick: (() => void) | null = null;

  /** Bytes accepted by `write()` since the connection opened. */
  _bytesWritten = 0;
  /** Timeouts in force (set by the handler). */
  _timeouts: WriteTimeouts = DEFAULT_TIMEOUTS;

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  write(data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    if (this.#socket.destroyed || this.#socket.writableEnded) return handled(Promise.reject(new BrokenPipeError()));
    const n = bytes.byteLength;
    if (n === 0) return this.#drain ?? RESOLVED;
    this.#queue.push(bytes);
    this.#queued += n;
    this._bytesWritten += n;
    if (this.#queued >= COALESCE_LIMIT) return this.#send();
    if (!this.#scheduled && !this._held) this.#scheduleSend();
    return this.#drain ?? RESOLVED;
  }

  /**
   * Set by the handler around a `do_*` call it will flush itself: writes
   * meanwhile are queued without scheduling a send (saves a tick per request).
   * Whoever clears it calls `_schedule()` unless it flushes at once.
   */
  _held = false;

  /** Sends what is queued on the next tick, if anything is and no send is scheduled. */
  _schedule(): void {
    this._held = false;
    if (this.#queue.length > 0 && !this.#scheduled) this.#scheduleSend();
  }

  #scheduleSend(): void {
    this.#scheduled = true;
    process.nextTick(
      (this.#tick ??= (): void => {
        this.#scheduled = false;
        this.#send();
      }),
    );
  }

  /** Bytes queued here and not yet handed to the socket. */
  get _pending(): number {
    return this.#queued;
  }

  /** The socket is full (or being waited on): a writer should wait for drain. */
  get _congested(): boolean {
    return this.#drain !== null || this.#socket.writableNeedDrain;
  }

  flush(): Promise<void> {
    return this.#send();
  }

  /** Hands the queue to the socket; resolves when the socket has room again. */
  #send(): Promise<void> {
    const queue = this.#queue;
    if (queue.length > 0) {
      const socket = this.#socket;
      const bytes = this.#queued;
      this.#queue = [];
      this.#queued = 0;
      if (socket.destroyed || socket.writableEnded) return handled(Promise.reject(new BrokenPipeError()));
      let ok: boolean;
      if (queue.length === 1) {
        ok = socket.write(queue[0]!);
      } else if (bytes <= COALESCE_LIMIT) {
        ok = socket.write(Buffer.concat(queue, bytes));
      } else {
        socket.cork();
        ok = true;
        for (const b of queue) ok = socket.write(b);
        socket.uncork();
      }
      if (!ok) return this.#waitDrain();
    }
    return this.#drain ?? RESOLVED;
  }

  #waitDrain(): Promise<void> {
    if (this.#drain !== null) return this.#drain;
    const socket = this.#socket;
    const t = this._timeouts;
    const seconds = t.timeout ?? t.send;
    const p = new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        socket.off("drain", onDrain);
        socket.off("close", onClose);
        if (timer !== undefined) clearTimeout(timer);
        this.#drain = null;
        if (err) reject(err);
        else resolve();
      };
      const onDrain = (): void => done();
      const onClose = (): void => done(new BrokenPipeError());
      const timer =
        seconds > 0 && Number.isFinite(seconds)
          ? setTimeout(() => {
              socket.destroy();
              done(new TimeoutError());
            }, seconds * 1000)
          : undefined;
      socket.on("drain", onDrain);
      socket.on("close", onClose);
    });
    this.#drain = handled(p);
    return this.#drain;
  }
}
