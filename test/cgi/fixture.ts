/**
 * A served directory with a real `cgi-bin` of shell, Python and Node scripts,
 * made fresh in a temp directory for each test file.
 *
 * The server may run as root (CI), and then, as CPython does, runs scripts as
 * `nobody`: every directory on the way is made 0755 and every script 0755,
 * so `nobody` can reach, read and execute them (`mkdtemp` gives 0700).
 * Python and Node scripts start with `#!/usr/bin/env …` so that CPython, which
 * execs scripts directly on POSIX, runs them too.
 */

import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The variables `env.sh` prints, in order. */
export const CGI_VARS = [
  "SERVER_SOFTWARE",
  "SERVER_NAME",
  "GATEWAY_INTERFACE",
  "SERVER_PROTOCOL",
  "SERVER_PORT",
  "REQUEST_METHOD",
  "PATH_INFO",
  "PATH_TRANSLATED",
  "SCRIPT_NAME",
  "QUERY_STRING",
  "REMOTE_ADDR",
  "REMOTE_HOST",
  "AUTH_TYPE",
  "REMOTE_USER",
  "CONTENT_TYPE",
  "CONTENT_LENGTH",
  "HTTP_REFERER",
  "HTTP_ACCEPT",
  "HTTP_USER_AGENT",
  "HTTP_COOKIE",
];

/** Scripts by name: their text; all are made executable unless listed in NOT_EXECUTABLE. */
export const SCRIPTS: Record<string, string> = {
  // Shell: the CGI variables, the arguments, and uid/gid.
  "env.sh": `#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
for v in ${CGI_VARS.join(" ")}; do
  # No subshells: eval only expands the variable's name, never its value.
  eval "isset=\\\${$v+x} val=\\\${$v-}"
  if [ -n "$isset" ]; then printf '%s=%s\\n' "$v" "$val"; else printf '%s unset\\n' "$v"; fi
done
printf 'argc=%s\\n' "$#"
for a in "$@"; do printf 'arg=[%s]\\n' "$a"; done
`,
  // Shell: who runs it.
  "whoami.sh": `#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
printf 'uid=%s gid=%s\\n' "$(id -u)" "$(id -g)"
`,
  // Python: reads the body (CONTENT_LENGTH bytes, or to end of file) and describes it.
  "echo.py": `#!/usr/bin/env python3
import hashlib, os, sys
n = os.environ.get("CONTENT_LENGTH", "")
data = sys.stdin.buffer.read(int(n)) if n else sys.stdin.buffer.read()
sys.stdout.write("Content-Type: text/plain\\r\\n\\r\\n")
sys.stdout.write("method=%s length=%d sha256=%s\\n" % (os.environ["REQUEST_METHOD"], len(data), hashlib.sha256(data).hexdigest()))
sys.stdout.write("head=%r\\n" % data[:40])
sys.stdout.write("argv=%r\\n" % sys.argv[1:])
`,
  // Node: PATH_INFO and QUERY_STRING, as JSON.
  "info.js": `#!/usr/bin/env node
process.stdout.write("Content-Type: application/json\\r\\n\\r\\n");
process.stdout.write(JSON.stringify({ path_info: process.env.PATH_INFO, query: process.env.QUERY_STRING, script: process.env.SCRIPT_NAME, argv: process.argv.slice(2) }) + "\\n");
`,
  // Writes to stderr and exits 3.
  "fail.sh": `#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
echo 'partial output'
echo 'something went wrong' >&2
echo 'second line' >&2
exit 3
`,
  // Prints its head and a first line, then hangs (the child "sleep" keeps stdout open).
  "hang.sh": `#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
echo "pid=$$"
exec sleep 1000
`,
  // Ignores SIGTERM (and so does the sleep it becomes: ignored signals survive exec).
  "stubborn.sh": `#!/bin/sh
trap '' TERM
printf 'Content-Type: text/plain\\r\\n\\r\\n'
echo "pid=$$"
exec sleep 1000
`,
  // Exits at once, leaving a process that holds its stderr open.
  "stray.sh": `#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\ndone\\n'
sleep 1000 >/dev/null </dev/null &
exit 0
`,
  // Writes its pid to a file named by the query, then hangs in a grandchild.
  "linger.sh": `#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\nstarted\\n'
sleep 1000 &
echo "$!" > "$QUERY_STRING"
wait
`,
  // Streams: one line, then waits for a line on stdin before the second (the test paces it).
  "stream.sh": `#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
echo first
read line
echo "second $line"
`,
  // A lot of output, for backpressure.
  "big.py": `#!/usr/bin/env python3
import sys
sys.stdout.write("Content-Type: application/octet-stream\\r\\n\\r\\n")
sys.stdout.flush()
chunk = b"x" * 65536
for _ in range(int(__import__("os").environ.get("QUERY_STRING") or "64")):
    sys.stdout.buffer.write(chunk)
`,
  // RFC 3875 §6 headers: a status, a redirect, an error.
  "status.sh": `#!/bin/sh
case "$QUERY_STRING" in
  redirect) printf 'Location: http://example.com/elsewhere\\r\\n\\r\\n' ;;
  teapot) printf 'Status: 418 I Am A Teapot\\r\\nContent-Type: text/plain\\r\\nX-From-Script: yes\\r\\n\\r\\nshort and stout\\n' ;;
  bad) printf 'this is not a header\\n\\nbody\\n' ;;
  *) printf 'Content-Type: text/plain\\n\\nplain LF headers\\n' ;;
esac
`,
  // In a subdirectory of cgi-bin.
  "sub/deep.sh": `#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
printf 'deep SCRIPT_NAME=%s PATH_INFO=%s\\n' "$SCRIPT_NAME" "$PATH_INFO"
`,
  // Not executable.
  "noexec.sh": `#!/bin/sh
echo never
`,
};

/** Scripts left without execute permission. */
export const NOT_EXECUTABLE = new Set(["noexec.sh"]);

/** A fresh served directory: `index.html`, `cgi-bin/` with {@link SCRIPTS}, `cgi-bin/dir/`, `htbin/hi.sh`. */
export async function makeCgiSite(): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const base = await mkdtemp(join(tmpdir(), "http-server-cgi-"));
  const root = join(base, "root");
  const bin = join(root, "cgi-bin");
  await mkdir(join(bin, "sub"), { recursive: true });
  await mkdir(join(bin, "dir"));
  await mkdir(join(root, "htbin"));
  await writeFile(join(root, "index.html"), "<p>index</p>\n");
  await writeFile(join(root, "plain.txt"), "plain\n");
  for (const [name, text] of Object.entries(SCRIPTS)) {
    const file = join(bin, name);
    await writeFile(file, text);
    await chmod(file, NOT_EXECUTABLE.has(name) ? 0o644 : 0o755);
  }
  await writeFile(join(root, "htbin", "hi.sh"), "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nhi from htbin\\n'\n");
  await chmod(join(root, "htbin", "hi.sh"), 0o755);
  // A script reached through a symlink that leads outside the directory.
  await mkdir(join(base, "outside"));
  await writeFile(join(base, "outside", "escape.sh"), "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nescaped\\n'\n");
  await chmod(join(base, "outside", "escape.sh"), 0o755);
  await symlink(join(base, "outside", "escape.sh"), join(bin, "escape.sh"));
  for (const d of [base, root, bin, join(bin, "sub"), join(bin, "dir"), join(root, "htbin"), join(base, "outside")]) await chmod(d, 0o755);
  return { root, cleanup: () => rm(base, { recursive: true, force: true }) };
}
