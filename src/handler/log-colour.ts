/**
 * Coloured access-log lines, as CPython 3.15 prints them on a terminal
 * (gh-146292), and the decision whether to colour at all.
 *
 * Strategy: the decision is `_colorize.can_colorize(file=sys.stderr)`'s, in
 * its order: `PYTHON_COLORS=0` → no, `PYTHON_COLORS=1` → yes, a non-empty
 * `NO_COLOR` → no, a non-empty `FORCE_COLOR` → yes, `TERM=dumb` → no, else
 * whether stderr is a terminal. So a pipe or a file never gets escape codes
 * unless the user forces them. It is made once per process (the environment
 * and stderr do not change under a running server).
 *
 * The colours are `_colorize`'s `HttpServer` theme: the timestamp and size in
 * grey, the request path in cyan, the status by class (1xx plain, 2xx green,
 * 3xx intense cyan, 4xx yellow, 5xx red), error messages in yellow. Only the
 * escape codes are added: without them the line is byte for byte the plain one.
 */

/** ANSI SGR sequences (`_colorize.ANSIColors`). */
export const ANSI = {
  RESET: "\x1b[0m",
  GREY: "\x1b[90m",
  GREEN: "\x1b[32m",
  YELLOW: "\x1b[33m",
  RED: "\x1b[31m",
  CYAN: "\x1b[36m",
  INTENSE_CYAN: "\x1b[96m",
} as const;

/** What the decision reads: the environment and whether the stream is a terminal. */
export interface ColourContext {
  env: Readonly<Record<string, string | undefined>>;
  isTTY: boolean;
}

/** `_colorize.can_colorize()`: whether to colour a stream in this context. */
export function canColourize(ctx: ColourContext): boolean {
  const python = ctx.env["PYTHON_COLORS"];
  if (python === "0") return false;
  if (python === "1") return true;
  if (ctx.env["NO_COLOR"]) return false;
  if (ctx.env["FORCE_COLOR"]) return true;
  if (ctx.env["TERM"] === "dumb") return false;
  return ctx.isTTY;
}

let stderrDecision: boolean | null = null;

/** Whether this process colours its stderr log (decided at the first call). */
export function stderrColour(): boolean {
  stderrDecision ??= canColourize({ env: process.env, isTTY: process.stderr.isTTY === true });
  return stderrDecision;
}

/** The colour of a status code's class. */
export function statusColour(code: number): string {
  if (code >= 500) return ANSI.RED;
  if (code >= 400) return ANSI.YELLOW;
  if (code >= 300) return ANSI.INTENSE_CYAN;
  if (code >= 200) return ANSI.GREEN;
  return ANSI.RESET;
}

/** `[date]` in grey. */
export function colourTimestamp(stamp: string): string {
  return `${ANSI.GREY}[${stamp}]${ANSI.RESET}`;
}

/**
 * A request line's log message, `"GET /path HTTP/1.1" 200 -`, coloured: the
 * target in cyan, the status by class, the size in grey. `requestline` must
 * already be escaped.
 */
export function colourRequest(requestline: string, code: string, size: string): string {
  const parts = requestline.split(" ");
  const line = parts.length === 3 ? `${parts[0]} ${ANSI.CYAN}${parts[1]}${ANSI.RESET} ${parts[2]}` : requestline;
  const n = Number(code);
  const status = Number.isInteger(n) ? `${statusColour(n)}${code}${ANSI.RESET}` : code;
  return `"${line}" ${status} ${ANSI.GREY}${size}${ANSI.RESET}`;
}

/** An error message in the theme's error colour. */
export function colourError(message: string): string {
  return `${ANSI.YELLOW}${message}${ANSI.RESET}`;
}
