// bench/lib/scenarios.mjs: what is measured: the systems (servers) and the scenarios.
// Part of bench/run.mjs (see there and bench/README.md), split along its section headings.

import { writeFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BENCH_DIR, BENCH_MODULES, NGINX_DIR, ROOT, SERVERS, TLS_CERT, TLS_KEY } from "./config.mjs";

/**
 * Systems under test: how to start each one. Either `argv` + `args`: the port
 * (0) goes between them, and the server prints `READY <port>` once it listens
 * on 127.0.0.1; or `start({ port, dir })`, given a free port chosen here and the
 * fixture directory, returning `{ argv, ready }` with `ready` one of "READY",
 * a RegExp for the start-up line on stdout (its group 1, if any, is the port),
 * or "connect" (ready once 127.0.0.1:port accepts a connection). `optional`:
 * a system that fails to start is left out with a note instead of failing the run.
 */
export const SYSTEMS = {
  ours: {
    short: "ours",
    label: "ours (logging on)",
    argv: ["node", join(SERVERS, "ours.mjs")],
    args: [],
  },
  "ours-quiet": {
    short: "ours quiet",
    label: "ours (log_message off)",
    argv: ["node", join(SERVERS, "ours.mjs")],
    args: ["--quiet"],
  },
  "node-http": {
    short: "node:http",
    label: "node:http",
    argv: ["node", join(SERVERS, "node-http.mjs")],
    args: [],
  },
  "node-net": {
    short: "node:net",
    label: "raw node:net loop (the floor: no HTTP parsing, bench/perf-raw-net.mjs)",
    argv: ["node", join(BENCH_DIR, "perf-raw-net.mjs")],
    args: [],
  },
  "ours-w2": {
    short: "ours ×2",
    label: "ours (log_message off), `serveWorkers()` with 2 worker processes",
    argv: ["node", join(SERVERS, "ours.mjs")],
    args: ["--quiet", "--workers", "2"],
  },
  python: {
    short: "Python",
    label: "Python ThreadingHTTPServer",
    argv: ["python3", join(SERVERS, "python_threading.py")],
    args: [],
  },
  "python-nodelay": {
    short: "Python nodelay",
    label: "Python ThreadingHTTPServer, disable_nagle_algorithm",
    argv: ["python3", join(SERVERS, "python_threading.py")],
    args: ["--nodelay"],
  },
  // ---- TLS: every one loads bench/out/tls/cert.pem and key.pem ----
  "ours-tls": {
    short: "ours",
    label: "ours: ThreadingHTTPSServer (logging on)",
    argv: ["node", join(SERVERS, "ours-tls.mjs")],
    args: [TLS_CERT, TLS_KEY],
  },
  "node-https": {
    short: "node:https",
    label: "node:https",
    argv: ["node", join(SERVERS, "node-https.mjs")],
    args: [TLS_CERT, TLS_KEY],
  },
  "python-tls": {
    short: "Python",
    label: "Python ThreadingHTTPServer, socket wrapped as 3.14's HTTPSServer does",
    argv: ["python3", join(SERVERS, "python_tls.py")],
    args: [TLS_CERT, TLS_KEY],
  },
  "python-tls-nodelay": {
    short: "Python nodelay",
    label: "the same Python, disable_nagle_algorithm",
    argv: ["python3", join(SERVERS, "python_tls.py")],
    args: [TLS_CERT, TLS_KEY, "--nodelay"],
  },
  // ---- file serving: every one serves the fixture directory ----
  "ours-static": {
    short: "ours",
    label: "ours: SimpleHTTPRequestHandler script (logging on)",
    start: ({ dir }) => ({ argv: ["node", join(SERVERS, "ours-static.mjs"), "0", dir], ready: "READY" }),
  },
  "ours-cli": {
    short: "ours CLI",
    label: "ours: `node dist/cli/bin.js` (logging on)",
    optional: true,
    start: ({ port, dir }) => ({
      argv: ["node", join(ROOT, "dist", "cli", "bin.js"), "-p", "HTTP/1.1", "-b", "127.0.0.1", "-d", dir, String(port)],
      ready: /^Serving HTTP on \S+ port (\d+)/m,
    }),
  },
  "python-cli-plain": {
    short: "Python",
    label: "`python3 -m http.server` (as installed)",
    start: ({ port, dir }) => ({
      argv: ["python3", "-m", "http.server", "--protocol", "HTTP/1.1", "--bind", "127.0.0.1", "-d", dir, String(port)],
      ready: "connect",
    }),
  },
  "python-cli": {
    short: "Python",
    label: "`python3 -m http.server` (logging on; backlog 1024)",
    start: ({ port, dir }) => ({
      argv: ["python3", "-u", join(SERVERS, "python_cli.py"), "--protocol", "HTTP/1.1", "--bind", "127.0.0.1", "-d", dir, String(port)],
      ready: /^Serving HTTP on \S+ port (\d+)/m,
    }),
  },
  "http-server": {
    short: "http-server",
    label: "npm http-server 14 (`-c-1 -s`)",
    npm: true,
    start: ({ port, dir }) => ({
      argv: ["node", join(BENCH_MODULES, "http-server", "bin", "http-server"), dir, "-p", String(port), "-a", "127.0.0.1", "-c-1", "-s"],
      ready: "connect",
    }),
  },
  serve: {
    short: "serve",
    label: "npm serve 14 (`-L -u`)",
    npm: true,
    start: ({ port, dir }) => ({
      argv: ["node", join(BENCH_MODULES, "serve", "build", "main.js"), "-l", `tcp://127.0.0.1:${port}`, "-L", "-n", "-u", "--no-port-switching", dir],
      ready: "connect",
    }),
  },
  sirv: {
    short: "sirv",
    label: "npm sirv-cli 3 (`--port … --host 127.0.0.1`, no logging: `-q`)",
    npm: true,
    module: "sirv-cli",
    start: ({ port, dir }) => ({
      argv: ["node", join(BENCH_MODULES, "sirv-cli", "bin.js"), dir, "--port", String(port), "--host", "127.0.0.1", "-q"],
      ready: "connect",
    }),
  },
  // ---- file-1k-default: each server started exactly as its README tells a user (only the
  // address is pinned to loopback, the port chosen, the folder named) ----
  "ours-default": {
    short: "ours",
    label: "ours: `http.server` (no flags: HTTP/1.0, logging on)",
    optional: true,
    start: ({ port, dir }) => ({
      argv: ["node", join(ROOT, "dist", "cli", "bin.js"), "-b", "127.0.0.1", "-d", dir, String(port)],
      ready: /^Serving HTTP on \S+ port (\d+)/m,
    }),
  },
  "python-default": {
    short: "Python",
    label: "`python3 -m http.server` (no flags: HTTP/1.0, logging on)",
    start: ({ port, dir }) => ({
      argv: ["python3", "-m", "http.server", "--bind", "127.0.0.1", "-d", dir, String(port)],
      ready: "connect",
    }),
  },
  "http-server-default": {
    short: "http-server",
    label: "npm http-server 14 (no flags: logging on, `Cache-Control: max-age=3600`)",
    npm: true,
    module: "http-server",
    start: ({ port, dir }) => ({
      argv: ["node", join(BENCH_MODULES, "http-server", "bin", "http-server"), dir, "-p", String(port), "-a", "127.0.0.1"],
      ready: "connect",
    }),
  },
  "serve-default": {
    short: "serve",
    label: "npm serve 14 (no flags but `-n`, no clipboard: logging on, compression on)",
    npm: true,
    module: "serve",
    start: ({ port, dir }) => ({
      argv: ["node", join(BENCH_MODULES, "serve", "build", "main.js"), "-l", `tcp://127.0.0.1:${port}`, "-n", "--no-port-switching", dir],
      ready: "connect",
    }),
  },
  "sirv-default": {
    short: "sirv",
    label: "npm sirv-cli 3 (no flags: logging on)",
    npm: true,
    module: "sirv-cli",
    start: ({ port, dir }) => ({
      argv: ["node", join(BENCH_MODULES, "sirv-cli", "bin.js"), dir, "--port", String(port), "--host", "127.0.0.1"],
      ready: "connect",
    }),
  },
  "nginx-default": {
    short: "nginx",
    label: "nginx, Debian's packaged nginx.conf + sites-available/default, with `autoindex on`, one worker",
    start: ({ port, dir }) => nginxPackagedStart(port, dir),
  },
  nginx: {
    short: "nginx",
    label: "nginx (sendfile, access_log off)",
    start: ({ port, dir, connections }) => nginxStart("nginx", port, dir, false, connections),
  },
  "nginx-log": {
    short: "nginx log",
    label: "nginx (sendfile, access_log to a file)",
    start: ({ port, dir }) => nginxStart("nginx-log", port, dir, true),
  },
};

const NPM_SERVERS = ["http-server", "serve", "sirv"];
const NPM_DEFAULTS = ["http-server-default", "serve-default", "sirv-default"];
/** The npm package directory of a system (its key unless `module` says otherwise). */
export const npmModule = (key) => SYSTEMS[key].module ?? key;
const FILE_SYSTEMS = ["ours-static", "ours-cli", "python-cli", "http-server", "serve", "sirv", "nginx", "nginx-log"];
const FILE_PEERS = ["python-cli", "http-server", "serve", "sirv", "nginx", "nginx-log"];
const HELLO_SYSTEMS = ["ours", "ours-quiet", "node-http", "python", "python-nodelay"];
/** wrk's pipelining script: 16 GET / requests in one write (bench/pipeline.lua). */
const PIPELINE_LUA = join(BENCH_DIR, "pipeline.lua");
/** Connections held open by the idle scenario. */
const IDLE_CONNECTIONS = 10_000;
const TLS_SYSTEMS = ["ours-tls", "node-https", "python-tls", "python-tls-nodelay"];
const TLS_PEERS = ["node-https", "python-tls", "python-tls-nodelay"];

/**
 * Writes bench/out/nginx/KEY.conf: one foreground process (no master, one
 * worker), sendfile, keep-alive up to 100000 requests per connection, autoindex
 * for listings; the access log off, or on (combined format, unbuffered) to
 * bench/out/nginx/KEY.access.log. Every path nginx writes is under bench/out.
 */
function nginxStart(key, port, dir, accessLog, connections = 1024) {
  const tmp = join(NGINX_DIR, "tmp");
  mkdirSync(tmp, { recursive: true });
  const log = join(NGINX_DIR, `${key}.access.log`);
  rmSync(log, { force: true });
  const conf = join(NGINX_DIR, `${key}.conf`);
  writeFileSync(
    conf,
    `# Written by bench/run.mjs for the ${key} system; rewritten at every start.
daemon off;
master_process off;
worker_processes 1;
pid ${join(NGINX_DIR, `${key}.pid`)};
error_log ${join(NGINX_DIR, `${key}.error.log`)} warn;
worker_rlimit_nofile ${connections * 2 + 64};
events { worker_connections ${connections}; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  sendfile on;
  access_log ${accessLog ? `${log} combined` : "off"};
  keepalive_requests 100000;
  keepalive_timeout 65s;
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${dir};
    autoindex on;
    # The hello-world answer of the hello scenarios (no scenario lists the root).
    location = / {
      default_type text/plain;
      return 200 "Hello, world!";
    }
  }
}
`,
  );
  return {
    argv: ["nginx", "-p", `${NGINX_DIR}/`, "-e", join(NGINX_DIR, `${key}.error.log`), "-c", conf],
    ready: "connect",
  };
}

/**
 * Writes bench/out/nginx/nginx-default.conf: Debian's packaged /etc/nginx/nginx.conf and
 * sites-available/default as installed (sendfile, tcp_nopush, gzip on, the access log
 * in the default format, keep-alive defaults, `try_files $uri $uri/ =404`) with
 * `autoindex on` added; what cannot run unprivileged in the foreground changes: no
 * `user`, one worker (the server is pinned to one core) in the foreground, the
 * address and port, and paths under bench/out.
 */
function nginxPackagedStart(port, dir) {
  const key = "nginx-default";
  const tmp = join(NGINX_DIR, "tmp");
  mkdirSync(tmp, { recursive: true });
  const log = join(NGINX_DIR, `${key}.access.log`);
  rmSync(log, { force: true });
  const conf = join(NGINX_DIR, `${key}.conf`);
  writeFileSync(
    conf,
    `# Written by bench/run.mjs for the ${key} system; rewritten at every start.
daemon off;
master_process off;
worker_processes 1;
pid ${join(NGINX_DIR, `${key}.pid`)};
error_log ${join(NGINX_DIR, `${key}.error.log`)};
events { worker_connections 768; }
http {
  sendfile on;
  tcp_nopush on;
  types_hash_max_size 2048;
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log ${log};
  gzip on;
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
  server {
    listen 127.0.0.1:${port} default_server;
    root ${dir};
    index index.html index.htm index.nginx-debian.html;
    server_name _;
    autoindex on;
    location / {
      try_files $uri $uri/ =404;
    }
  }
}
`,
  );
  return {
    argv: ["nginx", "-p", `${NGINX_DIR}/`, "-e", join(NGINX_DIR, `${key}.error.log`), "-c", conf],
    ready: "connect",
  };
}

/**
 * Scenarios. `loads`: each is one wrk configuration (`wrk: [...]`) or, with
 * `kind: "curl"`, one download per round; `rounds: "all"` runs the --rounds
 * count (default `minRounds` or 3), a number runs that many. `duration`: the
 * seconds of each wrk run unless --duration says otherwise. `baselines`: ratio
 * columns. `expect`: what a GET of `path` must answer, twice on one connection,
 * before any load is sent (a function of the fixture when `fixture` is set).
 * `targets`: ratios of our rows to peers that the notes report as met or not.
 */
export const SCENARIOS = [
  {
    name: "hello",
    title: "hello world, keep-alive",
    description:
      "GET / answered with a 13-byte `Hello, world!` (Content-Type: text/plain, Content-Length: 13), HTTP/1.1 keep-alive.",
    path: "/",
    duration: 4,
    systems: [...HELLO_SYSTEMS, "nginx"],
    baselines: ["node-http", "python", "python-nodelay", "nginx"],
    loads: [
      { name: "c50", wrk: ["-t1", "-c50"], rounds: "all" },
      { name: "c1", wrk: ["-t1", "-c1"], rounds: 1 },
    ],
    expect: { status: 200, body: "Hello, world!", headers: { "content-type": "text/plain", "content-length": "13" } },
    targets: [
      { load: "c50", peers: ["node-http"], min: 1.4, what: "node:http" },
      { load: "c50", peers: ["node-http"], maxCpu: 0.7, what: "≤ 0.7× node:http's CPU per request" },
      { load: "c50", peers: ["python"], min: 15, what: "Python's default ThreadingHTTPServer" },
      { load: "c50", peers: ["python-nodelay"], min: 3, what: "Python with Nagle off" },
      { load: "c50", ours: ["ours"], peers: ["ours-quiet"], min: 0.85, what: "logging costs at most 15% of throughput, against ours with log_message off" },
    ],
  },
  {
    name: "hello-pipelined",
    title: "hello world, pipelined 16 deep",
    description:
      "The hello world with 16 requests pipelined per connection: wrk runs bench/pipeline.lua, which sends 16 " +
      "`GET /` requests in one write and waits for the 16 answers before sending the next 16 (50 connections). " +
      "A server that parses every request from one receive buffer and answers them in few writes gains most; " +
      "latency figures are per batch of 16.",
    path: "/",
    duration: 3,
    systems: ["ours", "ours-quiet", "node-http", "python-nodelay", "nginx"],
    baselines: ["node-http", "python-nodelay", "nginx"],
    loads: [{ name: "c50-p16", wrk: ["-t1", "-c50", "-s", PIPELINE_LUA], rounds: "all" }],
    expect: { status: 200, body: "Hello, world!", headers: { "content-type": "text/plain", "content-length": "13" } },
    targets: [{ peers: ["node-http"], min: 5, what: "node:http, pipelined" }],
  },
  {
    name: "hello-close",
    title: "hello world, a new connection per request",
    description:
      "The hello world with `Connection: close` on every request (`wrk -H \"Connection: close\"`, 10 connections): " +
      "each request costs a TCP connect, accept, one request and a close. Servers answer `Connection: close` " +
      "and close after the response.",
    path: "/",
    duration: 3,
    systems: [...HELLO_SYSTEMS, "node-net"],
    baselines: ["node-http", "node-net", "python"],
    loads: [{ name: "c10-close", wrk: ["-t1", "-c10", "-H", "Connection: close"], rounds: "all" }],
    expect: { status: 200, body: "Hello, world!", headers: { "content-type": "text/plain", "content-length": "13" } },
    targets: [
      { peers: ["node-http"], min: 1, what: "node:http" },
      { load: "c10-close", peers: ["node-http"], maxCpu: 1, what: "≤ 1.0× node:http's CPU per request" },
    ],
  },
  {
    name: "hello-workers",
    title: "hello world, 1 process vs 2 worker processes",
    description:
      "The hello world (50 keep-alive connections) from one process and from `serveWorkers()` with 2 worker " +
      "processes (the CLI's `--workers 2`). Unlike every other scenario the servers are **not** pinned: they " +
      "may use both cores, and `wrk` (pinned to core 1) shares core 1 with them, so 2 workers can at best take " +
      "the half core wrk leaves: this measures what a 2-core machine that also runs its client gets, not the " +
      "scaling of a many-core server. CPU per request and RSS sum the primary and its workers.",
    path: "/",
    duration: 4,
    serverCores: "0,1",
    systems: ["ours-quiet", "ours-w2", "node-http"],
    baselines: ["ours-quiet", "node-http"],
    loads: [{ name: "c50", wrk: ["-t1", "-c50"], rounds: "all" }],
    expect: { status: 200, body: "Hello, world!", headers: { "content-type": "text/plain", "content-length": "13" } },
  },
  {
    name: "file-1k",
    title: "a 1 KiB file, keep-alive",
    description:
      "GET /1k.bin (1024 bytes) from the fixture directory, HTTP/1.1 keep-alive. Every server opens, stats and reads " +
      "the file per request as it is configured by default (nginx: sendfile; no server caches file contents).",
    path: "/1k.bin",
    fixture: true,
    duration: 3,
    systems: FILE_SYSTEMS,
    baselines: FILE_PEERS,
    loads: [{ name: "c50", wrk: ["-t1", "-c50"], rounds: "all" }],
    expect: (fx) => ({ status: 200, length: 1024, sha256: fx.files["1k.bin"].sha256 }),
    targets: [
      { peers: NPM_SERVERS, min: 2, what: "the best npm static server" },
      { peers: ["nginx"], min: 0.6, what: "nginx" },
    ],
  },
  {
    name: "file-1k-default",
    title: "a 1 KiB file, every server as its README starts it",
    description:
      "GET /1k.bin (1024 bytes), `wrk -t1 -c10`, every server started exactly as its README tells a user " +
      "(only the address, port and folder given): ours `http.server` and `python3 -m http.server` with no flags " +
      "(HTTP/1.0, Python's documented default: each response closes its connection, so every request is a new " +
      "TCP connection; logging on), `serve`, `http-server` and `sirv` with no flags (HTTP/1.1 keep-alive, logging " +
      "on), nginx with Debian's packaged configuration plus `autoindex on`. Log lines go to /dev/null (nginx: to " +
      "a file). The `ours-cli` row is ours with `-p HTTP/1.1`, for the cost of the default.",
    path: "/1k.bin",
    fixture: true,
    duration: 3,
    closes: ["ours-default", "python-default"],
    systems: ["ours-default", "ours-cli", "python-default", "http-server-default", "serve-default", "sirv-default", "nginx-default"],
    baselines: ["python-default", "http-server-default", "serve-default", "sirv-default", "nginx-default"],
    loads: [{ name: "c10", wrk: ["-t1", "-c10"], rounds: "all" }],
    expect: (fx) => ({ status: 200, length: 1024, sha256: fx.files["1k.bin"].sha256 }),
    targets: [
      { ours: ["ours-default"], peers: NPM_DEFAULTS, min: 1.2, what: "the best npm server's default" },
      { ours: ["ours-default"], peers: ["python-default"], min: 3, what: "Python's default" },
    ],
  },
  {
    name: "file-100m",
    title: "a 100 MB file, one client",
    description:
      "One client downloads /100m.bin (100 × 2^20 bytes) with `curl -s -o /dev/null -w '%{speed_download}'` " +
      "(pinned to core 1): each round is one curl process, on a new connection, fetching the file 3 times back " +
      "to back (a single 100 MB transfer lasts only ~0.1 s here, too short to measure alone). MB/s is the " +
      "round's bytes over the sum of curl's transfer times (10^6 bytes/s, connect and first byte included); " +
      "server CPU per GB is the server's utime+stime over all its rounds " +
      "divided by the bytes sent; client core busy is core 1's busy share during the download: near 100% means " +
      "curl, not the server, set the pace.",
    path: "/100m.bin",
    fixture: true,
    systems: FILE_SYSTEMS,
    baselines: FILE_PEERS,
    loads: [{ name: "curl", kind: "curl", downloads: 3, rounds: "all", minRounds: 8 }],
    expect: (fx) => ({ status: 200, length: fx.files["100m.bin"].size, sha256: fx.files["100m.bin"].sha256 }),
    targets: [
      { peers: NPM_SERVERS, min: 1, strict: true, what: "every npm server" },
      { peers: ["nginx"], min: 1, what: "nginx" },
      { peers: ["python-cli"], min: 0.8, what: "Python" },
    ],
  },
  {
    name: "listing-1000",
    title: "a 1000-entry directory listing, keep-alive",
    description:
      "GET /many/ (the listing of a directory of 1000 entries: 890 files, 100 directories, 10 symlinks, with " +
      "spaces, HTML and URL metacharacters, accents, CJK and emoji in their names), HTTP/1.1 keep-alive. Each " +
      "server renders its own page (nginx: autoindex), so body sizes differ; the others read the directory per " +
      "request, ours keeps the rendered lines per directory version (a stat of the directory and of its links per request).",
    path: "/many/",
    fixture: true,
    duration: 3,
    // sirv has no directory listings.
    systems: FILE_SYSTEMS.filter((k) => k !== "sirv"),
    baselines: FILE_PEERS.filter((k) => k !== "sirv"),
    loads: [{ name: "c10", wrk: ["-t1", "-c10"], rounds: "all" }],
    expect: { status: 200, headers: { "content-type": /^text\/html/i }, includes: ["file-0000.txt"], minLength: 40_000 },
    targets: [
      { peers: NPM_SERVERS, min: 1, strict: true, what: "every npm server" },
      { peers: ["nginx"], min: 1, what: "nginx's autoindex" },
      { peers: ["python-cli"], min: 1.5, what: "Python" },
    ],
  },
  {
    name: "tls-hello",
    title: "hello world over TLS, keep-alive",
    description:
      "GET / over HTTPS answered with a 13-byte `Hello, world!` (Content-Type: text/plain, Content-Length: 13), " +
      "HTTP/1.1 keep-alive: wrk's 50 connections each make one TLS handshake, then only requests. Every server " +
      "loads the same self-signed RSA-2048 certificate (bench/out/tls, SAN localhost and 127.0.0.1) and " +
      "offers ALPN http/1.1; wrk (OpenSSL 3) negotiates TLS 1.3 with every one.",
    path: "/",
    tls: true,
    duration: 3,
    systems: TLS_SYSTEMS,
    baselines: TLS_PEERS,
    loads: [{ name: "c50", wrk: ["-t1", "-c50"], rounds: "all" }],
    expect: { status: 200, body: "Hello, world!", headers: { "content-type": "text/plain", "content-length": "13" } },
    targets: [{ peers: ["node-https"], min: 1, what: "node:https", cpu: true }],
  },
  {
    name: "tls-handshake",
    title: "a new TLS connection per request",
    description:
      "The same hello world, but every request on a new connection: `wrk -H \"Connection: close\"` over HTTPS, so " +
      "each request costs a TCP connect, a full TLS 1.3 handshake (ECDHE, the server's RSA-2048 signature) and a " +
      "close; handshakes/s = requests/s, and server CPU per handshake includes the one request it carries. " +
      "wrk would otherwise resume sessions: it keeps each connection's SSL object and calls SSL_clear(), which " +
      "keeps the session, so every reconnect offers it (without the shim, node:https resumed about half of them and " +
      "CPython nearly all). wrk runs with bench/wrk-no-resume.c preloaded, which drops the session at SSL_clear(): " +
      "every handshake is a full one, as the per-server session counts below confirm. Servers answer " +
      "`Connection: close` and close after the response.",
    path: "/",
    tls: true,
    duration: 3,
    systems: TLS_SYSTEMS,
    baselines: TLS_PEERS,
    loads: [{ name: "c10-close", wrk: ["-t1", "-c10", "-H", "Connection: close"], rounds: "all", noResume: true, per: "handshake" }],
    expect: { status: 200, body: "Hello, world!", headers: { "content-type": "text/plain", "content-length": "13" } },
    targets: [{ peers: ["node-https"], min: 1, what: "node:https", cpu: true }],
  },
  {
    name: "idle-10k",
    title: `${IDLE_CONNECTIONS.toLocaleString("en-US")} idle keep-alive connections`,
    description:
      `A client (bench/idle-client.mjs, pinned to core 1) opens ${IDLE_CONNECTIONS.toLocaleString("en-US")} connections, ` +
      "sends one `GET /` (the hello world; nginx: its `return 200`) on each, reads the answer and leaves the " +
      "connection open and idle. Once all are open and 1 s has passed, the server's RSS is read (VmRSS, its " +
      "threads included) and the client counts how many of its connections are still open. The idle " +
      "keep-alive timeouts of ours (5 s by default) and node:http (5 s) are raised to 120 s for this run " +
      "(`--keep-alive 120`), and ours' connection cap (`max_connections`, by default half the open-files limit) " +
      "to 20,000; nginx's is 65 s. File descriptors: the runner raises its own " +
      "soft limit to the hard one (`prlimit`), which the servers and the client inherit; nginx gets " +
      "`worker_connections` above the count. Python's ThreadingHTTPServer is left out: it runs one thread per " +
      "connection, and opening 1,000 took it 6.6 s here (10,000 would take most of the run's time budget).",
    path: "/",
    fixture: true,
    kind: "idle",
    systems: ["ours", "node-http", "nginx"],
    systemArgs: { ours: ["--keep-alive", "120", "--max-connections", "20000"], "node-http": ["--keep-alive", "120"] },
    systemOptions: { nginx: { connections: IDLE_CONNECTIONS + 1024 } },
    baselines: ["node-http", "nginx"],
    loads: [{ name: "idle", kind: "idle", connections: IDLE_CONNECTIONS, rounds: 1 }],
    expect: { status: 200, body: "Hello, world!" },
    targets: [
      { idle: "rss-idle", peers: ["node-http"], maxDiffMiB: 10, what: "idle RSS within 10 MB of node:http's" },
      { idle: "rss-10k", maxMiB: 200, what: `${IDLE_CONNECTIONS.toLocaleString("en-US")} idle connections under 200 MB of RSS in all` },
    ],
  },
  {
    name: "startup",
    title: "CLI start-up to first response",
    description:
      "The time from spawning a command-line server (pinned to core 0) to the first complete answer to `GET /` " +
      "(a directory listing of the fixture's root; http-server, serve: theirs; sirv: 404, it has no listing, " +
      "which still is a response): the runner connects every 5 ms until one connection gets a full status " +
      "line. Each round starts every server once, in rotating order, and stops it before the next; the table " +
      "gives the median and range over the rounds, and the RSS once it answered.",
    path: "/",
    fixture: true,
    kind: "startup",
    systems: ["ours-cli", "python-cli-plain", "http-server", "serve", "sirv"],
    baselines: ["python-cli-plain", "http-server", "serve", "sirv"],
    loads: [{ name: "startup", kind: "startup", rounds: "all", minRounds: 7 }],
  },
];

/** Our systems, whose rows the targets are about: the hello script, the file script, the CLI, the TLS script. */
export const OURS = ["ours", "ours-static", "ours-cli", "ours-tls", "ours-default"];
