/**
 * The bytes received on a connection and not yet consumed.
 *
 * Strategy (after h11's `_receivebuffer.py`): one contiguous Buffer with a
 * read offset. When it is empty, an arriving chunk is adopted as is (no copy:
 * the common case of a whole request in one packet). Otherwise chunks are
 * appended into spare capacity that grows geometrically, so a head that
 * arrives a byte at a time costs linear, not quadratic, copying. Regions that
 * were handed out as slices are never written again: growth always allocates.
 *
 * "Need more data" is a return value (`null`), never an exception, and a line
 * search remembers how far it already looked so a slow drip stays linear.
 */

const EMPTY = Buffer.alloc(0);
const MIN_CAPACITY = 16 * 1024;
/** A line search looks at this many bytes with a loop before it calls `indexOf()`. */
const SHORT_SCAN = 128;

export class ReceiveBuffer {
  /** Storage; bytes [#start, #end) are unconsumed. */
  #buf: Buffer = EMPTY;
  #start = 0;
  #end = 0;
  /** Absolute index in #buf up to which no LF was found by the last line search. */
  #searched = 0;

  /** Number of unconsumed bytes. */
  get length(): number {
    return this.#end - this.#start;
  }

  /** Appends received bytes. */
  push(chunk: Buffer): void {
    const n = chunk.length;
    if (n === 0) return;
    if (this.#start === this.#end) {
      this.#buf = chunk;
      this.#start = 0;
      this.#end = n;
      this.#searched = 0;
      return;
    }
    if (this.#end + n > this.#buf.length || this.#buf === chunk) {
      const live = this.#end - this.#start;
      const grown = Buffer.allocUnsafe(Math.max(MIN_CAPACITY, (live + n) * 2));
      this.#buf.copy(grown, 0, this.#start, this.#end);
      this.#searched -= this.#start;
      this.#buf = grown;
      this.#start = 0;
      this.#end = live;
    }
    chunk.copy(this.#buf, this.#end);
    this.#end += n;
  }

  /**
   * Removes and returns one line, LF included, looking at most `limit` bytes
   * (Python's `readline(limit)`): returns `limit` bytes without a LF when no LF
   * is found within them. Returns `null` when more data is needed.
   * @param window how many of the buffered bytes may be looked at (a body's end).
   */
  takeLine(limit: number, window = this.length): Buffer | null {
    // A window past the buffered bytes must not let the search see the
    // storage's unused (uninitialised) capacity, nor count as "limit reached".
    const max = Math.min(window, limit, this.length);
    const from = Math.max(this.#searched, this.#start);
    const stop = this.#start + max;
    // Search [from, stop) only: past `stop` lie another message's bytes or spare capacity.
    const buf = this.#buf;
    // The first bytes by a loop (a header line is short: no view to make),
    // the rest by indexOf() on a view that ends at `stop`.
    let lf = -1;
    const near = Math.min(stop, from + SHORT_SCAN);
    for (let i = from; i < near; i++) {
      if (buf[i] === 0x0a) {
        lf = i;
        break;
      }
    }
    if (lf === -1 && near < stop) lf = (stop === buf.length ? buf : buf.subarray(0, stop)).indexOf(0x0a, near);
    if (lf !== -1 && lf < stop) return this.take(lf + 1 - this.#start);
    if (max === limit) return this.take(limit);
    this.#searched = stop;
    return null;
  }

  /** Removes and returns up to `n` bytes (a view, not a copy). */
  take(n: number): Buffer {
    const count = Math.min(n, this.#end - this.#start);
    const out = this.#buf.subarray(this.#start, this.#start + count);
    this.#start += count;
    this.#searched = this.#start;
    if (this.#start === this.#end) {
      this.#buf = EMPTY;
      this.#start = this.#end = this.#searched = 0;
    }
    return out;
  }

  /** The unconsumed bytes, without consuming them. */
  peek(): Buffer {
    return this.#buf.subarray(this.#start, this.#end);
  }
}
