/**
 * Extension (not in CPython): serve one port from several processes, with
 * `node:cluster`, so a server uses every core. The CLI's `--workers N` is
 * built on it; library users call `serveWorkers()` with their own server.
 *
 * Strategy: the same script runs in every process. In the primary,
 * `serveWorkers()` forks N workers and never creates a server; in each
 * worker it calls `createServer()`, whose `listen()` cluster routes through
 * the primary, so every worker shares one listening socket (with port 0, all
 * of them, and any restarted one, get the same port). The primary and its
 * workers talk over the cluster IPC channel with a few tagged messages:
 *
 * 1. worker → primary `listening` (with `server_address`) once `ready`
 *    resolved, or `failed` (with the error's first line) if it rejected or
 *    `createServer()` threw. The primary reports the address once every
 *    worker listens (`onListening`, where the CLI prints its banner); one
 *    failure before that stops the others and rejects the primary's call.
 * 2. Signals go to the primary: it forwards SIGINT / SIGTERM as a `stop`
 *    message to every worker, and workers ignore the signals themselves, so
 *    Ctrl-C (which reaches the whole process group) stops each worker exactly
 *    once. SIGINT stops at once; SIGTERM drains: no new connections, idle
 *    keep-alive connections closed, requests in flight finished for up to
 *    `drain_timeout` seconds or until a second signal. Each worker reports
 *    how many connections it cut short (`stopped`), disconnects and exits 0;
 *    the primary waits for all of them (killing any still there
 *    `drain_timeout` + 5 s after the first signal) and resolves to 0, or to
 *    1 if any worker failed to stop cleanly.
 * 3. A worker that exits at any other time has crashed: the primary logs it
 *    and forks a replacement, unless `max_restarts` replacements were already
 *    started within the last `restart_window` seconds (a restart storm: a
 *    handler that crashes on every request, a port taken away). Then it
 *    logs that it gives up, stops the remaining workers, and resolves to 1.
 *
 * If the primary dies, its workers exit on their own (cluster exits a worker
 * whose IPC channel closes unexpectedly).
 *
 * Connections are spread with Node's default cluster policy: on Linux the
 * primary accepts and hands each connection to the next worker in turn
 * (`NODE_CLUSTER_SCHED_POLICY=none` leaves it to the kernel).
 */

import cluster, { type Worker } from "node:cluster";
import type { Socket } from "node:net";
import { availableParallelism } from "node:os";
import type { ServerAddress } from "./address.js";
import type { BaseServer } from "./base-server.js";
import { WORKER_KILL_GRACE } from "../protocol/limits.js";

/** The signals the primary forwards to its workers. */
export type WorkerStopSignal = "SIGINT" | "SIGTERM";

/** Where the primary's signals come from: `process` by default; tests may pass an EventEmitter. */
export interface WorkerSignalSource {
  on(signal: WorkerStopSignal, listener: () => void): unknown;
  off(signal: WorkerStopSignal, listener: () => void): unknown;
}

/** A server as `serveWorkers()` needs it: any of this package's servers. */
export type WorkerServer = Pick<BaseServer, "ready" | "serve_forever" | "shutdown" | "server_close" | "_activeSockets"> & {
  server_address: ServerAddress;
};

/** Options of `serveWorkers()`; every callback runs in the primary. */
export interface WorkersOptions {
  /** How many worker processes: a number ≥ 1, or `"auto"` (the default) for `os.availableParallelism()`. */
  workers?: number | "auto";
  /** Once every worker listens: the first worker's `server_address` (the port is the same for all). */
  onListening?(server_address: ServerAddress, workers: number): void;
  /** When the primary receives SIGINT or SIGTERM (before forwarding it). */
  onSignal?(signal: WorkerStopSignal): void;
  /** One line (no newline) about the workers: a crash, a restart, giving up. Default: written to stderr. */
  onLog?(line: string): void;
  /** Seconds SIGTERM lets requests in flight finish before their connections are closed. Default 10. */
  drain_timeout?: number;
  /** Most replacement workers started within `restart_window` seconds before giving up. Default 5. */
  max_restarts?: number;
  /** See `max_restarts`. Default 60. */
  restart_window?: number;
  /** The primary's signal source. Default `process`. */
  signals?: WorkerSignalSource;
}

/** The tag every message of ours carries on the cluster channel. */
const TAG = "http.server:workers";

type Message =
  | { [TAG]: "listening"; address: ServerAddress }
  | { [TAG]: "failed"; message: string }
  | { [TAG]: "stop"; signal: WorkerStopSignal }
  | { [TAG]: "stopped"; cut: number };

function isMessage(m: unknown): m is Message {
  return typeof m === "object" && m !== null && TAG in m;
}

/** The number of workers `workers` asks for. @throws RangeError for anything but a positive integer or `"auto"`. */
export function workerCount(workers: number | "auto" = "auto"): number {
  if (workers === "auto") return availableParallelism();
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer or "auto", got ${String(workers)}`);
  return workers;
}

/**
 * Extension (not in CPython): serves with `workers` processes sharing one
 * port. Call it from the top level of your script, the same way in every
 * process: in the primary it forks the workers (re-running the script) and
 * resolves once they have all stopped; in a worker it calls `createServer()`,
 * serves until the primary says stop, and resolves then. Either way it
 * resolves to the exit status for the process: `process.exitCode = await
 * serveWorkers(...)`.
 *
 * ```ts
 * process.exitCode = await serveWorkers(() => new ThreadingHTTPServer(["", 8000], Handler), { workers: "auto" });
 * ```
 *
 * @param createServer called in each worker (never in the primary): returns
 *   the server, bound or binding (its `ready` is awaited).
 * @returns 0 after a signal stopped every worker cleanly; 1 when a worker
 *   did not stop cleanly, or when the workers kept crashing.
 * @throws (primary) an Error with the worker's message when a worker fails
 *   to start, before every worker listens (a port in use, say); the others
 *   have been stopped by then.
 */
export async function serveWorkers(
  createServer: () => WorkerServer | Promise<WorkerServer>,
  options: WorkersOptions = {},
): Promise<number> {
  const drainMs = (options.drain_timeout ?? 10) * 1000;
  if (cluster.isWorker) return runWorker(createServer, drainMs);
  return runPrimary(workerCount(options.workers), options, drainMs);
}

// ---- worker -----------------------------------------------------------------

/** Sends a message to the primary; resolves once it is handed to the channel. */
function send(message: Message): Promise<void> {
  return new Promise((done) => {
    if (process.send === undefined || !process.connected) return done();
    process.send(message, undefined, {}, () => done());
  });
}

/** Resolves once `socket` is closed. */
function closed(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((done) => socket.once("close", () => done()));
}

/**
 * Stops `httpd`: at once for SIGINT (connections in flight closed), or for
 * SIGTERM after requests in flight finish, bounded by `drainMs` and by
 * `cutShort`. Resolves to the number of connections closed while busy.
 */
async function stopServer(httpd: WorkerServer, signal: WorkerStopSignal, drainMs: number, cutShort: Promise<unknown>): Promise<number> {
  await httpd.shutdown();
  const inFlight = httpd._activeSockets;
  // Closes the listener and idle keep-alive connections; the others close after their current response.
  await httpd.server_close();
  if (signal === "SIGTERM") {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(inFlight.map(closed)),
      new Promise<void>((done) => (timer = setTimeout(done, drainMs))),
      cutShort,
    ]);
    clearTimeout(timer);
  }
  const left = inFlight.filter((s) => !s.destroyed);
  for (const s of left) s.destroy();
  return left.length;
}

async function runWorker(createServer: () => WorkerServer | Promise<WorkerServer>, drainMs: number): Promise<number> {
  // The primary decides when to stop and tells us; a signal sent to the whole
  // process group (Ctrl-C) must not stop this worker a second time.
  const ignore = (): void => {};
  process.on("SIGINT", ignore);
  process.on("SIGTERM", ignore);
  const stops: WorkerStopSignal[] = [];
  let wake: (() => void) | null = null;
  const onMessage = (m: unknown): void => {
    if (isMessage(m) && m[TAG] === "stop") {
      stops.push(m.signal);
      wake?.();
    }
  };
  process.on("message", onMessage);
  const nextStop = async (): Promise<WorkerStopSignal> => {
    while (stops.length === 0) await new Promise<void>((done) => (wake = done));
    return stops.shift()!;
  };
  const leave = async (message: Message, status: number): Promise<number> => {
    await send(message);
    process.off("message", onMessage);
    process.off("SIGINT", ignore);
    process.off("SIGTERM", ignore);
    // Tells the primary this exit is intended, then closes the channel.
    cluster.worker?.disconnect();
    return status;
  };

  let httpd: WorkerServer;
  try {
    httpd = await createServer();
    await httpd.ready;
  } catch (e) {
    return leave({ [TAG]: "failed", message: firstLine(e) }, 1);
  }
  await send({ [TAG]: "listening", address: httpd.server_address });
  const served = httpd.serve_forever().then(
    () => null,
    (e: unknown) => e,
  );
  const outcome = await Promise.race([nextStop(), served.then((e) => ({ failed: e }))]);
  if (typeof outcome !== "string") {
    // serve_forever() ended by itself (someone called shutdown(), or it failed): this worker is done.
    await httpd.server_close();
    if (outcome.failed !== null) process.stderr.write(`worker ${process.pid}: ${firstLine(outcome.failed)}\n`);
    process.off("message", onMessage);
    process.off("SIGINT", ignore);
    process.off("SIGTERM", ignore);
    process.disconnect?.();
    return 1;
  }
  const cut = await stopServer(httpd, outcome, drainMs, nextStop());
  await served;
  return leave({ [TAG]: "stopped", cut }, 0);
}

/** One line describing an error, without a stack. */
function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split("\n", 1)[0]!;
}

// ---- primary ----------------------------------------------------------------

/** How a worker ended, for the log. */
function how(code: number | null, signal: string | null): string {
  return signal !== null ? `was killed by ${signal}` : `exited with status ${code}`;
}

function runPrimary(count: number, options: WorkersOptions, drainMs: number): Promise<number> {
  const signals = options.signals ?? (process as WorkerSignalSource);
  const log = options.onLog ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const maxRestarts = options.max_restarts ?? 5;
  const windowMs = (options.restart_window ?? 60) * 1000;

  return new Promise<number>((resolve, reject) => {
    /** Live workers, and whether each has reported `listening`. */
    const live = new Map<Worker, { listening: boolean; replaces?: number | undefined }>();
    const restarts: number[] = [];
    let started = false; // every worker of the first set has listened
    let stopping: WorkerStopSignal | "gave-up" | "failed" | null = null;
    let status = 0;
    let cut = 0;
    let failure: Error | null = null;
    let killTimer: NodeJS.Timeout | undefined;

    const onInt = (): void => onSignal("SIGINT");
    const onTerm = (): void => onSignal("SIGTERM");
    signals.on("SIGINT", onInt);
    signals.on("SIGTERM", onTerm);

    const stopAll = (signal: WorkerStopSignal): void => {
      for (const w of live.keys()) if (w.isConnected()) w.send({ [TAG]: "stop", signal } satisfies Message);
      if (killTimer === undefined) {
        killTimer = setTimeout(() => {
          for (const w of live.keys()) {
            log(`worker ${w.process.pid} did not stop within ${drainMs / 1000 + WORKER_KILL_GRACE} s; killing it`);
            status = 1;
            w.process.kill("SIGKILL");
          }
        }, drainMs + WORKER_KILL_GRACE * 1000);
      }
    };

    function onSignal(signal: WorkerStopSignal): void {
      if (stopping === null) {
        stopping = signal;
        options.onSignal?.(signal);
      }
      // A second signal is forwarded too: it cuts the workers' drain short.
      stopAll(signal);
    }

    const finish = (): void => {
      clearTimeout(killTimer);
      signals.off("SIGINT", onInt);
      signals.off("SIGTERM", onTerm);
      cluster.off("message", onMessage);
      cluster.off("exit", onExit);
      if (cut > 0) log(`closed ${cut} connection(s) still busy after the drain`);
      if (failure !== null) reject(failure);
      else resolve(status);
    };

    const onMessage = (worker: Worker, m: unknown): void => {
      const state = live.get(worker);
      if (state === undefined || !isMessage(m)) return;
      if (m[TAG] === "listening") {
        state.listening = true;
        if (state.replaces !== undefined && stopping === null) log(`worker ${worker.process.pid} is listening, replacing ${state.replaces}`);
        // Forked just before a signal: it may have missed the stop message.
        if (stopping !== null && worker.isConnected()) worker.send({ [TAG]: "stop", signal: "SIGINT" } satisfies Message);
        if (!started && stopping === null && [...live.values()].every((s) => s.listening)) {
          started = true;
          options.onListening?.(m.address, live.size);
        }
      } else if (m[TAG] === "failed") {
        if (!started && stopping === null) {
          // The first set cannot start (a port in use, a bad certificate): give up at once.
          failure = new Error(m.message);
          stopping = "failed";
          stopAll("SIGINT");
        } else if (stopping === null) {
          log(`worker ${worker.process.pid} could not start: ${m.message}`);
        }
      } else if (m[TAG] === "stopped") {
        cut += m.cut;
      }
    };

    const onExit = (worker: Worker, code: number | null, signal: string | null): void => {
      if (!live.delete(worker)) return;
      if (stopping !== null) {
        if (code !== 0 && stopping !== "failed") status = 1;
        if (live.size === 0) finish();
        return;
      }
      // A crash (a worker disconnecting by itself because serve_forever() ended counts too).
      const now = Date.now();
      while (restarts.length > 0 && restarts[0]! <= now - windowMs) restarts.shift();
      if (!started) {
        failure = new Error(`a worker ${how(code, signal)} before it was listening`);
        stopping = "failed";
        stopAll("SIGINT");
        if (live.size === 0) finish();
        return;
      }
      if (restarts.length >= maxRestarts) {
        log(
          `worker ${worker.process.pid} ${how(code, signal)}; ${restarts.length} workers were restarted in the last ` +
            `${windowMs / 1000} s, giving up`,
        );
        stopping = "gave-up";
        status = 1;
        stopAll("SIGINT");
        if (live.size === 0) finish();
        return;
      }
      restarts.push(now);
      fork(worker.process.pid);
      log(`worker ${worker.process.pid} ${how(code, signal)}; starting a new one`);
    };

    const fork = (replaces?: number): void => {
      const worker = cluster.fork();
      live.set(worker, { listening: false, replaces });
    };

    cluster.on("message", onMessage);
    cluster.on("exit", onExit);
    for (let i = 0; i < count; i++) fork();
  });
}
