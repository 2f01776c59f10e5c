// src/server/linger-wheel.ts: the deadline of every connection that is lingering
// after its response (FIN sent, reading and discarding until the client closes).
//
// Strategy: one coarse timer wheel per server instead of one `setTimeout` and
// one closure per connection. Sockets go into the newest of three generations;
// every `period` ms (one unref'd interval, running only while a socket lingers)
// the oldest generation is handed to `expire` and the others age by one. A
// socket therefore lingers between 2 and 3 periods. A socket that closes by
// itself leaves its generation through one listener shared by all sockets.

import type { Socket } from "node:net";

export class LingerWheel {
  readonly #generations: [Set<Socket>, Set<Socket>, Set<Socket>] = [new Set(), new Set(), new Set()];
  readonly #expire: (socket: Socket) => void;
  readonly #period: number;
  #interval: ReturnType<typeof setInterval> | null = null;
  #count = 0;
  /** The one `close` listener of every socket in the wheel (`this` is the socket). */
  readonly #onClose: (this: Socket) => void;

  /** `expire(socket)` is called for each socket still open 2–3 `periodMs` after `add()`. */
  constructor(expire: (socket: Socket) => void, periodMs: number) {
    this.#expire = expire;
    this.#period = periodMs;
    const wheel = this;
    this.#onClose = function (this: Socket) {
      wheel.delete(this);
    };
  }

  /** Sockets waiting for their deadline. */
  get size(): number {
    return this.#count;
  }

  /** Starts `socket`'s deadline. */
  add(socket: Socket): void {
    const newest = this.#generations[2];
    if (newest.has(socket)) return;
    newest.add(socket);
    this.#count++;
    socket.on("close", this.#onClose);
    if (this.#interval === null) {
      this.#interval = setInterval(() => this.tick(), this.#period);
      this.#interval.unref();
    }
  }

  /** Forgets `socket` (it closed). */
  delete(socket: Socket): void {
    for (const generation of this.#generations) {
      if (generation.delete(socket)) {
        this.#count--;
        socket.removeListener("close", this.#onClose);
        break;
      }
    }
    this.#stopIfEmpty();
  }

  /** One period passed: expires the oldest generation. Called by the interval (public for tests). */
  tick(): void {
    const [oldest, middle, newest] = this.#generations;
    this.#generations[0] = middle;
    this.#generations[1] = newest;
    this.#generations[2] = new Set();
    for (const socket of oldest) {
      this.#count--;
      socket.removeListener("close", this.#onClose);
      this.#expire(socket);
    }
    this.#stopIfEmpty();
  }

  #stopIfEmpty(): void {
    if (this.#count === 0 && this.#interval !== null) {
      clearInterval(this.#interval);
      this.#interval = null;
    }
  }
}
