/**
 * The `http.server` command line: argv → options, as CPython 3.14's
 * `argparse` parser in `http.server._main()` reads it, plus our extensions.
 *
 * Strategy: a pure function over one table of options. Each argument is
 * classified the way `argparse` classifies it (`_parse_optional`): an exact
 * option, `--opt=value` / `-oVALUE`, a unique prefix of a long option
 * (`--dir` for `--directory`; an ambiguous prefix is an error), a negative
 * number (a positional, since no option looks like one), or else a
 * positional. An ambiguous prefix is an error wherever it stands (argparse
 * classifies every argument first); then arguments are consumed left to
 * right, so `--help` wins over an error that comes after it and loses to one
 * that comes before, as in Python. Then come the checks `_main()` makes
 * after parsing (`--tls-key` needs `--tls-cert`) and ours (port range,
 * protocol syntax). `main.ts` reports every error in argparse's layout
 * (usage, then `http.server: error: …`) with exit status 2.
 *
 * Nothing here touches the file system or the network: whether `--directory`
 * exists and whether `--bind` resolves are for `main.ts` to find out.
 */

import { pyRepr } from "../python/repr.js";
import { MAX_WORKERS } from "../protocol/limits.js";
import { headerProblem, splitHeaderArg, type HeaderPair } from "../static/response-headers.js";
import type { ListingMode } from "../static/listing.js";
import { looksLikeDuration } from "./share.js";
import { DEFAULT_MAX_UPLOAD } from "../static/upload-rules.js";
import { LB_DEFAULTS, checkLbOptions, type LbOptions } from "./lb-args.js";
import { checkShare, checkUploadOptions } from "./sharing-args.js";

import { DEFAULT_PORT, DEFAULT_PROTOCOL, HELP, PROG, USAGE } from "./help.js";

/** The program name in usage and error lines; the usage and `--help` text (help.ts). */
export { HELP, PROG, USAGE };

/** What the command was asked to do, with Python's defaults filled in. */
export interface CliOptions {
  /** Port to bind; 0 asks for an ephemeral port. Default 8000. */
  port: number;
  /** Address to bind, as given; `null` (the default) means all interfaces, dual-stack. */
  bind: string | null;
  /** Directory to serve, as given; `null` (the default) means the current directory. */
  directory: string | null;
  /** The handler's `protocol_version`. Default `"HTTP/1.0"`. */
  protocol: string;
  /** `--cgi`: serve with CGIHTTPRequestHandler. */
  cgi: boolean;
  /** `--tls-cert`: serve HTTPS with this certificate chain. */
  tls_cert: string | null;
  /** `--tls-key`: the private key (requires `--tls-cert`). */
  tls_key: string | null;
  /** `--tls-password-file`: a file holding the key's password (requires `--tls-cert`). */
  tls_password_file: string | null;
  /** Extension (not in CPython): set SimpleHTTPRequestHandler's `follow_symlinks`. */
  follow_symlinks: boolean;
  /** Extension (not in CPython): set SimpleHTTPRequestHandler's `exclude_dotfiles`. */
  exclude_dotfiles: boolean;
  /** Extension (not in CPython): `--http2`, HTTP/2 by ALPN over TLS, by prior knowledge over cleartext. */
  http2: boolean;
  /** Extension (not in CPython): `--workers`, processes sharing the port; `"auto"` is one per core. Default 1. */
  workers: number | "auto";
  // -- issue #14 (serving a site or web app) --
  /** `-H/--header` (CPython 3.15, gh-135056): SimpleHTTPRequestHandler's `response_headers`, in order given. */
  header: HeaderPair[];
  /** `--content-type` (CPython 3.15, gh-113471): SimpleHTTPRequestHandler's `default_content_type`; `null`: its default. */
  content_type: string | null;
  /** Extension (not in CPython): set SimpleHTTPRequestHandler's `cors`. */
  cors: boolean;
  /** Extension (not in CPython): `--spa [FILE]`, SimpleHTTPRequestHandler's `spa_fallback`. */
  spa: string | null;
  /** Extension (not in CPython): `--not-found FILE`, SimpleHTTPRequestHandler's `not_found_page`. */
  not_found: string | null;
  /** Extension (not in CPython): set SimpleHTTPRequestHandler's `precompressed`. */
  precompressed: boolean;
  /** Extension (not in CPython): set SimpleHTTPRequestHandler's `compress`. */
  compress: boolean;
  /** Extension (not in CPython): `-q/--quiet`, SimpleHTTPRequestHandler's `quiet`. */
  quiet: boolean;
  // ---- issue 15, listing / archives / share links (share-a) ----
  /** Extension (not in CPython): `--listing`, the handler's `listing`. Default `"python"`. */
  listing: ListingMode;
  /** Extension (not in CPython): `--archives`, the handler's `archives`. */
  archives: boolean;
  /** Extension (not in CPython): `--share [DURATION]`: seconds the share link lives; `null` (the default): no share link. */
  share: number | null;
  /** Extension (not in CPython): `--share-forever`: a share link that never expires (implies `--share`). */
  share_forever: boolean;
  /** Extension (not in CPython): `--max-downloads N`: downloads a share link allows; `null`: no limit. */
  max_downloads: number | null;
  /** Extension (not in CPython): `--qr`: print a QR code of the first LAN URL (and show it on the rich listing). */
  qr: boolean;
  // ---- uploads and passwords (issue 15) ----
  /** Extension: `--upload`, accept PUT, multipart POST and resumable uploads. */
  upload: boolean;
  /** Extension: `--upload-overwrite`, uploads may replace files without If-Match. */
  upload_overwrite: boolean;
  /** Extension: `--upload-mkdir`, uploads may create missing directories. */
  upload_mkdir: boolean;
  /** Extension: `--max-upload SIZE` in bytes. Default 1 GiB. */
  max_upload: number;
  /** Extension: `--auth USER:PASSWORD`, repeatable. */
  auth: string[];
  /** Extension: `--auth-scope`, what `--auth` protects. */
  auth_scope: "all" | "upload";
  /** Extension: `--hash-password`, print a hash for `--auth` and exit. */
  hash_password: boolean;
}

/** Extension (not in CPython): the load-balancer options (issue 18), declared in lb-args.ts. */
export interface CliOptions extends LbOptions {}

/** The result of parsing: run, print help, or a usage error (message without the `http.server: error: ` prefix). */
export type ParseResult =
  | { kind: "run"; options: CliOptions }
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "error"; message: string };

/** Python's defaults (`_main()`), before any argument is read. */
export const DEFAULTS: Readonly<CliOptions> = Object.freeze({
  port: DEFAULT_PORT,
  bind: null,
  directory: null,
  protocol: DEFAULT_PROTOCOL,
  cgi: false,
  tls_cert: null,
  tls_key: null,
  tls_password_file: null,
  follow_symlinks: false,
  exclude_dotfiles: false,
  http2: false,
  workers: 1,
  header: [],
  content_type: null,
  cors: false,
  spa: null,
  not_found: null,
  precompressed: false,
  compress: false,
  quiet: false,
  listing: "python",
  archives: false,
  share: null,
  share_forever: false,
  max_downloads: null,
  qr: false,
  upload: false,
  upload_overwrite: false,
  upload_mkdir: false,
  max_upload: DEFAULT_MAX_UPLOAD,
  auth: [],
  auth_scope: "all",
  hash_password: false,
  ...LB_DEFAULTS,
});

type FlagDest =
  | "help" | "http2" | "cgi" | "follow_symlinks" | "exclude_dotfiles" | "version"
  | "cors" | "precompressed" | "compress" | "quiet" | "spa"
  | "archives" | "share_forever" | "qr"
  | "upload" | "upload_overwrite" | "upload_mkdir" | "hash_password"
  | "proxy_protocol";
type ValueDest =
  | "bind" | "directory" | "protocol" | "tls_cert" | "tls_key" | "tls_password_file" | "workers"
  | "header" | "content_type" | "not_found"
  | "listing" | "max_downloads"
  | "max_upload" | "auth" | "auth_scope"
  | LbValueDest;
type LbValueDest = "trusted_proxy" | "health" | "drain_timeout" | "log_format" | "access_log";
/** Options whose value may be left out (argparse's `nargs='?'`). */
type OptionalValueDest = "share";

/** One optional argument: its option strings, in argparse's order (short first). */
type OptionSpec = { flags: readonly string[] } & (
  | { dest: FlagDest; takesValue: false }
  | { dest: ValueDest; takesValue: true }
  | { dest: OptionalValueDest; takesValue: "optional" }
);

/** Every option, in `add_argument` order (CPython's, then ours). */
export const OPTIONS: readonly OptionSpec[] = [
  { flags: ["-h", "--help"], dest: "help", takesValue: false },
  { flags: ["--cgi"], dest: "cgi", takesValue: false },
  { flags: ["-b", "--bind"], dest: "bind", takesValue: true },
  { flags: ["-d", "--directory"], dest: "directory", takesValue: true },
  { flags: ["-p", "--protocol"], dest: "protocol", takesValue: true },
  { flags: ["--tls-cert"], dest: "tls_cert", takesValue: true },
  { flags: ["--tls-key"], dest: "tls_key", takesValue: true },
  { flags: ["--tls-password-file"], dest: "tls_password_file", takesValue: true },
  { flags: ["--follow-symlinks"], dest: "follow_symlinks", takesValue: false },
  { flags: ["--exclude-dotfiles"], dest: "exclude_dotfiles", takesValue: false },
  { flags: ["--workers"], dest: "workers", takesValue: true },
  { flags: ["--http2"], dest: "http2", takesValue: false },
  // -- issue #14: CPython 3.15's -H and --content-type, then ours --
  { flags: ["-H", "--header"], dest: "header", takesValue: true },
  { flags: ["--content-type"], dest: "content_type", takesValue: true },
  { flags: ["--cors"], dest: "cors", takesValue: false },
  { flags: ["--spa"], dest: "spa", takesValue: false }, // optional value: see parseArgs()
  { flags: ["--not-found"], dest: "not_found", takesValue: true },
  { flags: ["--precompressed"], dest: "precompressed", takesValue: false },
  { flags: ["--compress"], dest: "compress", takesValue: false },
  { flags: ["-q", "--quiet"], dest: "quiet", takesValue: false },
  { flags: ["--version"], dest: "version", takesValue: false },
  // issue 15 (share-a): listing, archives, share links, QR code
  { flags: ["--listing"], dest: "listing", takesValue: true },
  { flags: ["--archives"], dest: "archives", takesValue: false },
  { flags: ["--share"], dest: "share", takesValue: "optional" },
  { flags: ["--share-forever"], dest: "share_forever", takesValue: false },
  { flags: ["--max-downloads"], dest: "max_downloads", takesValue: true },
  { flags: ["--qr"], dest: "qr", takesValue: false },
  // ---- uploads and passwords (issue 15) ----
  { flags: ["--upload"], dest: "upload", takesValue: false },
  { flags: ["--upload-overwrite"], dest: "upload_overwrite", takesValue: false },
  { flags: ["--upload-mkdir"], dest: "upload_mkdir", takesValue: false },
  { flags: ["--max-upload"], dest: "max_upload", takesValue: true },
  { flags: ["--auth"], dest: "auth", takesValue: true },
  { flags: ["--auth-scope"], dest: "auth_scope", takesValue: true },
  { flags: ["--hash-password"], dest: "hash_password", takesValue: false },
  // Issue 18: behind a load balancer.
  { flags: ["--proxy-protocol"], dest: "proxy_protocol", takesValue: false },
  { flags: ["--trusted-proxy"], dest: "trusted_proxy", takesValue: true },
  { flags: ["--health"], dest: "health", takesValue: true },
  { flags: ["--drain-timeout"], dest: "drain_timeout", takesValue: true },
  { flags: ["--log-format"], dest: "log_format", takesValue: true },
  { flags: ["--access-log"], dest: "access_log", takesValue: true },
];

const BY_FLAG = new Map<string, OptionSpec>(OPTIONS.flatMap((o) => o.flags.map((f) => [f, o] as const)));


/** `type "/" subtype *( OWS ";" OWS parameter )` (RFC 9110 §8.3.1), no control characters. */
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*;[ \t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+=(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+|"[^"\\\x00-\x1f\x7f]*"))*$/;

/** Highest TCP port. */
const MAX_PORT = 65535;

/** `HTTP/<digit>.<digit>`, the only versions BaseHTTPRequestHandler can speak in a status line. */
const PROTOCOL_SYNTAX = /^HTTP\/\d\.\d$/;

/** argparse's `_negative_number_matcher`: such arguments are positionals here (no option looks like one). */
const NEGATIVE_NUMBER = /^-\d+$|^-\d*\.\d+$/;

/** What Python's `int(str)` accepts in base 10: surrounding whitespace, a sign, `_` between digits. */
const PY_INT = /^\s*([+-]?\d+(?:_\d+)*)\s*$/;

/**
 * Python's `int(text)` for base-10 text, or `null` where Python raises
 * ValueError. Beyond 2^53 the value is approximate, which is enough to tell
 * that it is no port.
 */
export function parsePyInt(text: string): number | null {
  const m = PY_INT.exec(text);
  if (m === null) return null;
  const n = Number(m[1]!.replaceAll("_", ""));
  return n === 0 ? 0 : n; // never -0
}

/** argparse's name for an argument in messages: `-b/--bind`, `port`. */
function nameOf(option: OptionSpec): string {
  return option.flags.join("/");
}

/** A classified argument: an option (known or not) or a positional. */
type Classified =
  | { kind: "positional" }
  | { kind: "separator" }
  | { kind: "option"; option: OptionSpec; flag: string; explicit: string | null }
  | { kind: "unknown" }
  | { kind: "error"; message: string };

/** argparse's `_parse_optional()`: is `arg` an option, and which? */
function classify(arg: string): Classified {
  if (arg === "" || arg[0] !== "-" || arg === "-") return { kind: "positional" };
  const exact = BY_FLAG.get(arg);
  if (exact !== undefined) return { kind: "option", option: exact, flag: arg, explicit: null };
  const eq = arg.indexOf("=");
  if (eq !== -1) {
    const flag = arg.slice(0, eq);
    const named = BY_FLAG.get(flag);
    if (named !== undefined) return { kind: "option", option: named, flag, explicit: arg.slice(eq + 1) };
  }
  // argparse's `_get_option_tuples`: long prefixes, or a short option with its value attached.
  const matches: { option: OptionSpec; flag: string; explicit: string | null }[] = [];
  if (arg.startsWith("--")) {
    const prefix = eq === -1 ? arg : arg.slice(0, eq);
    const explicit = eq === -1 ? null : arg.slice(eq + 1);
    for (const [flag, option] of BY_FLAG) {
      if (flag.startsWith("--") && flag.startsWith(prefix)) matches.push({ option, flag, explicit });
    }
  } else {
    const short = arg.slice(0, 2);
    for (const [flag, option] of BY_FLAG) {
      if (flag === short) matches.push({ option, flag, explicit: arg.slice(2) });
      else if (flag.startsWith(arg)) matches.push({ option, flag, explicit: null });
    }
  }
  if (matches.length > 1) {
    return { kind: "error", message: `ambiguous option: ${arg} could match ${matches.map((m) => m.flag).join(", ")}` };
  }
  if (matches.length === 1) return { kind: "option", ...matches[0]! };
  if (NEGATIVE_NUMBER.test(arg)) return { kind: "positional" };
  if (arg.includes(" ")) return { kind: "positional" };
  return { kind: "unknown" };
}

/**
 * Parses the command's arguments (without `node` and the script) as CPython
 * 3.14's `http.server` does, plus `--follow-symlinks`, and checks the values.
 */
export function parseArgs(argv: readonly string[]): ParseResult {
  const options: CliOptions = { ...DEFAULTS };
  const extras: string[] = [];
  let portText: string | null = null;
  let workersText: string | null = null;
  const texts: { listing: string | null; share: string | null; max_downloads: string | null } = { listing: null, share: null, max_downloads: null };
  const uploadTexts: Partial<Record<"max_upload" | "auth_scope", string>> = {};
  const lbText: { drain_timeout?: string; log_format?: string } = {};
  const error = (message: string): ParseResult => ({ kind: "error", message });

  // argparse classifies every argument before consuming any: an ambiguous
  // prefix is an error wherever it stands. After "--", all are positionals.
  const dashdash = argv.indexOf("--");
  const kinds: Classified[] = argv.map((arg, i) =>
    dashdash === -1 || i < dashdash ? classify(arg) : i === dashdash ? { kind: "separator" } : { kind: "positional" },
  );
  const ambiguous = kinds.find((k) => k.kind === "error");
  if (ambiguous?.kind === "error") return error(ambiguous.message);

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const c = kinds[i]!;
    switch (c.kind) {
      case "separator":
      case "error": // reported above
        continue;
      case "unknown":
        extras.push(arg);
        continue;
      case "positional": {
        if (portText !== null) {
          extras.push(arg);
          continue;
        }
        const port = parsePyInt(arg);
        if (port === null) return error(`argument port: invalid int value: ${pyRepr(arg)}`);
        options.port = port;
        portText = arg.trim();
        continue;
      }
      case "option": {
        // --spa takes an optional FILE: `--spa=FILE`, or the next argument
        // unless it is an option or a number (which stays the port).
        if (c.option.dest === "spa" && c.flag.startsWith("--")) {
          const next = argv[i + 1];
          if (c.explicit !== null) options.spa = c.explicit;
          else if (next !== undefined && kinds[i + 1]!.kind === "positional" && parsePyInt(next) === null) {
            options.spa = next;
            i++;
          } else options.spa = "index.html";
          continue;
        }
        // argparse collects every action of one argument (`-hb` is -h then
        // -b), failing before running any of them; then runs them in order.
        const actions: [OptionSpec, string | null][] = [];
        let { option, flag, explicit } = c;
        for (;;) {
          if (option.takesValue === "optional") {
            // argparse's nargs='?', narrowed: the next argument is taken only
            // when it looks like the value (`--share 8000` leaves the port).
            const next = argv[i + 1];
            if (explicit === null && next !== undefined && kinds[i + 1]!.kind === "positional" && looksLikeDuration(next)) {
              i++;
              explicit = next;
            }
            actions.push([option, explicit ?? ""]);
            break;
          }
          if (!option.takesValue) {
            if (explicit === null) {
              actions.push([option, null]);
              break;
            }
            // A short flag with characters after it (`-hb`): they are more short flags.
            if (!flag.startsWith("--") && explicit !== "") {
              const nextFlag = "-" + explicit[0];
              const next = BY_FLAG.get(nextFlag);
              if (next !== undefined) {
                actions.push([option, null]);
                option = next;
                flag = nextFlag;
                explicit = explicit.length > 1 ? explicit.slice(1) : null;
                continue;
              }
            }
            return error(`argument ${nameOf(option)}: ignored explicit argument ${pyRepr(explicit)}`);
          }
          if (explicit !== null) {
            actions.push([option, explicit]);
            break;
          }
          const value = argv[i + 1];
          if (value === undefined || kinds[i + 1]!.kind !== "positional") {
            return error(`argument ${nameOf(option)}: expected one argument`);
          }
          i++;
          actions.push([option, value]);
          break;
        }
        for (const [action, value] of actions) {
          if (action.dest === "help") return { kind: "help" };
          if (action.dest === "version") return { kind: "version" };
          if (action.dest === "header") {
            // "Name: value" in one argument, or CPython's `-H Name value`.
            let pair = splitHeaderArg(value!);
            if (pair === null && argv[i + 1] !== undefined && kinds[i + 1]!.kind === "positional") pair = [value!, argv[++i]!];
            if (pair === null) return error(`argument -H/--header: expected 'Name: value', got ${pyRepr(value)}`);
            const problem = headerProblem(pair[0], pair[1]);
            if (problem !== null) return error(`argument -H/--header: ${problem}`);
            options.header = [...options.header, pair];
          } else if (action.dest === "spa") options.spa = "index.html";
          else if (action.dest === "listing" || action.dest === "share" || action.dest === "max_downloads") texts[action.dest] = value!;
          else if (action.dest === "workers") workersText = value!;
          else if (action.dest === "auth") options.auth = [...options.auth, value!];
          else if (action.dest === "max_upload" || action.dest === "auth_scope") uploadTexts[action.dest] = value!;
          else if (action.dest === "drain_timeout" || action.dest === "log_format") lbText[action.dest] = value!;
          else if (action.dest === "trusted_proxy" && options.trusted_proxy !== null) options.trusted_proxy += "," + value!;
          else if (action.takesValue) options[action.dest] = value!;
          else options[action.dest] = true;
        }
        continue;
      }
    }
  }
  if (extras.length > 0) return error(`unrecognized arguments: ${extras.join(" ")}`);
  const checked = check(options, portText, workersText, lbText);
  if (checked.kind !== "run") return checked;
  const shared = checkShare(checked.options, texts);
  return shared.kind === "run" ? checkUploadOptions(shared.options, uploadTexts) : shared;
}

/** The checks after parsing: CPython's `_main()` first, then ours. */
function check(
  options: CliOptions,
  portText: string | null,
  workersText: string | null = null,
  lbText: { drain_timeout?: string; log_format?: string } = {},
): ParseResult {
  // CPython 3.14 `_main()`.
  if (options.tls_cert === null && options.tls_key !== null) {
    return { kind: "error", message: "--tls-key requires --tls-cert to be set" };
  }
  if (options.tls_cert === null && options.tls_password_file !== null) {
    return { kind: "error", message: "--tls-password-file requires --tls-cert to be set" };
  }
  // Ours: CPython fails later, with a traceback from bind() or a server
  // answering with a status line no client can parse.
  if (options.port < 0 || options.port > MAX_PORT) {
    return { kind: "error", message: `argument port: ${portText} is not in the range 0-${MAX_PORT}` };
  }
  if (!PROTOCOL_SYNTAX.test(options.protocol)) {
    return {
      kind: "error",
      message: `argument -p/--protocol: invalid version: ${pyRepr(options.protocol)} (expected HTTP/<major>.<minor>, such as HTTP/1.1)`,
    };
  }
  if (workersText !== null) {
    const n = workersText.trim() === "auto" ? "auto" : parsePyInt(workersText);
    if (n === null || (n !== "auto" && (n < 1 || n > MAX_WORKERS))) {
      return {
        kind: "error",
        message: `argument --workers: invalid value: ${pyRepr(workersText)} (expected auto or a number from 1 to ${MAX_WORKERS})`,
      };
    }
    options.workers = n;
  }
  // Issue #14.
  if (options.content_type !== null && !MEDIA_TYPE.test(options.content_type)) {
    return { kind: "error", message: `argument --content-type: invalid media type: ${pyRepr(options.content_type)} (expected type/subtype, such as text/plain)` };
  }
  for (const [flag, file] of [["--spa", options.spa], ["--not-found", options.not_found]] as const) {
    if (file !== null && (file === "" || file.startsWith("/") || file.split(/[\\/]/).includes("..") || file.includes("\0"))) {
      return { kind: "error", message: `argument ${flag}: ${pyRepr(file)} must be a file inside the served directory (a relative path without '..')` };
    }
  }
  const lb = checkLbOptions(options, lbText);
  if (lb !== null) return { kind: "error", message: lb };
  return { kind: "run", options };
}
