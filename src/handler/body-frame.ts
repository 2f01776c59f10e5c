/**
 * Which of a connection's received bytes belong to the current request's
 * body: the framing `rfile` enforces (our addition to CPython), so that a
 * handler reads only its own request's body and then end of stream.
 *
 * Strategy: sans-IO over the reader's `ReceiveBuffer`, no waits here. One
 * `BodyFrame` per reader, set at each request (`begin()` / `unframe()`):
 * `window()` says how many buffered bytes a read may take — all of them
 * (raw: before a head is parsed, after 101 or CONNECT), none, up to the
 * `Content-Length` left, or what the strict chunked decoder has checked —
 * and `consumed()` accounts for what a read took. The decoded and discarding
 * reads work on what is buffered and return "need more" (`null`) for the
 * reader (rfile.ts) to wait and call again.
 */

import { ChunkedDecoder } from "../protocol/chunked.js";
import { ProtocolError } from "../protocol/errors.js";
import type { Framing } from "../protocol/framing.js";
import type { ReceiveBuffer } from "../protocol/receive-buffer.js";

const EMPTY = Buffer.alloc(0);

/** How the current body is delimited (`raw`: not at all, the connection itself). */
export type BodyMode = "raw" | "none" | "length" | "chunked";

/** The current request's body, as a window on the receive buffer. */
export class BodyFrame {
  mode: BodyMode = "raw";
  /** Length mode: body bytes not yet consumed. */
  remaining = 0;
  /** Chunked mode: the decoder, fed each body byte exactly once. */
  decoder: ChunkedDecoder | null = null;
  /** Chunked raw reads: buffered bytes already checked as belonging to the body. */
  visible = 0;

  /** Reads see the raw connection (between requests; after 101 or CONNECT). */
  unframe(): void {
    this.mode = "raw";
    this.decoder = null;
    this.visible = 0;
  }

  /** From now on reads see only this body. */
  begin(framing: Framing): void {
    this.mode = framing.kind;
    if (framing.kind === "length") this.remaining = framing.length;
    else if (framing.kind === "chunked") this.decoder = new ChunkedDecoder();
  }

  /** `true` when the current body has been read to its end. */
  get done(): boolean {
    switch (this.mode) {
      case "none":
        return true;
      case "length":
        return this.remaining === 0;
      case "chunked":
        return this.decoder!.done && this.visible === 0;
      case "raw":
        return false;
    }
  }

  /** Bytes of `rb` readable now without crossing the end of the current body. */
  window(rb: ReceiveBuffer): number {
    switch (this.mode) {
      case "raw":
        return rb.length;
      case "none":
        return 0;
      case "length":
        return Math.min(rb.length, this.remaining);
      case "chunked": {
        const decoder = this.decoder!;
        if (!decoder.done && this.visible < rb.length) {
          this.visible += decoder.decode(rb.peek().subarray(this.visible)).consumed;
        }
        return this.visible;
      }
    }
  }

  /** A read took `n` bytes of the window. */
  consumed(n: number): void {
    if (this.mode === "length") this.remaining -= n;
    else if (this.mode === "chunked") this.visible -= n;
  }

  /**
   * The next piece of a `length` or `chunked` body from what is buffered,
   * transfer coding removed; empty at the body's end; `null` when more bytes
   * must arrive (and always for `raw`, which the reader reads itself).
   * @throws ProtocolError on malformed chunking.
   */
  decodeFrom(rb: ReceiveBuffer, max: number): Buffer | null {
    switch (this.mode) {
      case "none":
        return EMPTY;
      case "raw":
        return null;
      case "length": {
        if (this.remaining === 0) return EMPTY;
        const w = this.window(rb);
        if (w === 0) return null;
        const out = rb.take(Math.min(w, max));
        this.remaining -= out.length;
        return out;
      }
      case "chunked": {
        const decoder = this.decoder!;
        if (this.visible > 0) {
          throw new Error("the chunked body was partly read through rfile; read it one way only");
        }
        if (decoder.done) return EMPTY;
        if (rb.length === 0) return null;
        const { consumed, data } = decoder.decode(rb.peek(), max);
        // Views stay valid: the receive buffer never rewrites consumed bytes.
        const out = data.length === 1 ? data[0]! : Buffer.concat(data);
        rb.take(consumed);
        return out.length > 0 || decoder.done ? out : null;
      }
    }
  }

  /**
   * Starts discarding a chunked body with a budget of `max` wire bytes: the
   * bytes already checked for raw reads are dropped and count against it.
   * Returns the budget left.
   */
  startDiscard(rb: ReceiveBuffer, max: number): number {
    let budget = max;
    if (this.visible > 0) {
      budget -= this.visible;
      rb.take(this.visible);
      this.visible = 0;
    }
    return budget;
  }

  /**
   * Discards buffered bytes of a chunked body within `budget`: the wire bytes
   * consumed, or the `ProtocolError` of malformed chunking.
   */
  discardChunked(rb: ReceiveBuffer, budget: number): number | ProtocolError {
    const input = rb.peek();
    let consumed: number;
    try {
      consumed = this.decoder!.decode(budget < input.length ? input.subarray(0, budget) : input).consumed;
    } catch (e) {
      if (e instanceof ProtocolError) return e;
      throw e;
    }
    rb.take(consumed);
    return consumed;
  }
}
