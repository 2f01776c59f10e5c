/**
 * A stand-in for `net.Socket` with just what `SocketReader` and
 * `SocketWriter` use, so that rfile and wfile are tested without sockets:
 * the test emits 'data', 'end', 'drain' and 'close' itself, and reads back
 * each `write()` and whether the stream was paused. And `BytesReader`, a
 * replacement `rfile` over fixed bytes.
 */

import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import type { RFile } from "../../src/handler/rfile.js";

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

/** A replacement rfile over fixed bytes: Python's BufferedReader reads, no socket. */
export class BytesReader implements RFile {
  #data: Buffer;
  constructor(text: string) {
    this.#data = Buffer.from(text, "latin1");
  }
  async read(n = -1): Promise<Buffer> {
    const k = n < 0 ? this.#data.length : Math.min(n, this.#data.length);
    const out = this.#data.subarray(0, k);
    this.#data = this.#data.subarray(k);
    return out;
  }
  async read1(n = -1): Promise<Buffer> {
    return this.read(n);
  }
  async readline(limit = -1): Promise<Buffer> {
    const lf = this.#data.indexOf(0x0a);
    const end = lf === -1 ? this.#data.length : lf + 1;
    return this.read(limit < 0 ? end : Math.min(end, limit));
  }
  async readlines(): Promise<Buffer[]> {
    const lines: Buffer[] = [];
    for (let line = await this.readline(); line.length > 0; line = await this.readline()) lines.push(line);
    return lines;
  }
}
