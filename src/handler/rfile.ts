/**
 * `rfile`: the request's input stream, with Python's `BufferedReader` reads
 * (`read`, `read1`, `readline`, `readlines`) as Promises.
 *
 * Strategy: one reader per connection owns the socket's 'data' events and a
 * {@link ReceiveBuffer}. Reads are served from the buffer; when it runs short,
 * a read waits for the next arrival, under a timeout that depends on what is
 * being waited for (see `limits.ts`):
 *   idle  — between requests, nothing received yet: keep-alive timeout;
 *   head  — a request head has started: one deadline for the whole head;
 *   body  — the body: an inactivity timeout.
 * The handler's `timeout` (Python's socket timeout) replaces the inactivity
 * timeouts when set. Expiry rejects the read with a `TimeoutError`.
 *
 * Framing (our addition to CPython; body-frame.ts): once a request's head is
 * parsed, reads see only that request's body, as it is on the wire (chunked
 * stays chunked) and then end of stream, so a handler can never read into
 * the next request.
 * The socket is paused while more than `RECEIVE_HIGH_WATER` bytes wait unread.
 */

import type { Socket } from "node:net";
import { ProtocolError } from "../protocol/errors.js";
import type { Framing } from "../protocol/framing.js";
import { HeaderReader, type HTTPMessage } from "../protocol/headers.js";
import { RECEIVE_HIGH_WATER } from "../protocol/limits.js";
import { ReceiveBuffer } from "../protocol/receive-buffer.js";
import type { NoRequest, RequestHead, RequestHeadReader } from "../protocol/request-head.js";
import { BodyFrame } from "./body-frame.js";
import { DEFAULT_TIMEOUTS, TimeoutError, type ReadPhase, type ReadTimeouts } from "./read-timeouts.js";

export { readTimeouts, TimeoutError, type ReadPhase, type ReadTimeouts } from "./read-timeouts.js";

const EMPTY = Buffer.alloc(0);
/** The socket's reader: a slot on the socket, which the shared listeners below read. */
const READER = Symbol("reader");
type ReadSocket = Socket & { [READER]?: SocketReader };

/** The reading side of a handler's connection, as a handler uses it. */
export interface RFile {
  /** Reads `n` bytes, fewer only at end of stream; all of it when `n` is omitted or negative. */
  read(n?: number): Promise<Buffer>;
  /** Reads at most `n` bytes with at most one wait: whatever is available. */
  read1(n?: number): Promise<Buffer>;
  /** Reads one line, LF included, of at most `limit` bytes. Empty at end of stream. */
  readline(limit?: number): Promise<Buffer>;
  /** Reads every remaining line. */
  readlines(hint?: number): Promise<Buffer[]>;
}

/** The reader of one connection. Internal methods start with `_`. */
export class SocketReader implements RFile, AsyncIterable<Buffer> {
  readonly #socket: Socket;
  readonly #rb = new ReceiveBuffer();
  #eof = false;
  #paused = false;
  /** Resolves the pending wait; `null` when no read is waiting. */
  #wake: (() => void) | null = null;
  /** Rejects the pending wait on timeout; `null` when it has no timeout. */
  #reject: ((e: Error) => void) | null = null;
  /** One timer per connection, refreshed by each wait of the same length. */
  #timer: NodeJS.Timeout | null = null;
  #timerMs = 0;

  /** Which buffered bytes belong to the current body (body-frame.ts). */
  readonly #body = new BodyFrame();

  /** What reads are waiting for (set by the handler). */
  _phase: ReadPhase = "head";
  /** Absolute time (ms) by which the current head must be complete. */
  _headDeadline = 0;
  /** Timeouts in force (set by the handler). */
  _timeouts: ReadTimeouts = DEFAULT_TIMEOUTS;

  /** The reader of `socket`, if a handler made one. */
  static _of(socket: Socket): SocketReader | undefined {
    return (socket as ReadSocket)[READER];
  }

  /**
   * Takes over `socket`'s reading side. The socket's listeners are shared by
   * every reader (`this` is the socket, whose slot names its reader): no
   * closure per connection. A second reader on the same socket replaces the first.
   */
  constructor(socket: Socket) {
    this.#socket = socket;
    const slot = socket as ReadSocket;
    const listening = slot[READER] !== undefined;
    slot[READER] = this;
    if (!listening) {
      socket.on("data", SocketReader.#onData);
      socket.on("end", SocketReader.#onEnd);
      socket.on("close", SocketReader.#onClose);
      // A reset is an end of stream for reading; the writer reports it on write.
      socket.on("error", SocketReader.#onEnd);
    }
    socket.resume();
  }

  static readonly #onData = function (this: ReadSocket, chunk: Buffer): void {
    this[READER]!.#received(chunk);
  };

  static readonly #onEnd = function (this: ReadSocket): void {
    this[READER]!.#atEnd();
  };

  static readonly #onClose = function (this: ReadSocket): void {
    const reader = this[READER]!;
    reader.#atEnd();
    if (reader.#timer !== null) clearTimeout(reader.#timer);
    // Node keeps a closed socket reachable until its handle is gone, so young
    // objects it points to survive a scavenge and are promoted: dropping the
    // slot keeps the reader, and the handler its waits lead to, out of that.
    this[READER] = undefined;
  };

  #received(chunk: Buffer): void {
    if (this._phase === "idle") this.#startHead();
    this.#rb.push(chunk);
    if (this.#wake !== null) this.#notify();
    else if (this.#rb.length >= RECEIVE_HIGH_WATER && !this.#paused) {
      this.#paused = true;
      this.#socket.pause();
    }
  }

  /** End of stream (or a reset, or the socket closed). */
  #atEnd(): void {
    this.#eof = true;
    if (this.#wake !== null) this.#notify();
  }

  /** Bytes received and not yet consumed (the next request's, between requests). */
  get _buffered(): number {
    return this.#rb.length;
  }

  /** Waiting for a request that has not begun: the connection may be closed without loss. */
  get _idle(): boolean {
    return this._phase === "idle" || (this._awaitingRequest && this.#rb.length === 0 && this.#wake !== null);
  }

  /** `true` once the peer has finished sending (or the connection is gone). */
  get _eof(): boolean {
    return this.#eof;
  }

  // ---- reads -------------------------------------------------------------

  async read(n = -1): Promise<Buffer> {
    if (n === 0) return EMPTY;
    const parts: Buffer[] = [];
    let got = 0;
    for (;;) {
      const w = this.#window();
      if (w > 0) {
        const part = this.#consume(n < 0 ? w : Math.min(w, n - got));
        parts.push(part);
        got += part.length;
        if (n >= 0 && got >= n) break;
      } else if (this.#ended()) {
        break;
      } else {
        await this.#wait();
      }
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, got);
  }

  async read1(n = -1): Promise<Buffer> {
    if (n === 0) return EMPTY;
    let w = this.#window();
    if (w === 0 && !this.#ended()) {
      await this.#wait();
      w = this.#window();
    }
    return this.#consume(n < 0 ? w : Math.min(w, n));
  }

  readline(limit = -1): Promise<Buffer> {
    const max = limit < 0 ? Infinity : limit;
    if (max === 0) return Promise.resolve(EMPTY);
    const line = this.#tryLine(max);
    if (line !== null) return Promise.resolve(line);
    // One Promise for the whole wait, settled by the 'data' handler itself:
    // the request line of every keep-alive request comes through here.
    return new Promise<Buffer>((resolve, reject) => {
      const attempt = (): void => {
        const next = this.#tryLine(max);
        if (next !== null) resolve(next);
        else this.#arm(attempt, reject);
      };
      this.#arm(attempt, reject);
    });
  }

  /**
   * Reads the next request head from the buffer without waiting: the head,
   * or `null` when more bytes must arrive first (no Promise).
   * @throws ProtocolError for a head to refuse.
   */
  _readHead(head: RequestHeadReader): RequestHead | NoRequest | null {
    try {
      return head.read(this.#rb, this.#eof);
    } finally {
      if (head.line !== null) this._awaitingRequest = false;
    }
  }

  /**
   * `_readHead()` once more bytes have arrived, by callback: `done` gets the
   * head (inside the 'data' event), `fail` a TimeoutError or the
   * ProtocolError. The request loop's one wait; no Promise.
   */
  _awaitHead(head: RequestHeadReader, done: (head: RequestHead | NoRequest) => void, fail: (e: unknown) => void): void {
    this.#head = head;
    this.#headDone = done;
    this.#headFail = fail;
    this.#arm(this.#headAttempt, fail);
  }

  #head: RequestHeadReader | null = null;
  #headDone: ((head: RequestHead | NoRequest) => void) | null = null;
  #headFail: ((e: unknown) => void) | null = null;
  readonly #headAttempt = (): void => {
    let got: RequestHead | NoRequest | null;
    try {
      got = this._readHead(this.#head!);
    } catch (e) {
      this.#headFail!(e);
      return;
    }
    if (got !== null) this.#headDone!(got);
    else this.#arm(this.#headAttempt, this.#headFail!);
  };

  /** A line if one is complete (or the stream ended), else `null`. */
  #tryLine(max: number): Buffer | null {
    const w = this.#window();
    const line = this.#rb.takeLine(max, w);
    if (line !== null) {
      this.#consumed(line.length);
      return line;
    }
    return this.#ended() ? this.#consume(w) : null;
  }

  async readlines(hint = -1): Promise<Buffer[]> {
    const lines: Buffer[] = [];
    let total = 0;
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return lines;
      lines.push(line);
      total += line.length;
      if (hint > 0 && total >= hint) return lines;
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }

  // ---- framing (internal, used by the handler) ----------------------------

  /** Between requests: no byte of the next request line has been taken yet (set by the handler). */
  _awaitingRequest = true;

  /** Starts a request: reads see the connection's raw bytes again. */
  _beginRequest(first: boolean): void {
    this._awaitingRequest = true;
    this.#body.unframe();
    if (first || this.#rb.length > 0) this.#startHead();
    else this._phase = "idle";
  }

  /**
   * Reads a request's header section into `message` (CPython's
   * `parse_headers`): synchronously when it is already buffered, the common case.
   */
  _readHeaders(message: HTTPMessage, maxBytes: number): HTTPMessage | Promise<HTTPMessage> {
    const reader = new HeaderReader(message, maxBytes);
    return reader.read(this.#rb, this.#eof) ?? this.#readHeadersSlowly(reader);
  }

  async #readHeadersSlowly(reader: HeaderReader): Promise<HTTPMessage> {
    for (;;) {
      await this.#wait();
      const done = reader.read(this.#rb, this.#eof);
      if (done !== null) return done;
    }
  }

  /** From now on reads see only this request's body, then end of stream. */
  _beginBody(framing: Framing): void {
    this._phase = "body";
    this.#body.begin(framing);
  }

  /** Reads see the raw connection to its end (after 101 Switching Protocols or CONNECT). */
  _unframe(): void {
    this.#body.unframe();
  }

  /** `true` when the current body has been read to its end. */
  get _bodyDone(): boolean {
    return this.#body.done;
  }

  /**
   * Reads the next piece of the body with the transfer coding removed.
   * Resolves to an empty Buffer at the body's end.
   * @throws ProtocolError on malformed chunking or a body cut short.
   */
  async _readDecoded(max: number): Promise<Buffer> {
    for (;;) {
      if (this.#body.mode === "raw") return this.read1(max);
      const out = this.#body.decodeFrom(this.#rb, max);
      if (out !== null) return out;
      if (this.#eof) throw new ProtocolError(400, "ERR_INCOMPLETE_BODY", "Incomplete request body");
      await this.#wait();
    }
  }

  /**
   * Reads and discards what is left of the body, if that is at most `max`
   * bytes (of a Content-Length body; of a chunked body, counted on the wire
   * and checked by the strict decoder). Resolves `true` when the connection
   * can carry another request, `false` when it must be closed (too long,
   * malformed, cut short).
   */
  async _drainBody(max: number): Promise<boolean> {
    return (await this._discardBody(max)) === "done";
  }

  /**
   * `_drainBody()` with the reason: `"done"` (the body is consumed),
   * `"too-large"` (more than `max` bytes left; nothing more is read),
   * `"eof"` (the client stopped sending), a `ProtocolError` (malformed chunking).
   */
  async _discardBody(max: number): Promise<"done" | "too-large" | "eof" | ProtocolError> {
    switch (this.#body.mode) {
      case "none":
        return "done";
      case "raw":
        return "too-large";
      case "chunked":
        return this.#discardChunked(max);
      case "length":
        if (this.#body.remaining > max) return "too-large";
        while (this.#body.remaining > 0) {
          const w = this.#window();
          if (w > 0) this.#consume(w);
          else if (this.#eof) return "eof";
          else await this.#wait();
        }
        return "done";
    }
  }

  /** `_discardBody()` of a chunked body: decoded and discarded, `max` wire bytes at most. */
  async #discardChunked(max: number): Promise<"done" | "too-large" | "eof" | ProtocolError> {
    const body = this.#body;
    let budget = body.startDiscard(this.#rb, max);
    while (!body.decoder!.done) {
      if (this.#rb.length > 0) {
        if (budget <= 0) return "too-large";
        const consumed = body.discardChunked(this.#rb, budget);
        if (typeof consumed !== "number") return consumed;
        budget -= consumed;
      } else if (this.#eof) {
        return "eof";
      } else {
        await this.#wait();
      }
    }
    return "done";
  }

  /** Ends reading: pending waits resolve, and later reads find end of stream. */
  _close(): void {
    this.#eof = true;
    if (this.#wake !== null) this.#notify();
  }

  // ---- internals -----------------------------------------------------------

  #startHead(): void {
    this._phase = "head";
    this._headDeadline = Date.now() + this._timeouts.header * 1000;
  }

  /** Bytes readable now without crossing the end of the current body. */
  #window(): number {
    return this.#body.window(this.#rb);
  }

  /** No more bytes will become readable in the current mode. */
  #ended(): boolean {
    return this.#eof || this._bodyDone;
  }

  #consume(n: number): Buffer {
    const out = this.#rb.take(n);
    this.#consumed(out.length);
    return out;
  }

  #consumed(n: number): void {
    this.#body.consumed(n);
  }

  #notify(): void {
    const wake = this.#wake!;
    this.#wake = null;
    this.#reject = null;
    // The timer is left running: the next wait refreshes it, and if it fires
    // first it finds no waiter. Cheaper than clearing and re-creating it.
    wake();
  }

  /** The timer's callback (shared; the reader is its argument). */
  static #onTimeout(reader: SocketReader): void {
    const reject = reader.#reject;
    if (reject === null) return;
    reader.#wake = null;
    reader.#reject = null;
    reject(new TimeoutError());
  }

  /** Milliseconds the next wait may last, or 0 for no limit. */
  #waitLimit(): number {
    const t = this._timeouts;
    const inactivity = t.timeout ?? (this._phase === "idle" ? t.keepAlive : this._phase === "body" ? t.body : Infinity);
    let ms = inactivity * 1000;
    if (this._phase === "head") ms = Math.min(ms, Math.max(1, this._headDeadline - Date.now()));
    return Number.isFinite(ms) ? Math.max(1, ms) : 0;
  }

  #wait(): Promise<void> {
    if (this.#eof) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.#arm(resolve, reject));
  }

  /**
   * Waits for the next arrival: `wake` is called on data or end of stream,
   * `reject` with a TimeoutError if the limit for the current phase passes.
   */
  #arm(wake: () => void, reject: (e: Error) => void): void {
    if (this.#paused) {
      this.#paused = false;
      this.#socket.resume();
    }
    this.#wake = wake;
    const ms = this.#waitLimit();
    if (ms === 0) return;
    this.#reject = reject;
    if (this.#timer !== null && this.#timerMs === ms) {
      this.#timer.refresh();
    } else {
      if (this.#timer !== null) clearTimeout(this.#timer);
      this.#timer = setTimeout(SocketReader.#onTimeout, ms, this).unref();
      this.#timerMs = ms;
    }
  }
}
