/**
 * Running a CGI script as a child process: spawning it in its own process
 * group (as `nobody` when the server runs as root), killing that group, and
 * describing how it ended. No HTTP here: the handler connects the pipes.
 *
 * Strategy: a script is spawned with an argv array, never through a shell,
 * and `detached`, so that its pid is also its process group's id and one
 * signal to `-pid` reaches everything it started. Killing is SIGTERM, then
 * SIGKILL after a grace period; the groups still running are remembered and
 * sent SIGKILL if the server process exits first.
 */

import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { constants as osConstants } from "node:os";
import type { Writable } from "node:stream";

/** Seconds between SIGTERM and SIGKILL when a script is killed. */
export const CGI_KILL_GRACE = 2;

/** Process groups of scripts still running, killed if the server process exits. */
const RUNNING = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const pid of RUNNING) killGroup(pid, "SIGKILL");
  });
}

let nobodyIds: { uid: number; gid: number } | null = null;

/**
 * CPython's `nobody_uid()`: the uid (and, ours, gid) of `nobody` from
 * `/etc/passwd`, else one more than the largest uid there.
 */
export function nobody_ids(): { uid: number; gid: number } {
  if (nobodyIds !== null) return nobodyIds;
  let text = "";
  try {
    text = readFileSync("/etc/passwd", "utf8");
  } catch {
    // No passwd file: fall back to the conventional 65534.
  }
  let max = -1;
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length < 4) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (f[0] === "nobody" && Number.isInteger(uid) && Number.isInteger(gid)) {
      nobodyIds = { uid, gid };
      return nobodyIds;
    }
    if (Number.isInteger(uid)) max = Math.max(max, uid);
  }
  nobodyIds = max >= 0 ? { uid: max + 1, gid: max + 1 } : { uid: 65534, gid: 65534 };
  return nobodyIds;
}

/** How a script run ended, for the log. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/** A running script. */
export interface ScriptProcess {
  /** The child, with stdin, stdout and stderr as pipes. */
  child: ChildProcess;
  /** Resolves once the script has exited (or could not be started). */
  exited: Promise<Exit>;
  /**
   * Kills the script's process group: SIGTERM now, SIGKILL after
   * `CGI_KILL_GRACE` seconds (destroying its output pipes then, which
   * something it left running may still hold). Once only.
   */
  terminate(): void;
  /** Stops tracking the script once it has ended: no SIGKILL will follow. */
  release(): void;
}

/**
 * Spawns `file` with `args` (`argv0` as its argv[0]) and the environment
 * `env`, in its own process group, as `nobody` when the server is root.
 * @throws what `child_process.spawn` throws synchronously (a bad argument).
 */
export function spawnScript(file: string, argv0: string, args: string[], env: Record<string, string>): ScriptProcess {
  const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const ids = asRoot ? nobody_ids() : null;
  const child = spawn(file, args, {
    argv0,
    env,
    stdio: ["pipe", "pipe", "pipe"],
    // Its own process group, so that killing it reaches what it started.
    detached: true,
    ...(ids !== null ? { uid: ids.uid, gid: ids.gid } : {}),
  });
  const pid = child.pid;
  if (pid !== undefined) {
    installExitHook();
    RUNNING.add(pid);
  }
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", (error) => resolve({ code: null, signal: null, error }));
  });
  let killTimer: NodeJS.Timeout | null = null;
  return {
    child,
    exited,
    terminate(): void {
      if (pid === undefined || killTimer !== null) return;
      killGroup(pid, "SIGTERM");
      killTimer = setTimeout(() => {
        killGroup(pid, "SIGKILL");
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, CGI_KILL_GRACE * 1000);
      killTimer.unref();
    },
    release(): void {
      if (pid !== undefined) RUNNING.delete(pid);
      if (killTimer !== null) clearTimeout(killTimer);
    },
  };
}

/**
 * The log line for how a script ended, as `log_error()` arguments (format,
 * then values), or `null` for a clean exit: CPython's "CGI script exit code
 * N" (negative for a signal, as `subprocess` reports it).
 */
export function exitMessage(exit: Exit): [string, ...(string | number)[]] | null {
  if (exit.error !== undefined) {
    const code = (exit.error as { code?: string }).code ?? exit.error.message;
    return ["CGI script could not be started: %s", code];
  }
  if (exit.signal !== null) {
    const signum = (osConstants.signals as Record<string, number>)[exit.signal] ?? 0;
    return ["CGI script exit code %d (killed by %s)", -signum, exit.signal];
  }
  if (exit.code !== 0 && exit.code !== null) return ["CGI script exit code %d", exit.code];
  return null;
}

/** Resolves when `w` can take more, or is closed. */
export function drained(w: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      w.off("drain", done);
      w.off("close", done);
      resolve();
    };
    w.once("drain", done);
    w.once("close", done);
  });
}
