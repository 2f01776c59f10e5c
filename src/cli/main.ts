/**
 * The `http.server` command. For now it only prints its usage: serving a
 * directory arrives with SimpleHTTPRequestHandler (TODO(#3)).
 */

export const USAGE = `usage: http.server [-h] [--cgi] [-b ADDRESS] [-d DIRECTORY] [-p VERSION]
                   [--tls-cert PATH] [--tls-key PATH] [--tls-password-file PATH]
                   [port]

Serving a directory is not implemented yet.
`;

/** Runs the command with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes("-h") || argv.includes("--help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  process.stderr.write(USAGE);
  return 2;
}
