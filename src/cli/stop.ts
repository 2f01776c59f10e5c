/**
 * How the command stops: the signals it waits for, delivered in order
 * (`SignalQueue`), and the graceful stop of SIGTERM (`drain()`).
 *
 * Strategy: the signal listeners are installed once for the command's
 * lifetime and queue what arrives, so a second signal during a drain is
 * never lost (it cuts the drain short). `drain()` is Go's `Server.Shutdown`
 * with a deadline: stop accepting, close idle keep-alive connections, wait
 * for each connection in flight to close (the response finished and the
 * client gone) until the time runs out or the next signal, then cut what is
 * left. With `--health`, `drainFirstPhase()` (lb-setup.ts) answers 503 on
 * the health path first, so a balancer stops sending before the listener closes.
 */

import type { Socket } from "node:net";
import type { HTTPServer } from "../server/http-server.js";
import type { CliOptions } from "./args.js";
import { drainFirstPhase } from "./lb-setup.js";

/** The signals the command handles. */
export type StopSignal = "SIGINT" | "SIGTERM";

/** Where signals come from: `process` fits; tests may pass an EventEmitter. */
export interface SignalSource {
  on(signal: StopSignal, listener: () => void): unknown;
  off(signal: StopSignal, listener: () => void): unknown;
}

/** Delivers signals in order to whoever waits; installed for the command's lifetime. */
export class SignalQueue {
  readonly #source: SignalSource;
  readonly #pending: StopSignal[] = [];
  #waiter: ((signal: StopSignal) => void) | null = null;
  readonly #onInt = (): void => this.#push("SIGINT");
  readonly #onTerm = (): void => this.#push("SIGTERM");

  constructor(source: SignalSource) {
    this.#source = source;
    source.on("SIGINT", this.#onInt);
    source.on("SIGTERM", this.#onTerm);
  }

  #push(signal: StopSignal): void {
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      waiter(signal);
    } else {
      this.#pending.push(signal);
    }
  }

  /** The next signal. */
  next(): Promise<StopSignal> {
    const queued = this.#pending.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((done) => (this.#waiter = done));
  }

  /** Removes the listeners (the process's default signal behaviour returns). */
  dispose(): void {
    this.#source.off("SIGINT", this.#onInt);
    this.#source.off("SIGTERM", this.#onTerm);
  }
}

/** Resolves once `socket` is closed (the client has read the response and closed, or the linger ran out). */
function closed(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((done) => socket.once("close", () => done()));
}

/**
 * Stops the server gracefully: no new connections, idle keep-alive
 * connections closed, requests in flight finished — until `timeoutMs` or
 * the next signal. Resolves to the number of connections cut short.
 */
export async function drain(httpd: HTTPServer, timeoutMs: number, signals: SignalQueue, options: CliOptions): Promise<number> {
  const interrupt = signals.next();
  timeoutMs = await drainFirstPhase(httpd, options, timeoutMs, interrupt);
  await httpd.shutdown();
  const inFlight = httpd._activeSockets;
  // Closes the listener and idle connections; tells the others to close
  // after their current response. Daemon "threads": it does not wait.
  await httpd.server_close();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(inFlight.map(closed)),
    new Promise<void>((done) => (timer = setTimeout(done, timeoutMs))),
    interrupt,
  ]);
  clearTimeout(timer);
  const left = inFlight.filter((s) => !s.destroyed);
  for (const s of left) s.destroy();
  return left.length;
}
