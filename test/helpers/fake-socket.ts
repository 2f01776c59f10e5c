/**
 * A stand-in for `net.Socket` with just what `SocketReader` and
 * `SocketWriter` use, so that rfile and wfile are tested without sockets:
 * the test emits 'data', 'end', 'drain' and 'close' itself, and reads back
 * each `write()` and whether the stream was paused.
 */

import { EventEmitter } from "node:events";
import type { Socket } from "node:net";

export class FakeSocket extends EventEmitter {
  /** Every chunk handed to `write()`, in order. */
  readonly writes: Buffer[] = [];
  destroyed = false;
  writableEnded = false;
  writableNeedDrain = false;
  paused = false;
  /** While `true`, `write()` returns false (the kernel buffer is full). */
  full = false;
  corked = 0;

  write(chunk: Uint8Array): boolean {
    this.writes.push(Buffer.from(chunk));
    if (this.full) this.writableNeedDrain = true;
    return !this.full;
  }

  cork(): void {
    this.corked++;
  }

  uncork(): void {}

  pause(): this {
    this.paused = true;
    return this;
  }

  resume(): this {
    this.paused = false;
    return this;
  }

  destroy(): this {
    this.destroyed = true;
    // As net.Socket: 'close' comes later, not inside destroy().
    process.nextTick(() => this.emit("close"));
    return this;
  }

  /** The kernel buffer emptied. */
  drain(): void {
    this.full = false;
    this.writableNeedDrain = false;
    this.emit("drain");
  }

  /** This object typed as the Socket it stands for. */
  get socket(): Socket {
    return this as unknown as Socket;
  }
}

/** Resolves after pending ticks and microtasks have run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
