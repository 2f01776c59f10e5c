/**
 * The command's `--help` and usage text, kept apart from the parser
 * (args.ts) because it is long and only read: argparse's layout for 80
 * columns, CPython 3.14's help strings, ours for the extensions. A new
 * option gets a row in args.ts's OPTIONS and its lines here.
 */

/** The command's name, as argparse prints it. */
export const PROG = "http.server";

/** The default port (CPython's). */
export const DEFAULT_PORT = 8000;

/** The default `-p`: CPython's `protocol_version` for the command. */
export const DEFAULT_PROTOCOL = "HTTP/1.0";

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
  port                  bind to this port (default: ${DEFAULT_PORT})

options:
  -h, --help            show this help message and exit
  --cgi                 run as CGI server
  -b, --bind ADDRESS    bind to this address (default: all interfaces)
  -d, --directory DIRECTORY
                        serve this directory (default: current directory)
  -p, --protocol VERSION
                        conform to this HTTP version (default: ${DEFAULT_PROTOCOL})
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
