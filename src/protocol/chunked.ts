/**
 * The chunked transfer coding of a request body (RFC 9112 §7.1), decoded
 * incrementally.
 *
 *   chunked-body    = *chunk last-chunk trailer-section CRLF
 *   chunk           = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   chunk-size      = 1*HEXDIG
 *   last-chunk      = 1*("0") [ chunk-ext ] CRLF
 *   chunk-ext       = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 *   chunk-ext-name  = token
 *   chunk-ext-val   = token / quoted-string
 *   quoted-string   = DQUOTE *( qdtext / quoted-pair ) DQUOTE
 *   trailer-section = *( field-line CRLF )
 *   field-line      = field-name ":" OWS field-value OWS
 *
 * Strategy: a byte-at-a-time state machine for the framing lines (so any
 * split of the input gives the same result) and bulk slices for chunk data.
 * Strict where leniency lets two parsers disagree about where the body ends
 * (issue #6), each refusal a 400 and a closed connection:
 *   - every line ends in CRLF: a bare LF or bare CR anywhere is refused;
 *   - a size has at most 13 significant hex digits (below 2^53; leading zeros
 *     are free, the line length bounds them);
 *   - extensions follow the ABNF above exactly, except that BWS is refused:
 *     no whitespace anywhere in a size line (`5 ;a`, `5 \r\n`). llhttp refuses
 *     it too, and no client sends it; accepting it only widens the set of
 *     inputs on which parsers may disagree;
 *   - trailer fields are checked like header fields (token name, colon,
 *     value bytes, no obs-fold) and bounded in bytes and in number, then
 *     discarded: they can never become the next request's head.
 */

import { ProtocolError } from "./errors.js";
import { MAX_CHUNK_LINE, MAX_HEADERS, MAX_TRAILER_BYTES } from "./limits.js";

const enum State {
  Size,
  ExtStart,
  ExtName,
  ExtValueStart,
  ExtToken,
  ExtQuoted,
  ExtQuotedPair,
  ExtAfterQuoted,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  TrailerName,
  TrailerValue,
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

// RFC 9110 §5.6.2: tchar.
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
  TCHAR[c.charCodeAt(0)] = 1;
}
// RFC 9110 §5.6.4: qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text.
const QDTEXT = new Uint8Array(256);
// quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ); field-value bytes are the same set.
const VALUE_BYTE = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  VALUE_BYTE[c] = c === 0x09 || (c >= 0x20 && c !== 0x7f) ? 1 : 0;
  QDTEXT[c] = VALUE_BYTE[c]! === 1 && c !== 0x22 && c !== 0x5c ? 1 : 0;
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
  #trailers = 0;
  #remaining = 0;

  /** `true` once the final CRLF after the trailers has been consumed. */
  get done(): boolean {
    return this.#state === State.Done;
  }

  /**
   * Feeds bytes; decodes as far as they go. Never consumes past the body's end.
   * @param dataLimit stop after this many data bytes (the caller's read size).
   * @throws ProtocolError 400 for a malformed body, 431 for oversized trailers.
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
          this.#countLine();
          const v = hexValue(c);
          if (v !== -1) {
            // Leading zeros are not significant digits; MAX_CHUNK_LINE bounds them.
            if ((this.#size !== 0 || v !== 0) && ++this.#digits > MAX_SIZE_DIGITS) throw bad("Chunk size too large");
            this.#size = this.#size * 16 + v;
            break;
          }
          if (this.#lineBytes === 1) throw bad("Bad chunk size");
          if (c === 0x3b) this.#state = State.ExtStart;
          else if (c === 0x0d) this.#state = State.SizeLf;
          else throw bad("Bad chunk size");
          break;
        }
        case State.ExtStart:
          this.#countLine();
          if (TCHAR[c] !== 1) throw bad("Bad chunk extension");
          this.#state = State.ExtName;
          break;
        case State.ExtName:
          this.#countLine();
          if (c === 0x3d) this.#state = State.ExtValueStart;
          else this.#afterExtToken(c);
          break;
        case State.ExtValueStart:
          this.#countLine();
          if (c === 0x22) this.#state = State.ExtQuoted;
          else if (TCHAR[c] === 1) this.#state = State.ExtToken;
          else throw bad("Bad chunk extension");
          break;
        case State.ExtToken:
          this.#countLine();
          this.#afterExtToken(c);
          break;
        case State.ExtQuoted:
          this.#countLine();
          if (c === 0x22) this.#state = State.ExtAfterQuoted;
          else if (c === 0x5c) this.#state = State.ExtQuotedPair;
          else if (QDTEXT[c] !== 1) throw bad("Bad chunk extension");
          break;
        case State.ExtQuotedPair:
          this.#countLine();
          if (VALUE_BYTE[c] !== 1) throw bad("Bad chunk extension");
          this.#state = State.ExtQuoted;
          break;
        case State.ExtAfterQuoted:
          this.#countLine();
          if (c === 0x3b) this.#state = State.ExtStart;
          else if (c === 0x0d) this.#state = State.SizeLf;
          else throw bad("Bad chunk extension");
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
          if (c === 0x0d) {
            this.#state = State.FinalLf;
          } else {
            // A trailer field begins: a token name (no obs-fold, no empty name).
            if (TCHAR[c] !== 1) throw bad("Bad trailer field");
            if (++this.#trailers >= MAX_HEADERS) {
              throw new ProtocolError(431, "ERR_TOO_MANY_HEADERS", "Too many trailer fields");
            }
            this.#state = State.TrailerName;
          }
          break;
        case State.TrailerName:
          this.#countTrailer();
          if (c === 0x3a) this.#state = State.TrailerValue;
          else if (TCHAR[c] !== 1) throw bad("Bad trailer field");
          break;
        case State.TrailerValue:
          this.#countTrailer();
          if (c === 0x0d) this.#state = State.TrailerLf;
          else if (VALUE_BYTE[c] !== 1) throw bad("Bad trailer field");
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

  /** After a token in an extension: another extension, or the line's end. */
  #afterExtToken(c: number): void {
    if (TCHAR[c] === 1) return;
    if (c === 0x3b) this.#state = State.ExtStart;
    else if (c === 0x0d) this.#state = State.SizeLf;
    else throw bad("Bad chunk extension");
  }

  #countLine(): void {
    if (++this.#lineBytes > MAX_CHUNK_LINE) throw bad("Chunk size line too long");
  }

  #countTrailer(): void {
    if (++this.#trailerBytes > MAX_TRAILER_BYTES) {
      throw new ProtocolError(431, "ERR_HEADER_BLOCK_TOO_LARGE", "Trailer section too large");
    }
  }
}
