/**
 * The chunked transfer coding of a request body (RFC 9112 §7.1), decoded
 * incrementally.
 *
 *   chunked-body   = *chunk last-chunk trailer-section CRLF
 *   chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   chunk-size     = 1*HEXDIG
 *   last-chunk     = 1*("0") [ chunk-ext ] CRLF
 *   chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 *   trailer-section = *( field-line CRLF )
 *
 * Strategy: a byte-at-a-time state machine for the framing lines (so any
 * split of the input gives the same result) and bulk slices for chunk data.
 * Strict where leniency lets two parsers disagree about where the body ends:
 * every line must end in CRLF (no bare LF), sizes are at most 13 hex digits
 * (below 2^53), extension and trailer bytes must not be control characters.
 * Extensions are skipped, trailers checked and discarded; both are bounded.
 */

import { ProtocolError } from "./errors.js";
import { MAX_CHUNK_LINE, MAX_TRAILER_BYTES } from "./limits.js";

const enum State {
  Size,
  SizeBws,
  Ext,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  Trailer,
  TrailerLf,
  FinalLf,
  Done,
}

const MAX_SIZE_DIGITS = 13;

function bad(reason: string): ProtocolError {
  return new ProtocolError(400, "ERR_INVALID_CHUNK", reason);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** The result of feeding bytes to a {@link ChunkedDecoder}. */
export interface DecodeResult {
  /** How many input bytes belong to the body (the rest is the next request). */
  consumed: number;
  /** Decoded data, as views into the input. */
  data: Buffer[];
}

/** Incremental decoder of one chunked body. */
export class ChunkedDecoder {
  #state = State.Size;
  #size = 0;
  #digits = 0;
  #lineBytes = 0;
  #trailerBytes = 0;
  #remaining = 0;

  /** `true` once the final CRLF after the trailers has been consumed. */
  get done(): boolean {
    return this.#state === State.Done;
  }

  /**
   * Feeds bytes; decodes as far as they go. Never consumes past the body's end.
   * @param dataLimit stop after this many data bytes (the caller's read size).
   */
  decode(input: Buffer, dataLimit = Infinity): DecodeResult {
    const data: Buffer[] = [];
    let i = 0;
    let budget = dataLimit;
    const n = input.length;
    while (i < n && this.#state !== State.Done) {
      if (this.#state === State.Data) {
        if (budget <= 0) break;
        const take = Math.min(this.#remaining, n - i, budget);
        data.push(input.subarray(i, i + take));
        i += take;
        budget -= take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = State.DataCr;
        continue;
      }
      const c = input[i++]!;
      switch (this.#state) {
        case State.Size: {
          const v = hexValue(c);
          if (v !== -1) {
            if (++this.#digits > MAX_SIZE_DIGITS) throw bad("Chunk size too large");
            this.#size = this.#size * 16 + v;
            this.#countLine();
            break;
          }
          if (this.#digits === 0) throw bad("Bad chunk size");
          this.#afterSize(c);
          break;
        }
        case State.SizeBws:
          this.#afterSize(c);
          break;
        case State.Ext:
          this.#countLine();
          if (c === 0x0d) this.#state = State.SizeLf;
          else if (c !== 0x09 && (c < 0x20 || c === 0x7f)) throw bad("Bad chunk extension");
          break;
        case State.SizeLf:
          if (c !== 0x0a) throw bad("Bad chunk size line ending");
          this.#lineBytes = 0;
          if (this.#size === 0) {
            this.#state = State.TrailerStart;
          } else {
            this.#remaining = this.#size;
            this.#state = State.Data;
          }
          this.#size = 0;
          this.#digits = 0;
          break;
        case State.DataCr:
          if (c !== 0x0d) throw bad("Chunk data longer than its size");
          this.#state = State.DataLf;
          break;
        case State.DataLf:
          if (c !== 0x0a) throw bad("Bad chunk data line ending");
          this.#state = State.Size;
          break;
        case State.TrailerStart:
          this.#countTrailer();
          if (c === 0x0d) this.#state = State.FinalLf;
          else if (c === 0x20 || c === 0x09 || c === 0x3a) throw bad("Bad trailer field");
          else this.#trailerByte(c);
          break;
        case State.Trailer:
          this.#countTrailer();
          this.#trailerByte(c);
          break;
        case State.TrailerLf:
          this.#countTrailer();
          if (c !== 0x0a) throw bad("Bad trailer line ending");
          this.#state = State.TrailerStart;
          break;
        case State.FinalLf:
          if (c !== 0x0a) throw bad("Bad final line ending");
          this.#state = State.Done;
          break;
      }
    }
    return { consumed: i, data };
  }

  #afterSize(c: number): void {
    this.#countLine();
    if (c === 0x20 || c === 0x09) this.#state = State.SizeBws;
    else if (c === 0x3b) this.#state = State.Ext;
    else if (c === 0x0d) this.#state = State.SizeLf;
    else throw bad("Bad chunk size");
  }

  #countLine(): void {
    if (++this.#lineBytes > MAX_CHUNK_LINE) throw bad("Chunk size line too long");
  }

  #countTrailer(): void {
    if (++this.#trailerBytes > MAX_TRAILER_BYTES) {
      throw new ProtocolError(431, "ERR_HEADER_BLOCK_TOO_LARGE", "Trailer section too large");
    }
  }

  #trailerByte(c: number): void {
    if (c === 0x0d) this.#state = State.TrailerLf;
    else if (c !== 0x09 && (c < 0x20 || c === 0x7f)) throw bad("Bad trailer field");
    else this.#state = State.Trailer;
  }
}
