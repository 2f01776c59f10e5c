/**
 * The request loop of a connection (`BaseHTTPRequestHandler.handle()`), as
 * Go's `conn.serve` has it:
 *
 *   for each request:
 *     1. read the head      (protocol/request-head.ts, once; wait if it is not here)
 *     2. accept it          (fields on the handler; `parse_request()` if overridden)
 *     3. dispatch do_*      (sync or async)
 *     4. finish the request (flush, or queue behind the next pipelined one)
 *     5. keep alive?        (`keepAlive()`: close, or drain the unread body)
 *   any error → `requestFailed()` (request-failed.ts): the one place an
 *   error becomes a status, a log line, or a report.
 *
 * Strategy: the loop runs synchronously as far as each request allows and
 * awaits only what is really pending — the next head (one wait path: a
 * callback armed on the reader, no Promise per idle wait), an async `do_*`,
 * a full socket. Pipelined requests already received are all answered in
 * the same turn, so their responses leave in one write. A handler that
 * overrides `handle_one_request()` gets CPython's loop instead (see
 * `handle()`); one that overrides `parse_request()` gets the request line
 * only, and `parse_request()` decides the rest.
 */

import { beforeDispatch, lbConfigured, requestEnded, requestStarted } from "./lb-hooks.js";
import { ProtocolError } from "../protocol/errors.js";
import type { Framing } from "../protocol/framing.js";
import type { HTTPMessage } from "../protocol/headers.js";
import { MAX_REQUEST_LINE } from "../protocol/limits.js";
import { ReceiveBuffer } from "../protocol/receive-buffer.js";
import {
  HEAD_ERRORS,
  RequestHeadReader,
  type NoRequest,
  type RequestHeadOptions,
  type RequestHead,
  type RequestLineResult,
} from "../protocol/request-head.js";
import type { BaseHTTPRequestHandler } from "./base-handler.js";
import { bytesWritten, type Exchange } from "./exchange.js";
import type { StreamExchange, StreamHead } from "./h2-stream.js";
import { answer, requestFailed } from "./request-failed.js";
import { SocketReader } from "./rfile.js";
import { RESOLVED, SocketWriter } from "./wfile.js";

type Handler = BaseHTTPRequestHandler;

const EMPTY = Buffer.alloc(0);

/** The base class's own methods: while a handler does not override one, the loop may take a shortcut. */
export const BASE = {
  handle_one_request: null as unknown,
  parse_request: null as unknown,
};

/**
 * Serves requests on `h`'s connection until `close_connection` is set
 * (`once`: one request, for `handle_one_request()`).
 */
export function serveRequests(h: Handler, x: Exchange, once: boolean): Promise<void> {
  if (x.h2 !== null) return serveStream(h, x, x.h2);
  return new Promise<void>((resolve, reject) => new Loop(h, x, once, resolve, reject).run());
}

/**
 * HTTP/2: the stream's one request, steps 2–5, its head taken from the
 * stream (h2-stream.ts). No `Loop` and no bound callbacks: the steps are
 * plain calls, synchronous as far as the handler allows; each step that is
 * really pending (`handle_expect_100()`, the dispatch gate, `do_*`, a full
 * stream) gets one continuation ({@link after}). There is no reader here:
 * the body's framing is already on the stream's `rfile`, and an unread body
 * is never drained (the stream just ends).
 */
function serveStream(h: Handler, x: Exchange, stream: StreamExchange): Promise<void> {
  const head = stream._takeHead(h.MessageClass);
  if (head === null) {
    h.close_connection = true;
    return RESOLVED;
  }
  let pending: Promise<void> | undefined;
  try {
    x.lb = lbConfigured(h);
    x.reset(bytesWritten(h));
    x.first = false;
    if (head.refusal === null) {
      try {
        pending = acceptStream(h, x, head);
      } catch (e) {
        pending = requestFailed(h, x, e, null);
      }
    } else {
      if (x.lb) requestStarted(h, x.writtenAtStart);
      applyStreamLine(h, x, head);
      h.headers = head.headers;
      pending = requestFailed(h, x, head.refusal, null);
    }
  } catch (e) {
    return Promise.reject(e);
  }
  return pending ?? RESOLVED;
}

/**
 * Continues a stream's request after `pending` with `next`; a failure of
 * either is the request's (`requestFailed()`). Every step returns
 * `undefined` or a Promise made here, which rejects only with what
 * `requestFailed()` rethrows.
 */
function after<T>(h: Handler, x: Exchange, pending: Promise<T>, next: (h: Handler, x: Exchange, value: T) => Promise<void> | undefined): Promise<void> {
  const failed = (e: unknown): Promise<void> => requestFailed(h, x, e, null);
  return pending.then((value) => {
    try {
      return next(h, x, value);
    } catch (e) {
      return failed(e);
    }
  }, failed);
}

/** Step 2 for a stream: the head's values on the handler; then dispatch. */
function acceptStream(h: Handler, x: Exchange, head: StreamHead): Promise<void> | undefined {
  if (x.lb) requestStarted(h, x.writtenAtStart);
  applyStreamLine(h, x, head);
  const parsed = acceptHead(h, x, null, head.headers, head.framing, head.closeConnection);
  if (parsed instanceof Promise) return after(h, x, parsed, streamAccepted);
  return parsed ? dispatchStream(h, x) : undefined;
}

function streamAccepted(h: Handler, x: Exchange, ok: boolean): Promise<void> | undefined {
  return ok ? dispatchStream(h, x) : undefined;
}

/** Step 3 for a stream, as `Loop.#dispatch()`. */
function dispatchStream(h: Handler, x: Exchange): Promise<void> | undefined {
  if (x.lb && beforeDispatch(h)) return finishStream(h, x);
  const gate = h._before_dispatch();
  if (gate === false) return finishStream(h, x);
  if (gate instanceof Promise) return after(h, x, gate, gatePassed);
  return runStream(h, x);
}

function gatePassed(h: Handler, x: Exchange, go: boolean): Promise<void> | undefined {
  return go ? runStream(h, x) : finishStream(h, x);
}

/** `do_<COMMAND>()` for a stream, as `Loop.#run()`. */
function runStream(h: Handler, x: Exchange): Promise<void> | undefined {
  const done = callDo(h);
  if (done === NO_METHOD) return undefined;
  if (done instanceof Promise) return after(h, x, done, finishStream);
  return finishStream(h, x);
}

/** Step 4 for a stream: flush, then step 5. */
function finishStream(h: Handler, x: Exchange): Promise<void> | undefined {
  const flushed = h.wfile.flush();
  if (flushed !== RESOLVED) return after(h, x, flushed, streamEnded);
  return streamEnded(h, x);
}

/** Step 5 for a stream: `close_connection` as the HTTP/1.1 loop decides it (the connection itself lives on). */
function streamEnded(h: Handler, x: Exchange): undefined {
  requestOver(h, x, true);
  return undefined;
}

/**
 * Step 5's decision, for a connection or a stream: the request is logged as
 * ended (load-balancer hooks) and `keepAlive()` decides; a "close" verdict
 * is set on `close_connection` here, a "drain" one is the caller's.
 */
function requestOver(h: Handler, x: Exchange, bodyRead: boolean): ReturnType<typeof keepAlive> {
  if (x.lb) requestEnded(h, bytesWritten(h));
  const verdict = keepAlive({
    closeConnection: h.close_connection,
    switched: x.switched,
    serverClosing: h.server._closing === true,
    answered: bytesWritten(h) !== x.writtenAtStart,
    status: x.status,
    headRequest: h.command === "HEAD",
    delimited: x.delimited,
    bodyRead,
  });
  if (verdict === "close") h.close_connection = true;
  return verdict;
}

/** What {@link callDo} returns when the handler has no `do_<COMMAND>()` (it has answered 501). */
const NO_METHOD = Symbol("no method");

/** The name of the method for `command`: the last one is kept (a connection's requests repeat it). */
let lastCommand: string | null = "";
let lastName = "do_";
function methodName(command: string | null): string {
  if (command !== lastCommand) {
    lastCommand = command;
    lastName = "do_" + command;
  }
  return lastName;
}

/**
 * Step 3's call: `do_<COMMAND>()`, or a 501 ({@link NO_METHOD}). A
 * synchronous `do_*` is flushed by the caller's step 4: its writes need no
 * tick of their own.
 */
function callDo(h: Handler): unknown {
  const method = (h as unknown as Record<string, unknown>)[methodName(h.command)];
  if (typeof method !== "function") {
    answer(h, HEAD_ERRORS.unsupportedMethod(h.command ?? ""));
    return NO_METHOD;
  }
  const w = h.wfile instanceof SocketWriter ? h.wfile : null;
  if (w === null) return method.call(h);
  w._held = true;
  let done: unknown;
  try {
    done = method.call(h);
  } catch (e) {
    w._schedule();
    throw e;
  }
  // Returned synchronously: the caller's step 4 flushes now, or schedules the send.
  if (done instanceof Promise || h.wfile !== w) w._schedule();
  else w._held = false;
  return done;
}

/** One run of the loop; callbacks are bound fields so that waits allocate nothing. */
class Loop {
  readonly #h: Handler;
  readonly #x: Exchange;
  readonly #once: boolean;
  readonly #resolve: () => void;
  readonly #reject: (e: unknown) => void;
  /** The server's own reader, or `null` for a replacement `rfile`. */
  #reader: SocketReader | null = null;
  #head: RequestHeadReader | null = null;
  /** The options `#head` was made with. */
  #options: RequestHeadOptions | null = null;
  /** `parse_request()` is overridden: the head reader stops after the request line. */
  #lineOnly = false;
  /** A replacement `rfile`'s lines, fed to the head reader. */
  #rb: ReceiveBuffer | null = null;
  /** The head that ended a wait, for `#serveWaited`. */
  #waited: RequestHead | NoRequest | null = null;

  constructor(h: Handler, x: Exchange, once: boolean, resolve: () => void, reject: (e: unknown) => void) {
    this.#h = h;
    this.#x = x;
    this.#once = once;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  /** Runs requests until one must wait; the wait continues in `#onHead` / `#onWaitFailed`. */
  run(): void {
    try {
      for (;;) {
        this.#begin();
        let got: RequestHead | NoRequest | null;
        try {
          got = this.#tryHead();
        } catch (e) {
          if (this.#stops(this.#headFailed(e))) return;
          continue;
        }
        if (got === null) {
          this.#wait();
          return;
        }
        if (this.#stops(this.#serve(got))) return;
      }
    } catch (e) {
      this.#reject(e);
    }
  }

  /** After a request: `true` when the loop stops here (pending, or done). */
  #stops(pending: Promise<void> | undefined): boolean {
    if (pending !== undefined) {
      pending.then(this.#next, this.#reject);
      return true;
    }
    if (this.#once || this.#h.close_connection) {
      this.#resolve();
      return true;
    }
    return false;
  }

  /** A request finished asynchronously (or after a wait): next one, or done. */
  readonly #next = (): void => {
    if (this.#once || this.#h.close_connection) this.#resolve();
    else this.run();
  };

  /** Step 0: a new request; the reader sees the connection's raw bytes again. */
  #begin(): void {
    const h = this.#h;
    const x = this.#x;
    const reader = h.rfile instanceof SocketReader ? h.rfile : null;
    this.#reader = reader;
    x.lb = lbConfigured(h);
    if (x.lb) requestEnded(h, bytesWritten(h)); // a previous request's line still due
    x.reset(bytesWritten(h));
    reader?._beginRequest(x.first);
    x.first = false;
    const lineOnly = h.parse_request !== BASE.parse_request;
    const o = this.#options;
    if (
      this.#head !== null &&
      o !== null &&
      o.lineOnly === lineOnly &&
      o.protocolVersion === h.protocol_version &&
      o.defaultVersion === h.default_request_version &&
      o.MessageClass === h.MessageClass &&
      o.maxHeaderBytes === h.max_header_bytes
    ) {
      this.#head.reset();
      return;
    }
    // The attributes that shape a head, read at each request (a handler may change them).
    this.#lineOnly = lineOnly;
    this.#options = {
      protocolVersion: h.protocol_version,
      defaultVersion: h.default_request_version,
      MessageClass: h.MessageClass,
      maxHeaderBytes: h.max_header_bytes,
      lineOnly,
    };
    this.#head = new RequestHeadReader(this.#options);
  }

  /** Step 1: the head, if its bytes are here. */
  #tryHead(): RequestHead | NoRequest | null {
    if (this.#reader !== null) return this.#reader._readHead(this.#head!);
    this.#rb ??= new ReceiveBuffer();
    return this.#rb.length === 0 ? null : this.#head!.read(this.#rb, false);
  }

  /** Step 1, the one wait: for more bytes of the head. */
  #wait(): void {
    if (this.#reader !== null) {
      this.#reader._awaitHead(this.#head!, this.#onHead, this.#onWaitFailed);
      return;
    }
    // A replacement rfile: its lines, one at a time.
    this.#h.rfile.readline(MAX_REQUEST_LINE + 1).then((line) => {
      this.#rb!.push(line);
      let got: RequestHead | NoRequest | null;
      try {
        got = this.#head!.read(this.#rb!, line.length === 0);
      } catch (e) {
        this.#onWaitFailed(e);
        return;
      }
      if (got === null) this.#wait();
      else this.#onHead(got);
    }, this.#onWaitFailed);
  }

  /**
   * The head arrived after a wait (inside the socket's event): it is served
   * in a microtask, as after an `await`, so that a send scheduled by an
   * async `do_*` still waits for the rest of a pipelined batch received in
   * the same event.
   */
  readonly #onHead = (got: RequestHead | NoRequest): void => {
    this.#waited = got;
    queueMicrotask(this.#serveWaited);
  };

  readonly #serveWaited = (): void => {
    const got = this.#waited!;
    this.#waited = null;
    try {
      if (!this.#stops(this.#serve(got))) this.run();
    } catch (e) {
      this.#reject(e);
    }
  };

  readonly #onWaitFailed = (e: unknown): void => {
    try {
      this.#stops(this.#headFailed(e));
    } catch (err) {
      this.#reject(err);
    }
  };

  /** A head that could not be read: what was read of it goes on the handler first. */
  #headFailed(e: unknown): Promise<void> {
    const head = this.#head!;
    if (e instanceof ProtocolError && head.line !== null) {
      applyLine(this.#h, this.#x, head.line);
      if (head.headers !== null) this.#h.headers = head.headers;
    }
    return requestFailed(this.#h, this.#x, e, this.#reader);
  }

  /** Steps 2–5 for a head; synchronous as far as the handler allows. */
  #serve(got: RequestHead | NoRequest): Promise<void> | undefined {
    let pending: Promise<void> | undefined;
    try {
      pending = this.#accept(got);
    } catch (e) {
      return requestFailed(this.#h, this.#x, e, this.#reader);
    }
    return pending === undefined ? undefined : pending.catch((e: unknown) => requestFailed(this.#h, this.#x, e, this.#reader));
  }

  /** Step 2: the head's values go on the handler; then dispatch. */
  #accept(got: RequestHead | NoRequest): Promise<void> | undefined {
    const h = this.#h;
    const line = got.line;
    h.raw_requestline = line.raw;
    if (line.raw.length === 0) {
      // End of stream before a request: nothing to answer.
      h.close_connection = true;
      return undefined;
    }
    if (this.#x.lb) requestStarted(h, this.#x.writtenAtStart);
    let parsed: boolean | Promise<boolean>;
    if (line.error?.code === "ERR_REQUEST_LINE_TOO_LONG") {
      applyLine(h, this.#x, line);
      answer(h, line.error);
      return undefined;
    } else if (this.#lineOnly) {
      parsed = h.parse_request();
    } else if (got.headers === undefined) {
      applyLine(h, this.#x, line); // no words: nothing to answer; close
      return undefined;
    } else {
      applyLine(h, this.#x, line);
      parsed = acceptHead(h, this.#x, this.#reader, got.headers, got.framing, got.closeConnection);
    }
    if (parsed instanceof Promise) return parsed.then((ok) => (ok ? this.#dispatch() : undefined));
    return parsed ? this.#dispatch() : undefined;
  }

  /**
   * Step 3: `do_<COMMAND>()`, or 501 — after the load-balancer hooks
   * (`--health`, forwarding headers: lb-hooks.ts) and the handler's
   * `_before_dispatch()` gate (SimpleHTTPRequestHandler's authentication),
   * which may answer the request itself.
   */
  #dispatch(): Promise<void> | undefined {
    // Extension: health and forwarding headers come first (before a password is asked for).
    if (this.#x.lb && beforeDispatch(this.#h)) return this.#finish();
    const gate = this.#h._before_dispatch();
    if (gate === false) return this.#finish();
    if (gate instanceof Promise) return gate.then((go) => (go ? this.#run() : this.#finish()));
    return this.#run();
  }

  #run(): Promise<void> | undefined {
    const done = callDo(this.#h);
    if (done === NO_METHOD) return undefined;
    if (done instanceof Promise) return done.then(this.#finish);
    return this.#finish();
  }

  /** Step 4: `do_*` returned: flush, then step 5. */
  readonly #finish = (): Promise<void> | undefined => {
    // The next pipelined request is already here: its response joins this
    // one's in the writer's queue (sent at the end of this turn, or at 64 KiB)
    // unless the socket is full, when flushing gives backpressure.
    const reader = this.#reader;
    const w = this.#h.wfile;
    if (reader === null || reader._buffered === 0 || !(w instanceof SocketWriter) || w._congested) {
      const flushed = w.flush();
      if (flushed !== RESOLVED) return flushed.then(this.#endRequest);
    } else {
      w._schedule();
    }
    return this.#endRequest();
  };

  /** Step 5: can the connection carry another request? */
  readonly #endRequest = (): Promise<void> | undefined => {
    const h = this.#h;
    const reader = this.#reader;
    if (requestOver(h, this.#x, reader === null || reader._bodyDone) !== "drain") return undefined;
    return reader!._drainBody(h.max_drain_bytes).then((reusable) => {
      if (!reusable) h.close_connection = true;
    });
  };
}

/** What {@link keepAlive} decides from (see its steps). */
export interface Outcome {
  readonly closeConnection: boolean; // the handler's close_connection
  readonly switched: boolean; // 101, or 2xx to CONNECT
  readonly serverClosing: boolean; // server_close() has begun
  readonly answered: boolean; // a byte of a response was written for this request
  readonly status: number; // the final status sent, 0 if none
  readonly headRequest: boolean;
  readonly delimited: boolean; // Content-Length or Transfer-Encoding sent
  readonly bodyRead: boolean; // the request body was read to its end, or there is none
}

/**
 * Whether the connection carries another request once this one is answered
 * (Go's `shouldReuseConnection`, h11's `_keep_alive`): `"keep"`, `"close"`,
 * or `"drain"` (keep if the unread request body can be drained within
 * `max_drain_bytes`, else close). Each reason to close, in order:
 */
export function keepAlive(o: Outcome): "keep" | "close" | "drain" {
  // 1. The request or the handler asked for it (`close_connection`): the
  //    version and `Connection` field set it (`requestKeepAlive()` in
  //    protocol/request-head.ts), `send_header('Connection', ...)` and the
  //    handler may change it.
  if (o.closeConnection) return "close";
  // 2. The connection was handed to another protocol (101, CONNECT).
  // 3. The server is closing.
  // 4. Nothing was answered: the client would wait forever.
  if (o.switched || o.serverClosing || !o.answered) return "close";
  // 5. The response has a body but no length: only closing ends it.
  const s = o.status;
  if (s >= 200 && s !== 204 && s !== 304 && !o.headRequest && !o.delimited) return "close";
  // 6. Request body left unread: drain a bounded amount, else close.
  return o.bodyRead ? "keep" : "drain";
}

/** Puts what the request line decided on the handler (CPython's `parse_request`). */
export function applyLine(h: Handler, x: Exchange, line: RequestLineResult): void {
  h.raw_requestline = line.raw;
  if (line.raw.length === 0) {
    h.close_connection = true;
    return;
  }
  applyWords(h, x, line);
}

/** HTTP/2: {@link applyLine} with `raw_requestline` made from the stream's head only if read. */
function applyStreamLine(h: Handler, x: Exchange, head: StreamHead): void {
  h.raw_requestline = EMPTY;
  x.rawLine = head;
  applyWords(h, x, head);
}

/** {@link applyLine} past `raw_requestline`, for a line with words. */
function applyWords(h: Handler, x: Exchange, line: RequestLineResult): void {
  h.requestline = line.requestline;
  h.command = line.command;
  h.request_version = line.version ?? h.default_request_version;
  h.close_connection = line.closeConnection;
  if (line.accepted) {
    x.lineParsed = true;
    h.path = line.path;
    h.origin_path = line.originPath ?? line.path;
    h.request_host = line.authority ?? null;
  }
}

/**
 * Puts an accepted head on the handler: header fields, body framing,
 * `close_connection`; then `Expect: 100-continue`. `false` when
 * `handle_expect_100()` refused the request.
 */
export function acceptHead(
  h: Handler,
  x: Exchange,
  reader: SocketReader | null,
  headers: HTTPMessage,
  framing: Framing,
  closeConnection: boolean,
): boolean | Promise<boolean> {
  h.headers = headers;
  // RFC 9112 §3.2.2: an absolute-form target's authority overrides Host.
  if (h.request_host === null) h.request_host = headers.get("Host") ?? null;
  x.framing = framing;
  reader?._beginBody(framing);
  h.close_connection = closeConnection;
  const expect = headers.get("Expect", "").toLowerCase();
  if (expect === "100-continue" && h.protocol_version >= "HTTP/1.1" && h.request_version >= "HTTP/1.1") {
    return h.handle_expect_100();
  }
  return true;
}
