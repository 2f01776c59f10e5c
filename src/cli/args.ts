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
import { LISTING_MODES, type ListingMode } from "../static/listing.js";
import { DEFAULT_SHARE_SECONDS, looksLikeDuration, parseDuration } from "./share.js";
import { parseCredential } from "../static/auth.js";
import { DEFAULT_MAX_UPLOAD, parseSize } from "../static/upload-rules.js";
import { LB_DEFAULTS, checkLbOptions, type LbOptions } from "./lb-args.js";

/** The program name in usage and error lines. */
export const PROG = "http.server";

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
  port: 8000,
  bind: null,
  directory: null,
  protocol: "HTTP/1.0",
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

/** argparse's usage line, wrapped as argparse wraps it for 80 columns. */
export const USAGE = `usage: ${PROG} [-h] [--cgi] [-b ADDRESS] [-d DIRECTORY] [-p VERSION]
                   [--tls-cert PATH] [--tls-key PATH]
                   [--tls-password-file PATH] [--follow-symlinks]
                   [--exclude-dotfiles] [--workers N] [--http2]
                   [-H HEADER]
                   [--content-type TYPE] [--cors] [--spa [FILE]]
                   [--not-found FILE] [--precompressed] [--compress] [-q]
                   [--version] [--listing {python,rich,off}] [--archives]
                   [--share [DURATION]] [--share-forever]
                   [--max-downloads N] [--qr]
                   [--upload] [--upload-overwrite] [--upload-mkdir]
                   [--max-upload SIZE] [--auth USER:PASSWORD]
                   [--auth-scope {all,upload}] [--hash-password]
                   [--proxy-protocol]
                   [--trusted-proxy CIDR[,CIDR...]] [--health PATH]
                   [--drain-timeout SECONDS]
                   [--log-format {python,combined,json}] [--access-log FILE]
                   [port]
`;

/**
 * `--help`: argparse's layout (Python 3.13+ `-b, --bind ADDRESS` style),
 * CPython 3.14's help strings, and ours for what is ours.
 */
export const HELP = `${USAGE}
positional arguments:
  port                  bind to this port (default: ${DEFAULTS.port})

options:
  -h, --help            show this help message and exit
  --cgi                 run as CGI server
  -b, --bind ADDRESS    bind to this address (default: all interfaces)
  -d, --directory DIRECTORY
                        serve this directory (default: current directory)
  -p, --protocol VERSION
                        conform to this HTTP version (default: ${DEFAULTS.protocol})
  --tls-cert PATH       path to the TLS certificate chain file
  --tls-key PATH        path to the TLS key file
  --tls-password-file PATH
                        path to the password file for the TLS key
  --follow-symlinks     serve files and directories that symbolic links lead
                        to outside the directory (default: answer 404)
  --exclude-dotfiles    answer 404 for names starting with '.' and leave them
                        out of listings (default: serve them)
  --workers N           serve with N processes sharing the port; auto: one per
                        CPU core (default: 1)
  --http2               also serve HTTP/2: by ALPN with --tls-cert, else to
                        clients that open with its preface (prior knowledge)
  -H, --header HEADER   add 'Name: value' to each successful response (files,
                        listings); repeatable
  --content-type TYPE   type of files whose type cannot be guessed (default:
                        application/octet-stream)
  --cors                allow cross-origin requests: Access-Control-Allow-
                        Origin: * and preflight OPTIONS answered
  --spa [FILE]          answer a browser navigation to a missing path without
                        an extension with FILE (default: index.html)
  --not-found FILE      send FILE with status 404 for missing paths
  --precompressed       serve X.br, X.zst or X.gz in place of X when the
                        client accepts it
  --compress            compress text responses of 1 KiB and more (brotli,
                        gzip; zstd where Node has it)
  -q, --quiet           no access log (errors are still logged)
  --version             show the version and runtime and exit
  --listing {python,rich,off}
                        folders without an index page: python's page, a rich
                        sortable table, or off (404) (default: python)
  --archives            serve folders as archives: /dir/?download=zip (or tar,
                        tar.gz)
  --share [DURATION]    serve only under a secret random URL, read-only, for
                        DURATION (e.g. 30m, 2h, 1d; default: 1h), then exit
  --share-forever       like --share, without an expiry
  --max-downloads N     end the share after N file or archive downloads
  --qr                  print a QR code of the first LAN URL (the share URL
                        with --share) and show it on the rich listing
  --upload              accept uploads: PUT /dir/name, multipart POST to a
                        directory, resumable uploads; atomic, never
                        replacing a file silently (default: 501)
  --upload-overwrite    uploads may replace existing files without If-Match
  --upload-mkdir        uploads may create missing parent directories
  --max-upload SIZE     largest upload, e.g. 100M, 2G (default: 1G)
  --auth USER:PASSWORD  require HTTP Basic authentication (repeatable);
                        PASSWORD may be a hash from --hash-password; without
                        --tls-cert, anyone on the network can read it
  --auth-scope {all,upload}
                        what --auth protects: everything, or only uploads
                        (default: all)
  --hash-password       read a password (stdin or prompt), print a salted
                        hash for --auth, and exit
  --proxy-protocol      expect a PROXY protocol header (v1 or v2) from a
                        trusted proxy first on every connection, and take the
                        client address from it
  --trusted-proxy CIDR[,CIDR...]
                        peers believed for PROXY headers and Forwarded /
                        X-Forwarded-* headers (default: loopback for PROXY;
                        forwarding headers are ignored without this option)
  --health PATH         answer 200 {"status":"ok"} at PATH, unlogged; 503 once
                        SIGTERM has started draining
  --drain-timeout SECONDS
                        on SIGTERM, seconds to let requests in flight finish
                        (default: 10)
  --log-format {python,combined,json}
                        access log line format (default: python)
  --access-log FILE     append access log lines to FILE instead of stderr;
                        reopened on SIGHUP
`;

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

/** Extension checks of issue 15 (share-a): `--listing`, `--share`, `--max-downloads`. */
function checkShare(options: CliOptions, texts: { listing: string | null; share: string | null; max_downloads: string | null }): ParseResult {
  const error = (message: string): ParseResult => ({ kind: "error", message });
  if (texts.listing !== null) {
    if (!LISTING_MODES.includes(texts.listing as ListingMode)) {
      return error(`argument --listing: invalid choice: ${pyRepr(texts.listing)} (choose from ${LISTING_MODES.map((m) => pyRepr(m)).join(", ")})`);
    }
    options.listing = texts.listing as ListingMode;
  }
  if (texts.share !== null) {
    const seconds = texts.share === "" ? DEFAULT_SHARE_SECONDS : parseDuration(texts.share);
    if (seconds === null) return error(`argument --share: invalid duration: ${pyRepr(texts.share)} (such as 90s, 30m, 2h, 1d12h; at most 24d)`);
    options.share = seconds;
  }
  if (options.share_forever) options.share ??= DEFAULT_SHARE_SECONDS;
  if (texts.max_downloads !== null) {
    const n = parsePyInt(texts.max_downloads);
    if (n === null || n < 1) return error(`argument --max-downloads: invalid value: ${pyRepr(texts.max_downloads)} (expected a number from 1)`);
    if (options.share === null) return error("--max-downloads requires --share");
    options.max_downloads = n;
  }
  if (options.share !== null) {
    // A share link is read-only and lives in one process (its prefix and counters).
    if (options.cgi) return error("--share cannot be combined with --cgi (a share link is read-only)");
    if (options.upload) return error("--share cannot be combined with --upload (a share link is read-only)");
    if (options.workers !== 1) return error("--share cannot be combined with --workers (one process holds the link and its counters)");
  }
  return { kind: "run", options };
}

/** The checks of the upload and password options (issue 15), their values converted. */
function checkUploadOptions(options: CliOptions, texts: Partial<Record<"max_upload" | "auth_scope", string>>): ParseResult {
  const error = (message: string): ParseResult => ({ kind: "error", message });
  if (texts.max_upload !== undefined) {
    const n = parseSize(texts.max_upload);
    if (n === null || n < 1) return error(`argument --max-upload: invalid size: ${pyRepr(texts.max_upload)} (expected bytes or a number with K, M, G or T)`);
    options.max_upload = n;
  }
  if (texts.auth_scope !== undefined) {
    if (texts.auth_scope !== "all" && texts.auth_scope !== "upload") {
      return error(`argument --auth-scope: invalid choice: ${pyRepr(texts.auth_scope)} (choose from 'all', 'upload')`);
    }
    options.auth_scope = texts.auth_scope;
  }
  for (const spec of options.auth) {
    try {
      parseCredential(spec);
    } catch (e) {
      // Never the password in a message: the user name at most.
      const user = spec.includes(":") ? ` for user ${pyRepr(spec.slice(0, spec.indexOf(":")))}` : "";
      return error(`argument --auth: ${(e as Error).message}${user} (expected USER:PASSWORD)`);
    }
  }
  if (!options.upload) {
    for (const [flag, given] of [
      ["--upload-overwrite", options.upload_overwrite],
      ["--upload-mkdir", options.upload_mkdir],
      ["--max-upload", texts.max_upload !== undefined],
    ] as const) {
      if (given) return error(`${flag} requires --upload to be set`);
    }
  }
  if (texts.auth_scope !== undefined && options.auth.length === 0) return error("--auth-scope requires --auth to be set");
  return { kind: "run", options };
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
