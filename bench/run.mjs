#!/usr/bin/env node
// bench/run.mjs: side-by-side HTTP benchmarks of this package against
// node:http, CPython's http.server, npm's http-server and serve, and nginx,
// reported as ratios measured in one run.
//
// Usage: node bench/run.mjs [--scenario NAME,...] [--duration SECONDS] [--rounds N]
//                           [--only SYSTEM,SYSTEM] [--smoke] [--out FILE]
//   (`npm run bench -- --scenario hello` passes the same flags.)
//
// Strategy: every server of a scenario is started at once, pinned to core 0
// (`taskset -c 0`), and answers on a port it chose itself (argv port 0,
// `READY <port>` on stdout). Each is checked for the expected bytes and for
// keep-alive, warmed up for 1 s, and then the rounds interleave the systems
// (round 1: A B C …, round 2: B C … A, …) so that a noisy neighbour on this
// shared machine hits every system alike. Each load run is
// `taskset -c 1 wrk -t1 … -d<duration>s --latency`, bounded by wrk's own -d
// and by a watchdog here. Around each run we read the server's utime+stime
// (/proc/PID/stat) for CPU per request, and sample VmRSS (/proc/PID/status).
// Every server is stopped on success, error, SIGINT and SIGTERM.
//
// A scenario is one entry of SCENARIOS: a name, the URL path, the systems to
// compare, the baselines for ratios, and the loads to run: wrk runs (requests/s)
// or, for one large body, curl downloads (MB/s). The file-serving scenarios
// serve a fixture directory that bench/fixture.mjs makes in bench/out/fixture.
// Systems that are not ours and do not print `READY <port>` (the CLIs, npm's
// servers, nginx) get a free port chosen here, and are ready when they print
// their own start-up line or, failing that, accept a TCP connection.

import { spawn, spawnSync, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, mkdirSync, existsSync, rmSync, statSync, readdirSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { cpus, release } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureFixture } from "./fixture.mjs";
import { ensureCert } from "./tls-cert.mjs";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);
const SERVERS = join(BENCH_DIR, "servers");
const OUT = join(BENCH_DIR, "out");
const FIXTURE = join(OUT, "fixture");
const NGINX_DIR = join(OUT, "nginx");
// The TLS scenarios' certificate and key (made once by bench/tls-cert.mjs), and
// the LD_PRELOAD shim that stops wrk from resuming TLS sessions (bench/wrk-no-resume.c).
const TLS_DIR = join(OUT, "tls");
const TLS_CERT = join(TLS_DIR, "cert.pem");
const TLS_KEY = join(TLS_DIR, "key.pem");
const NO_RESUME_SO = join(TLS_DIR, "wrk-no-resume.so");
// BENCH_NODE_MODULES: another install of bench/package.json (e.g. `npm install --prefix DIR`).
const BENCH_MODULES = process.env.BENCH_NODE_MODULES ?? join(BENCH_DIR, "node_modules");
const SERVER_CORE = "0";
const LOAD_CORE = "1";
const WARMUP_SECONDS = 1;
const RSS_SAMPLE_MS = 250;
const READY_TIMEOUT_MS = 15_000;
// An optional system (our CLI, while it is being written) that has not printed
// its start-up line by then is left out of the run, with a note.
const OPTIONAL_READY_TIMEOUT_MS = 5_000;
const STOP_TIMEOUT_MS = 5_000;
// A measured run during which other processes took more than NOISY_PCT of the
// server's core is run again, at most MAX_RETRIES times per load: enough to
// ride out a neighbour's test suite, bounded so a busy machine cannot stretch
// `npm run bench` far past its ~4 minutes.
const NOISY_PCT = 10;
// Below this share of a core, CPU µs/request rests on too few clock ticks to trust.
const BUSY_ENOUGH = 0.2;
const MAX_RETRIES = 3;
// Retries over a whole run, so that a busy machine cannot push `npm run bench` past 15 minutes.
let retryBudget = 10;

// ---- what is measured -------------------------------------------------------

/**
 * Systems under test: how to start each one. Either `argv` + `args`: the port
 * (0) goes between them, and the server prints `READY <port>` once it listens
 * on 127.0.0.1; or `start({ port, dir })`, given a free port chosen here and the
 * fixture directory, returning `{ argv, ready }` with `ready` one of "READY",
 * a RegExp for the start-up line on stdout (its group 1, if any, is the port),
 * or "connect" (ready once 127.0.0.1:port accepts a connection). `optional`:
 * a system that fails to start is left out with a note instead of failing the run.
 */
const SYSTEMS = {
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

const NPM_SERVERS = Object.keys(SYSTEMS).filter((k) => SYSTEMS[k].npm);
/** The npm package directory of a system (its key unless `module` says otherwise). */
const npmModule = (key) => SYSTEMS[key].module ?? key;
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
 * Scenarios. `loads`: each is one wrk configuration (`wrk: [...]`) or, with
 * `kind: "curl"`, one download per round; `rounds: "all"` runs the --rounds
 * count (default `minRounds` or 3), a number runs that many. `duration`: the
 * seconds of each wrk run unless --duration says otherwise. `baselines`: ratio
 * columns. `expect`: what a GET of `path` must answer, twice on one connection,
 * before any load is sent (a function of the fixture when `fixture` is set).
 * `targets`: ratios of our rows to peers that the notes report as met or not.
 */
const SCENARIOS = [
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
    systems: HELLO_SYSTEMS,
    baselines: ["node-http", "python", "python-nodelay"],
    loads: [{ name: "c10-close", wrk: ["-t1", "-c10", "-H", "Connection: close"], rounds: "all" }],
    expect: { status: 200, body: "Hello, world!", headers: { "content-type": "text/plain", "content-length": "13" } },
    targets: [{ peers: ["node-http"], min: 1, what: "node:http (not in the issue: a floor of ours)" }],
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
      "server renders its own page (nginx: autoindex), so body sizes differ; all read the directory per request.",
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
      { peers: ["nginx"], min: 0.5, what: "nginx's autoindex" },
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
const OURS = ["ours", "ours-static", "ours-cli", "ours-tls"];

// ---- arguments --------------------------------------------------------------

function parseArgs(argv) {
  const opts = { scenario: null, duration: null, rounds: null, smoke: false, only: null, out: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    const flag = a.split("=")[0];
    if (flag === "--scenario") opts.scenario = value();
    else if (flag === "--duration") opts.duration = positiveInt(flag, value());
    else if (flag === "--rounds") opts.rounds = positiveInt(flag, value());
    else if (flag === "--only") opts.only = value().split(",").filter(Boolean);
    else if (flag === "--out") opts.out = value();
    else if (flag === "--smoke") opts.smoke = true;
    else if (flag === "--charts") opts.charts = true;
    else if (flag === "-h" || flag === "--help") usage(null);
    else usage(`unknown argument ${a}`);
  }
  if (opts.smoke) {
    opts.duration = 1;
    opts.rounds = 1;
  }
  return opts;
}

function positiveInt(flag, v) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) usage(`${flag} must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

function usage(error) {
  const text =
    "usage: node bench/run.mjs [--scenario NAME,...] [--duration SECONDS] [--rounds N]\n" +
    "                          [--only SYSTEM,...] [--smoke] [--out FILE] [--charts]\n" +
    "  --charts: only redraw bench/charts/*.svg from the last run's bench/out/<scenario>.json\n" +
    `scenarios: ${SCENARIOS.map((s) => s.name).join(", ")}\n` +
    `systems: ${Object.keys(SYSTEMS).join(", ")}\n`;
  if (error) {
    process.stderr.write(`run.mjs: ${error}\n${text}`);
    process.exit(2);
  }
  process.stdout.write(text);
  process.exit(0);
}

// ---- child processes: every one we start is tracked and stopped -------------

const children = new Set();

function track(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

function stopAllSync() {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}

let interrupted = false;
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\nrun.mjs: ${sig}, stopping ${children.size} process(es)\n`);
    stopAllSync();
    process.exit(130);
  });
}
process.on("exit", stopAllSync);

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // "close" comes after "exit" once stdout is drained too: what a server prints as it stops is kept.
  const exited = new Promise((resolve) => child.once("close", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** A port that was free a moment ago on 127.0.0.1, for servers that cannot take 0. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves true once 127.0.0.1:port accepts a connection, false if `deadline` passes first. */
async function waitConnect(port, child, deadline) {
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    const ok = await new Promise((resolve) => {
      const sock = createConnection({ host: "127.0.0.1", port });
      sock.once("connect", () => {
        sock.destroy();
        resolve(true);
      });
      sock.once("error", () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * Starts a system pinned to the server core; resolves to { key, child, pid, port }
 * once it is ready (see SYSTEMS). Its stdout is read until then and drained
 * (not kept) after; its stderr (log lines) goes to /dev/null.
 */
async function startServer(key, scenario = {}) {
  const sys = SYSTEMS[key];
  let argv0;
  let ready = "READY";
  let port = 0;
  if (sys.start) {
    port = await freePort();
    const s = sys.start({ port, dir: FIXTURE, ...scenario.systemOptions?.[key] });
    argv0 = s.argv;
    ready = s.ready;
  } else {
    argv0 = [...sys.argv, "0", ...sys.args, ...(scenario.systemArgs?.[key] ?? [])];
  }
  const [cmd, ...rest] = argv0;
  const argv = cmd === "node" ? [process.execPath, ...rest] : [cmd, ...rest];
  const timeout = sys.optional ? OPTIONAL_READY_TIMEOUT_MS : READY_TIMEOUT_MS;
  // taskset execs the server, so the child's pid is the server's pid.
  const child = track(
    spawn("taskset", ["-c", scenario.serverCores ?? SERVER_CORE, ...argv], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "ignore"], // stderr (log lines) to /dev/null
    }),
  );
  const deadline = Date.now() + timeout;
  const spawnedAt = performance.now();
  let readyMs = NaN;
  let out = "";
  const onData = (chunk) => (out += chunk);
  child.stdout.on("data", onData);
  const started = new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${key}: not ready within ${timeout} ms; stdout: ${JSON.stringify(out.trim().slice(0, 300))}`)), timeout);
    const fail = (err) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(err);
    };
    const early = (code, signal) =>
      fail(new Error(`${key} exited (${signal ?? code}) before it was ready; stdout: ${JSON.stringify(out.trim().slice(0, 300))}`));
    child.once("error", fail);
    child.once("exit", early);
    const done = (p) => {
      readyMs = performance.now() - spawnedAt;
      clearTimeout(timer);
      child.off("exit", early);
      resolve(p);
    };
    if (ready === "connect") {
      waitConnect(port, child, deadline).then((ok) => ok && done(port));
      return;
    }
    const re = ready === "READY" ? /^READY (\d+)$/m : ready;
    const onLine = () => {
      const m = re.exec(out);
      if (!m) return;
      child.stdout.off("data", onLine);
      const p = m[1] !== undefined ? Number(m[1]) : port;
      // A start-up line may come just before listen(): make sure it accepts.
      if (ready === "READY") done(p);
      else waitConnect(p, child, deadline).then((ok) => ok && done(p));
    };
    child.stdout.on("data", onLine);
  });
  const p = await started;
  child.stdout.off("data", onData);
  // Keep draining whatever else it prints, remembering the last few KB (the
  // TLS servers print their session counts when stopped).
  const server = { key, child, pid: child.pid, port: p, tail: "", readyMs };
  child.stdout.on("data", (c) => (server.tail = (server.tail + c).slice(-4096)));
  return server;
}

// ---- /proc readings ---------------------------------------------------------

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** A process and its descendants (a cluster primary's workers), from /proc/PID/task/TID/children. */
function processTree(pid) {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${all[i]}/task`);
    } catch {
      continue; // gone
    }
    for (const tid of tasks) {
      try {
        const text = readFileSync(`/proc/${all[i]}/task/${tid}/children`, "utf8").trim();
        if (text) all.push(...text.split(/\s+/).map(Number));
      } catch {
        // the thread ended
      }
    }
  }
  return all;
}

/** utime+stime of a process (all its threads) and its descendants, in seconds. */
function cpuSeconds(pid) {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      // Fields after the parenthesised comm; utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    } catch {
      if (p === pid) throw new Error(`process ${pid} is gone`);
    }
  }
  return total;
}

/**
 * One core's CPU time from /proc/stat, in seconds: `task` is user+nice+system
 * (time charged to tasks; interrupts and softirqs are left out, since loopback
 * traffic is processed there for the server too), `idle` idle+iowait, `all`
 * every column.
 */
function coreSeconds(core) {
  const line = readFileSync("/proc/stat", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`cpu${core} `));
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  return { task: (f[0] + f[1] + f[2]) / CLK_TCK, idle: (f[3] + f[4]) / CLK_TCK, all: f.reduce((a, b) => a + b, 0) / CLK_TCK };
}

/** VmRSS of a process and its descendants, in KiB. */
function rssKiB(pid) {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      total += m ? Number(m[1]) : 0;
    } catch {
      if (p === pid) return NaN;
    }
  }
  return total;
}

// ---- checks before load -----------------------------------------------------

/**
 * Sends two GETs on one connection, one after the other, and checks both
 * answers against `expect` ({ status, headers: { name: string | RegExp },
 * body, length, sha256, includes: [string], minLength }): the server must keep
 * the connection alive. Bodies may be framed by Content-Length or chunked;
 * they are hashed as they arrive, and kept only up to 16 MiB.
 */
function checkServer(server, scenario, expect) {
  const request = `GET ${scenario.path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUser-Agent: bench\r\n\r\n`;
  const KEEP = 16 << 20;
  return new Promise((resolve, reject) => {
    // Over TLS the certificate is verified against itself (and its SAN 127.0.0.1).
    const sock = scenario.tls
      ? tlsConnect({ host: "127.0.0.1", port: server.port, ca: readFileSync(TLS_CERT), ALPNProtocols: ["http/1.1"] })
      : createConnection({ host: "127.0.0.1", port: server.port });
    let answered = 0;
    let pending = Buffer.alloc(0); // unparsed head or chunk-size bytes
    let res = null; // the response being read
    const timer = setTimeout(() => done(new Error("no complete answers within 30 s")), 30_000);
    const done = (err) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(new Error(`${server.key}: ${err.message}`));
      else resolve();
    };
    const fresh = () => ({ state: "head", status: 0, headers: {}, left: 0, length: 0, hash: createHash("sha256"), kept: [] });
    res = fresh();
    const body = (data) => {
      res.length += data.length;
      res.hash.update(data);
      if (res.length <= KEEP) res.kept.push(Buffer.from(data));
    };
    const finish = () => {
      const want = expect;
      const got = res;
      const text = Buffer.concat(got.kept).toString("utf8");
      if (got.status !== want.status) return `status ${got.status}, want ${want.status}`;
      for (const [k, v] of Object.entries(want.headers ?? {})) {
        const h = got.headers[k];
        if (v instanceof RegExp ? !(h !== undefined && v.test(h)) : h !== v) return `${k}: ${JSON.stringify(h)}, want ${v}`;
      }
      if (want.body !== undefined && text !== want.body) return `body ${JSON.stringify(text.slice(0, 100))}, want ${JSON.stringify(want.body)}`;
      if (want.length !== undefined && got.length !== want.length) return `body of ${got.length} bytes, want ${want.length}`;
      if (want.minLength !== undefined && got.length < want.minLength) return `body of ${got.length} bytes, want at least ${want.minLength}`;
      if (want.sha256 !== undefined && got.hash.digest("hex") !== want.sha256) return "body differs from the file (sha256)";
      for (const s of want.includes ?? []) if (!text.includes(s)) return `body lacks ${JSON.stringify(s)}`;
      return null;
    };
    /** Parses what is in `buf`; returns false when a response failed the check. */
    const feed = (buf) => {
      let data = pending.length ? Buffer.concat([pending, buf]) : buf;
      pending = Buffer.alloc(0);
      while (data.length > 0 || res.state === "end") {
        if (res.state === "head") {
          const end = data.indexOf("\r\n\r\n");
          if (end < 0) {
            pending = data;
            return true;
          }
          const lines = data.subarray(0, end).toString("latin1").split("\r\n");
          data = data.subarray(end + 4);
          res.status = Number(lines[0].split(" ")[1]);
          for (const line of lines.slice(1)) {
            const c = line.indexOf(":");
            res.headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
          }
          if (/chunked/i.test(res.headers["transfer-encoding"] ?? "")) res.state = "size";
          else if (/^\d+$/.test(res.headers["content-length"] ?? "")) {
            res.left = Number(res.headers["content-length"]);
            res.state = res.left > 0 ? "body" : "end";
          } else {
            done(new Error(`neither Content-Length nor chunked in ${JSON.stringify(lines)}: no keep-alive?`));
            return false;
          }
        } else if (res.state === "body" || res.state === "chunk") {
          const take = Math.min(res.left, data.length);
          body(data.subarray(0, take));
          data = data.subarray(take);
          res.left -= take;
          if (res.left === 0) res.state = res.state === "body" ? "end" : "chunk-end";
        } else if (res.state === "size" || res.state === "chunk-end" || res.state === "trailer") {
          const eol = data.indexOf("\r\n");
          if (eol < 0) {
            pending = data;
            return true;
          }
          const line = data.subarray(0, eol).toString("latin1");
          data = data.subarray(eol + 2);
          if (res.state === "chunk-end") res.state = "size";
          else if (res.state === "trailer") {
            if (line === "") res.state = "end";
          } else {
            res.left = parseInt(line, 16);
            res.state = res.left > 0 ? "chunk" : "trailer";
          }
        } else if (res.state === "end") {
          const problem = finish();
          if (problem) {
            done(new Error(problem));
            return false;
          }
          answered += 1;
          res = fresh();
          if (answered === 2) {
            done(null);
            return false;
          }
          sock.write(request);
        }
      }
      return true;
    };
    sock.on("error", done);
    sock.on("close", () => answered < 2 && done(new Error(`closed after ${answered} response(s): no keep-alive?`)));
    sock.on(scenario.tls ? "secureConnect" : "connect", () => sock.write(request));
    sock.on("data", feed);
  });
}

// ---- wrk --------------------------------------------------------------------

/** Runs wrk pinned to the load core; resolves to its stdout. Bounded by a watchdog. */
function runWrk(args, { noResume = false } = {}) {
  return new Promise((resolve, reject) => {
    // noResume: wrk with bench/wrk-no-resume.c preloaded (a full TLS handshake per connection).
    const env = noResume ? { ...process.env, LD_PRELOAD: NO_RESUME_SO } : process.env;
    const child = track(spawn("taskset", ["-c", LOAD_CORE, "wrk", ...args], { stdio: ["ignore", "pipe", "pipe"], env }));
    const seconds = Number(/^-d(\d+)s$/.exec(args.find((a) => a.startsWith("-d")) ?? "-d10s")?.[1] ?? 10);
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), (seconds + 20) * 1000);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`wrk ${args.join(" ")} failed (${signal ?? code}): ${err.trim() || out.trim()}`));
    });
  });
}

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function parseDurationMs(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) throw new Error(`cannot parse wrk duration ${JSON.stringify(text)}`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

/** Requests/s, request count, p50/p99 (ms) and errors from `wrk --latency` output. */
function parseWrk(out) {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(out);
  const total = /^\s*(\d+) requests in ([\d.]+\w+),/m.exec(out);
  const p50 = /^\s+50%\s+(\S+)/m.exec(out);
  const p99 = /^\s+99%\s+(\S+)/m.exec(out);
  if (!rps || !total || !p50 || !p99) throw new Error(`cannot parse wrk output:\n${out}`);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const errors = (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  return {
    rps: Number(rps[1]),
    requests: Number(total[1]),
    p50: parseDurationMs(p50[1]),
    p99: parseDurationMs(p99[1]),
    errors,
  };
}

/** The URL of a scenario's path on a server: https for the TLS scenarios. */
function urlOf(server, scenario) {
  return `${scenario.tls ? "https" : "http"}://127.0.0.1:${server.port}${scenario.path}`;
}

/** Builds bench/out/tls/wrk-no-resume.so from bench/wrk-no-resume.c when it is missing or older than its source. */
function ensureNoResumeShim() {
  const src = join(BENCH_DIR, "wrk-no-resume.c");
  mkdirSync(TLS_DIR, { recursive: true });
  if (existsSync(NO_RESUME_SO) && statSync(NO_RESUME_SO).mtimeMs >= statSync(src).mtimeMs) return;
  try {
    execFileSync("cc", ["-shared", "-fPIC", "-O2", "-o", NO_RESUME_SO, src, "-ldl"], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (e) {
    throw new Error(`cannot build ${relative(ROOT, NO_RESUME_SO)} (needs a C compiler, cc: bash bench/setup.sh): ${String(e.stderr ?? e.message).trim()}`);
  }
}
async function measure(server, scenario, load, seconds) {
  const url = urlOf(server, scenario);
  const rss = [];
  const sampler = setInterval(() => {
    try {
      rss.push(rssKiB(server.pid));
    } catch {
      // the server died; wrk will report errors
    }
  }, RSS_SAMPLE_MS);
  const cpu0 = cpuSeconds(server.pid);
  const core0 = coreSeconds(SERVER_CORE);
  const load0 = coreSeconds(LOAD_CORE);
  let out;
  try {
    out = await runWrk([...load.wrk, `-d${seconds}s`, "--latency", url], { noResume: load.noResume });
  } finally {
    clearInterval(sampler);
  }
  const cpu1 = cpuSeconds(server.pid);
  const core1 = coreSeconds(SERVER_CORE);
  const load1 = coreSeconds(LOAD_CORE);
  const loadAll = load1.all - load0.all || 1;
  const r = parseWrk(out);
  // Task time on the server's core that was not the server's: other processes
  // of this shared machine competing with it. High values flag a noisy round.
  const foreign = core1.task - core0.task - (cpu1 - cpu0);
  return {
    ...r,
    foreignPct: Math.max(0, (100 * foreign) / (core1.all - core0.all || 1)),
    // wrk's core: near 100% busy means the client, not the server, set the pace.
    clientBusyPct: Math.min(100, (100 * (loadAll - (load1.idle - load0.idle))) / loadAll),
    cpuSeconds: cpu1 - cpu0,
    cpuShare: (cpu1 - cpu0) / seconds,
    cpuUsPerRequest: r.requests > 0 ? ((cpu1 - cpu0) * 1e6) / r.requests : NaN,
    rssLoadKiB: rss.length ? Math.max(...rss) : rssKiB(server.pid),
  };
}

// ---- curl: one large body --------------------------------------------------

/**
 * Runs one curl process pinned to the load core that downloads `url` `times`
 * times, back to back over one keep-alive connection; resolves to curl's -w
 * figures of each transfer ([{ speed, size, status, total }]).
 */
function runCurl(url, times = 1, timeoutSeconds = 120) {
  return new Promise((resolve, reject) => {
    const args = ["-c", LOAD_CORE, "curl", "-s", "-w", "%{speed_download} %{size_download} %{http_code} %{time_total}\\n"];
    for (let i = 0; i < times; i++) args.push("-o", "/dev/null", url);
    const child = track(spawn("taskset", args, { stdio: ["ignore", "pipe", "pipe"] }));
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutSeconds * 1000);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      const transfers = out
        .trim()
        .split("\n")
        .map((line) => line.trim().split(/\s+/).map(Number))
        .map(([speed, size, status, total]) => ({ speed, size, status, total }));
      if (code === 0 && transfers.length === times && transfers.every((t) => Number.isFinite(t.speed))) resolve(transfers);
      else reject(new Error(`curl ${url} failed (${signal ?? code}): ${err.trim() || out.trim()}`));
    });
  });
}

/**
 * One round: `times` downloads of `scenario.path` by one curl process. MB/s is
 * the bytes over the sum of the transfers' times (each transfer's is curl's
 * speed_download; with one transfer, exactly it), / 10^6; with the server's CPU
 * time, the load core's busy share, and peak RSS. A short or non-200 answer
 * counts as an error.
 */
async function measureCurl(server, scenario, expectedBytes, times) {
  const url = `http://127.0.0.1:${server.port}${scenario.path}`;
  const rss = [];
  const sampler = setInterval(() => {
    try {
      rss.push(rssKiB(server.pid));
    } catch {
      // the server died; curl will fail
    }
  }, 50);
  const cpu0 = cpuSeconds(server.pid);
  const core0 = coreSeconds(SERVER_CORE);
  const load0 = coreSeconds(LOAD_CORE);
  let transfers;
  try {
    transfers = await runCurl(url, times);
  } finally {
    clearInterval(sampler);
  }
  const bytes = transfers.reduce((a, t) => a + t.size, 0);
  const seconds = transfers.reduce((a, t) => a + t.total, 0);
  const cpu1 = cpuSeconds(server.pid);
  const core1 = coreSeconds(SERVER_CORE);
  const load1 = coreSeconds(LOAD_CORE);
  const foreign = core1.task - core0.task - (cpu1 - cpu0);
  const loadAll = load1.all - load0.all || 1;
  return {
    mbps: bytes / seconds / 1e6,
    bytes,
    seconds,
    transfersMBps: transfers.map((t) => t.speed / 1e6),
    errors: transfers.filter((t) => t.status !== 200 || t.size !== expectedBytes).length,
    foreignPct: Math.max(0, (100 * foreign) / (core1.all - core0.all || 1)),
    cpuSeconds: cpu1 - cpu0,
    // Busy = not idle: curl, the runner, and the softirq work of receiving on loopback.
    clientBusyPct: Math.min(100, (100 * (loadAll - (load1.idle - load0.idle))) / loadAll),
    rssLoadKiB: rss.length ? Math.max(...rss) : rssKiB(server.pid),
  };
}

// ---- idle connections and start-up -----------------------------------------

/**
 * Raises this process's soft limit on open files to its hard limit (`prlimit`),
 * which the servers and the idle client inherit; warns when even that is
 * below what `connections` needs.
 */
function raiseFileLimit(connections) {
  try {
    const hard = /^Max open files\s+\d+\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"))?.[1];
    const limit = hard === "unlimited" ? 1 << 20 : Number(hard);
    execFileSync("prlimit", ["--pid", String(process.pid), `--nofile=${limit}:${limit}`], { stdio: "ignore" });
    if (limit < connections + 256) log(`  warning: the hard limit on open files is ${limit}, below ${connections + 256}: raise it (ulimit -Hn)`);
  } catch (e) {
    log(`  warning: cannot raise the open-files limit (prlimit): ${e.message}`);
  }
}

/** Reads lines from a stream; `next(re, ms)` resolves with the first unread line matching `re`. */
function lineReader(stream) {
  const lines = [];
  let partial = "";
  let wake = null;
  stream.setEncoding("utf8");
  stream.on("data", (c) => {
    const parts = (partial + c).split("\n");
    partial = parts.pop();
    lines.push(...parts);
    wake?.();
  });
  stream.on("end", () => wake?.());
  return async (re, ms, what) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = lines.findIndex((l) => re.test(l));
      if (i >= 0) return re.exec(lines.splice(0, i + 1).at(-1));
      if (Date.now() > deadline || stream.readableEnded) throw new Error(`${what}: no ${re} within ${ms} ms`);
      await new Promise((r) => {
        wake = r;
        setTimeout(r, 250);
      });
      wake = null;
    }
  };
}

/**
 * The idle scenario for one server: bench/idle-client.mjs (pinned to the
 * load core) opens `load.connections` connections with one request each;
 * 1 s after the last answered, the server's RSS is read and the client
 * counts its connections still open.
 */
async function measureIdle(server, scenario, load) {
  const rssBeforeKiB = rssKiB(server.pid);
  const cpu0 = cpuSeconds(server.pid);
  const client = track(
    spawn("taskset", ["-c", LOAD_CORE, process.execPath, join(BENCH_DIR, "idle-client.mjs"), String(server.port), String(load.connections), scenario.path], {
      stdio: ["pipe", "pipe", "ignore"],
    }),
  );
  const exited = new Promise((r) => client.once("close", r));
  const next = lineReader(client.stdout);
  try {
    const open = await next(/^OPEN (\d+) FAILED (\d+) MS (\d+)$/, 120_000, `${server.key}: idle client`);
    await new Promise((r) => setTimeout(r, 1000));
    const rssLoadKiB = rssKiB(server.pid);
    client.stdin.write("count\n");
    const still = Number((await next(/^STILL (\d+)$/, 10_000, `${server.key}: idle client`))[1]);
    const cpu = cpuSeconds(server.pid) - cpu0;
    const [opened, failed, openMs] = open.slice(1).map(Number);
    return {
      opened,
      failed,
      openMs,
      still,
      rssBeforeKiB,
      rssLoadKiB,
      perConnKiB: still > 0 ? (rssLoadKiB - rssBeforeKiB) / still : NaN,
      cpuSeconds: cpu,
      errors: failed + (opened - still),
      foreignPct: 0,
    };
  } finally {
    client.stdin.end();
    const timer = setTimeout(() => client.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Resolves true once a GET on a new connection to 127.0.0.1:port gets a status line back, false on refusal or after 2 s. */
function firstAnswer(port, path) {
  return new Promise((resolve) => {
    const sock = createConnection({ host: "127.0.0.1", port });
    let got = "";
    const done = (ok) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 2000);
    sock.on("connect", () => sock.write(`GET ${path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`));
    sock.on("data", (d) => {
      got += d.toString("latin1");
      if (/^HTTP\/1\.\d \d{3} .*\r\n/.test(got)) done(true);
    });
    sock.on("error", () => done(false));
    sock.on("close", () => done(false));
  });
}

/** Spawns a CLI server (pinned to the server core) and times it to its first answer; then stops it. */
async function measureStartup(key, scenario) {
  const port = await freePort();
  const { argv: argv0 } = SYSTEMS[key].start({ port, dir: FIXTURE });
  const [cmd, ...rest] = argv0;
  const argv = cmd === "node" ? [process.execPath, ...rest] : [cmd, ...rest];
  const t0 = performance.now();
  const child = track(spawn("taskset", ["-c", SERVER_CORE, ...argv], { cwd: ROOT, stdio: ["ignore", "ignore", "ignore"] }));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    while (!(await firstAnswer(port, scenario.path))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${key}: no answer within ${READY_TIMEOUT_MS} ms of its start`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const ms = performance.now() - t0;
    return { ms, rssLoadKiB: rssKiB(child.pid), foreignPct: 0, errors: 0 };
  } finally {
    await stop(child);
  }
}

/** The start-up scenario: every system started `load.n` times, in rotating order. */
async function runStartup(scenario, load, wanted, skipped) {
  log(`scenario ${scenario.name}: ${wanted.join(", ")}; ${load.n} round(s), about ${Math.ceil(wanted.length * load.n * 0.6)} s`);
  ensureFixture(FIXTURE);
  const raw = { [load.name]: Object.fromEntries(wanted.map((k) => [k, []])) };
  for (let round = 0; round < load.n; round++) {
    for (let i = 0; i < wanted.length; i++) {
      const key = wanted[(i + round) % wanted.length];
      const r = await measureStartup(key, scenario);
      log(`  startup round ${round + 1}/${load.n} ${key.padEnd(16)} ${r.ms.toFixed(0)} ms to the first answer, RSS ${fmtMiB(r.rssLoadKiB)} MiB`);
      raw[load.name][key].push(r);
    }
  }
  const results = { [load.name]: Object.fromEntries(wanted.map((k) => [k, summarise(raw[load.name][k])])) };
  return { systems: wanted, results, raw, idleRss: {}, skipped, duration: 0, sessions: {} };
}

// ---- statistics and formatting ---------------------------------------------

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function summarise(runs) {
  if (runs.length && runs[0].still !== undefined) {
    const r = runs[0];
    return { ...r, rounds: runs.length, retried: 0, foreignPctMax: 0 };
  }
  if (runs.length && runs[0].ms !== undefined) {
    return {
      rounds: runs.length,
      ms: median(runs.map((r) => r.ms)),
      msMin: Math.min(...runs.map((r) => r.ms)),
      msMax: Math.max(...runs.map((r) => r.ms)),
      rssLoadKiB: median(runs.map((r) => r.rssLoadKiB)),
      foreignPctMax: 0,
      retried: 0,
      errors: 0,
    };
  }
  if (runs.length && runs[0].mbps !== undefined) {
    const bytes = runs.reduce((a, r) => a + r.bytes, 0);
    const cpu = runs.reduce((a, r) => a + r.cpuSeconds, 0);
    return {
      rounds: runs.length,
      mbps: median(runs.map((r) => r.mbps)),
      mbpsMin: Math.min(...runs.map((r) => r.mbps)),
      mbpsMax: Math.max(...runs.map((r) => r.mbps)),
      cpuMsPerGB: bytes > 0 ? (cpu * 1000) / (bytes / 1e9) : NaN,
      cpuTicks: Math.round(cpu * CLK_TCK),
      clientBusyPct: median(runs.map((r) => r.clientBusyPct)),
      rssLoadKiB: Math.max(...runs.map((r) => r.rssLoadKiB)),
      foreignPctMax: Math.max(...runs.map((r) => r.foreignPct)),
      retried: runs.filter((r) => r.retried).length,
      errors: runs.reduce((a, r) => a + r.errors, 0),
    };
  }
  return {
    rounds: runs.length,
    rps: median(runs.map((r) => r.rps)),
    rpsMin: Math.min(...runs.map((r) => r.rps)),
    rpsMax: Math.max(...runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    cpuUsPerRequest: median(runs.map((r) => r.cpuUsPerRequest)),
    cpuShare: median(runs.map((r) => r.cpuShare)),
    clientBusyPct: median(runs.map((r) => r.clientBusyPct)),
    rssLoadKiB: Math.max(...runs.map((r) => r.rssLoadKiB)),
    foreignPctMax: Math.max(...runs.map((r) => r.foreignPct)),
    retried: runs.filter((r) => r.retried).length,
    errors: runs.reduce((a, r) => a + r.errors, 0),
  };
}

const fmtInt = (n) => Math.round(n).toLocaleString("en-US");
const fmtMs = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : ms < 100 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(0)} ms`);
const fmtMiB = (kib) => `${(kib / 1024).toFixed(1)}`;
const fmtRatio = (x) =>
  !Number.isFinite(x) ? "–" : x >= 100 ? `${x.toFixed(0)}×` : x >= 0.1 ? `${x.toFixed(2)}×` : `${x.toPrecision(2)}×`;

/** Median and range of the per-round ratio a/b: rounds are interleaved, so each pair ran minutes apart at most. */
function pairedRatio(raw, a, b, metric = "rps") {
  const n = Math.min(raw[a]?.length ?? 0, raw[b]?.length ?? 0);
  const ratios = [];
  for (let i = 0; i < n; i++) ratios.push(raw[a][i][metric] / raw[b][i][metric]);
  return n ? { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), n } : null;
}

/** The metric a load's ratios compare: requests/s for wrk, MB/s for curl, RSS for idle, ms for start-up. */
const metricOf = (load) => ({ curl: "mbps", idle: "rssLoadKiB", startup: "ms" })[load.kind] ?? "rps";

/**
 * Notes on the scenario's targets: for each of our rows and each target, the
 * ratio of medians to every peer named, met or not, with the round-by-round
 * ratio when there are several rounds.
 */
function targetNotes(scenario, load, rows, raw) {
  const metric = metricOf(load);
  const unit = metric === "mbps" ? "MB/s" : load.per === "handshake" ? "handshakes/s" : "requests/s";
  const notes = [];
  for (const ours of OURS) {
    if (!rows[ours]) continue;
    for (const t of scenario.targets ?? []) {
      if ((t.load && t.load !== load.name) || (t.ours && !t.ours.includes(ours))) continue;
      if (t.idle) {
        const note = idleTargetNote(t, ours, rows);
        if (note) notes.push(note);
        continue;
      }
      if (t.maxCpu !== undefined) {
        const p = t.peers.find((k) => rows[k]);
        if (!p) continue;
        const x = rows[ours].cpuUsPerRequest / rows[p].cpuUsPerRequest;
        notes.push(
          `Target for ${SYSTEMS[ours].short} — ${t.what}: ${x <= t.maxCpu ? "**met**" : "**not met**"}: ` +
            `${rows[ours].cpuUsPerRequest.toFixed(1)} µs vs ${rows[p].cpuUsPerRequest.toFixed(1)} µs, ${fmtRatio(x)}.`,
        );
        continue;
      }
      // "The best npm server": a target naming several npm peers is against the fastest of them.
      let peers = t.peers.filter((p) => rows[p]);
      if (peers.length === 0) continue;
      if (t.min > 1 && peers.length > 1) peers = [peers.reduce((a, b) => (rows[b][metric] > rows[a][metric] ? b : a))];
      const parts = peers.map((p) => {
        const x = rows[ours][metric] / rows[p][metric];
        const ok = t.strict ? x > t.min : x >= t.min;
        const pr = pairedRatio(raw[load.name], ours, p, metric);
        const rounds = pr && pr.n > 1 ? `, round by round ${fmtRatio(pr.min)}–${fmtRatio(pr.max)}` : "";
        const cpu =
          t.cpu && metric === "rps"
            ? `, at ${fmtRatio(rows[ours].cpuUsPerRequest / rows[p].cpuUsPerRequest)} its CPU per ${load.per ?? "request"}`
            : "";
        return { ok, text: `${fmtRatio(x)} ${SYSTEMS[p].short}${rounds}${ok ? "" : " (**not met**)"}${cpu}` };
      });
      const met = parts.every((q) => q.ok);
      notes.push(
        `Target for ${SYSTEMS[ours].short} — ${t.strict ? ">" : "≥"} ${fmtRatio(t.min)} ${t.what} (${unit}): ` +
          `${met ? "**met**" : "**not met**"}: ${parts.map((q) => q.text).join("; ")}.`,
      );
    }
  }
  return notes;
}

/** The idle scenario's targets: RSS before the connections against a peer's, and RSS with them against a ceiling. */
function idleTargetNote(t, ours, rows) {
  const r = rows[ours];
  if (t.idle === "rss-idle") {
    const p = t.peers.find((k) => rows[k]);
    if (!p) return null;
    const diff = (r.rssBeforeKiB - rows[p].rssBeforeKiB) / 1024;
    return (
      `Target for ${SYSTEMS[ours].short} — ${t.what}: ${diff <= t.maxDiffMiB ? "**met**" : "**not met**"}: ` +
      `${fmtMiB(r.rssBeforeKiB)} MiB vs ${fmtMiB(rows[p].rssBeforeKiB)} MiB (${diff >= 0 ? "+" : ""}${diff.toFixed(1)} MiB).`
    );
  }
  const mib = r.rssLoadKiB / 1024;
  const all = r.still >= r.opened && r.failed === 0;
  return (
    `Target for ${SYSTEMS[ours].short} — ${t.what}: ${mib < t.maxMiB && all ? "**met**" : "**not met**"}: ` +
    `${mib.toFixed(1)} MiB with ${fmtInt(r.still)} connections open` +
    (all ? "." : ` (${fmtInt(r.failed)} failed to open, ${fmtInt(r.opened - r.still)} closed by the server).`)
  );
}

function scenarioMarkdown(scenario, meta, results, idleRss, raw, skipped = {}, sessions = {}) {
  const lines = [];
  lines.push(`<!-- scenario:${scenario.name} -->`);
  lines.push(`## Scenario \`${scenario.name}\`: ${scenario.title}`);
  lines.push("");
  lines.push(`Measured ${meta.date}${meta.smoke ? " (**smoke run**: 1 s, one round; figures are not meaningful)" : ""}.`);
  lines.push(
    `Machine: ${meta.nproc} cores (${meta.cpuModel}), Linux ${meta.kernel}; Node.js ${meta.node}, ${meta.python}, ${meta.wrk}` +
      `${scenario.fixture ? `, ${meta.nginx}, ${meta.curl}, ${meta.npmPeers}` : ""}.`,
  );
  lines.push(`Package: dist/ built from commit ${meta.commit}. This scenario took ${meta.seconds} s.`);
  lines.push("");
  lines.push(scenario.description);
  lines.push("");
  if (meta.chart) {
    lines.push(`![${scenario.name} chart](${meta.chart})`);
    lines.push("");
  }
  for (const [key, why] of Object.entries(skipped)) {
    lines.push(`- Not measured: ${SYSTEMS[key].label}: ${why}`);
  }
  if (Object.keys(skipped).length) lines.push("");
  const base = scenario.baselines.filter((b) => scenario.systems.includes(b) && !skipped[b]);
  for (const load of scenario.loads) {
    const rows = results[load.name];
    const nRounds = Math.max(...Object.values(rows).map((r) => r.rounds));
    const metric = metricOf(load);
    let head;
    if (load.kind === "idle") {
      lines.push(`### ${fmtInt(load.connections)} connections, one request each, then idle`);
      head = ["system", "RSS MiB idle", `RSS MiB with the connections`, "KiB per connection", "open after 1 s", "time to open", "server CPU ms"];
    } else if (load.kind === "startup") {
      lines.push(`### spawn to first answer — ${nRounds} round(s) per system, interleaved`);
      head = ["system", "ms median (min–max)", "RSS MiB after the first answer"];
    } else if (load.kind === "curl") {
      lines.push(
        `### one \`curl\` of ${load.downloads ?? 1} download(s) per round — ${nRounds} round(s) per system, interleaved`,
      );
      head = ["system", "MB/s median (min–max)", "server CPU ms/GB", "client core busy", "RSS MiB idle / load"];
    } else {
      const wrkArgs = load.wrk.map((a) => (a.startsWith(ROOT) ? relative(ROOT, a) : /\s/.test(a) ? `"${a}"` : a)).join(" ");
      const shim = load.noResume ? " (wrk with bench/wrk-no-resume.c preloaded)" : "";
      lines.push(`### \`${wrkArgs}\`${shim} — ${nRounds} round(s) of ${meta.duration} s per system, interleaved`);
      const per = load.per === "handshake" ? ["handshakes/s median (min–max)", "server CPU µs/handshake"] : ["req/s median (min–max)", "server CPU µs/req"];
      head = ["system", per[0], "p50", "p99", per[1], "RSS MiB idle / load"];
    }
    head.push(...base.map((b) => (load.kind === "idle" || load.kind === "startup" ? `÷ ${SYSTEMS[b].short}` : `× ${SYSTEMS[b].short}`)));
    lines.push("");
    lines.push(`| ${head.join(" | ")} |`);
    lines.push(`| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`);
    for (const key of scenario.systems) {
      const r = rows[key];
      if (!r) continue;
      const label = `${SYSTEMS[key].label}${r.errors ? ` (**${r.errors} errors**)` : ""}`;
      const cells =
        load.kind === "idle"
          ? [
              label,
              fmtMiB(r.rssBeforeKiB),
              fmtMiB(r.rssLoadKiB),
              Number.isFinite(r.perConnKiB) ? r.perConnKiB.toFixed(1) : "–",
              `${fmtInt(r.still)} of ${fmtInt(r.opened + r.failed)}`,
              fmtMs(r.openMs),
              fmtInt(r.cpuSeconds * 1000),
            ]
          : load.kind === "startup"
          ? [label, r.rounds > 1 ? `${r.ms.toFixed(0)} (${r.msMin.toFixed(0)}–${r.msMax.toFixed(0)})` : r.ms.toFixed(0), fmtMiB(r.rssLoadKiB)]
          : load.kind === "curl"
          ? [
              label,
              r.rounds > 1 ? `${fmtInt(r.mbps)} (${fmtInt(r.mbpsMin)}–${fmtInt(r.mbpsMax)})` : fmtInt(r.mbps),
              r.cpuTicks < 20 ? `${fmtInt(r.cpuMsPerGB)} †` : fmtInt(r.cpuMsPerGB),
              `${r.clientBusyPct.toFixed(0)}%`,
              `${fmtMiB(idleRss[key])} / ${fmtMiB(r.rssLoadKiB)}`,
            ]
          : [
              label,
              r.rounds > 1 ? `${fmtInt(r.rps)} (${fmtInt(r.rpsMin)}–${fmtInt(r.rpsMax)})` : fmtInt(r.rps),
              fmtMs(r.p50),
              fmtMs(r.p99),
              r.cpuShare < BUSY_ENOUGH ? `${r.cpuUsPerRequest.toFixed(0)} †` : r.cpuUsPerRequest.toFixed(1),
              `${fmtMiB(idleRss[key])} / ${fmtMiB(r.rssLoadKiB)}`,
            ];
      cells.push(...base.map((b) => (b === key ? "1.00×" : rows[b] ? fmtRatio(r[metric] / rows[b][metric]) : "–")));
      lines.push(`| ${cells.join(" | ")} |`);
    }
    lines.push("");
    const notes = targetNotes(scenario, load, rows, raw);
    if (load.kind === "idle" || load.kind === "startup") {
      notes.push(
        load.kind === "idle"
          ? "Lower is better; the ÷ columns are this row's RSS with the connections divided by that system's."
          : "Lower is better; the ÷ columns are this row's median time divided by that system's.",
      );
      for (const n of notes) lines.push(`- ${n}`);
      lines.push("");
      continue;
    }
    if (rows.ours && rows["node-http"]) {
      const p = pairedRatio(raw[load.name], "ours", "node-http");
      if (p && p.n > 1) {
        notes.push(
          `Round by round, ours/node:http requests/s: median ${fmtRatio(p.median)} ` +
            `(${fmtRatio(p.min)}–${fmtRatio(p.max)} over ${p.n} rounds).`,
        );
      }
    }
    if (rows.ours && rows["ours-quiet"]) {
      const cost = rows.ours.cpuUsPerRequest - rows["ours-quiet"].cpuUsPerRequest;
      notes.push(
        (cost > 0
          ? `Logging costs ${cost.toFixed(1)} µs of server CPU per request; `
          : `Logging's CPU cost is below this run's noise (${cost.toFixed(1)} µs/request); `) +
          `turning log_message off gives ${fmtRatio(rows["ours-quiet"].rps / rows.ours.rps)} the requests/s.`,
      );
    }
    if (rows["ours-quiet"] && rows["node-http"]) {
      notes.push(
        `ours (log_message off) serves ${fmtRatio(rows["ours-quiet"].rps / rows["node-http"].rps)} node:http's requests/s.`,
      );
    }
    if (load.kind === "curl") {
      if (Object.values(rows).some((r) => r.cpuTicks < 20)) {
        notes.push(
          `† Fewer than 20 clock ticks (1/${CLK_TCK} s each) of server CPU over all rounds: a rough figure.`,
        );
      }
    } else if (Object.values(rows).some((r) => r.cpuShare < BUSY_ENOUGH)) {
      notes.push(
        `† The server used under ${100 * BUSY_ENOUGH}% of a core: its CPU time is a few clock ticks ` +
          `(1/${CLK_TCK} s each), which a virtual machine charges loosely, so this CPU µs/req is a rough figure.`,
      );
    }
    if (metric === "rps") {
      const busy = Object.entries(rows).filter(([, r]) => r.clientBusyPct >= 95).map(([k]) => SYSTEMS[k].short);
      if (busy.length) {
        notes.push(
          `Core 1 (wrk's) was at least 95% busy (median over the rounds) against ${busy.join(", ")}: there the client ` +
            "(or another process on its core), not the server, may have set the pace, so compare those rows by server CPU " +
            "per request rather than by requests/s.",
        );
      }
    }
    const all = Object.values(rows);
    const lo = metric === "mbps" ? "mbpsMin" : "rpsMin";
    const hi = metric === "mbps" ? "mbpsMax" : "rpsMax";
    const spread = all.map((r) => (r[hi] - r[lo]) / r[metric]).filter(Number.isFinite);
    const repeats = all.reduce((a, r) => a + r.retried, 0);
    notes.push(
      `Noise: ${nRounds > 1 ? `the widest min–max spread of a row is ${(100 * Math.max(...spread)).toFixed(0)}% of its median; ` : ""}` +
        `other processes of this machine used at most ${Math.max(...all.map((r) => r.foreignPctMax)).toFixed(0)}% ` +
        `of core 0 during a kept run` +
        (repeats ? `, and ${repeats} kept run(s) replace runs where they used more than ${NOISY_PCT}%` : "") +
        `. The rest of the variation comes from the shared host.`,
    );
    for (const n of notes) lines.push(`- ${n}`);
    if (notes.length) lines.push("");
  }
  const counted = Object.entries(sessions).filter(([k]) => scenario.systems.includes(k));
  if (counted.length) {
    lines.push(
      "TLS sessions each server counted over the whole scenario (checks, warm-up and every run): " +
        counted.map(([k, c]) => `${SYSTEMS[k].short} ${fmtInt(c.handshakes)} handshakes, ${fmtInt(c.resumed)} resumed`).join("; ") +
        ".",
    );
    lines.push("");
  }
  lines.push(`<!-- /scenario:${scenario.name} -->`);
  return lines.join("\n");
}

const FILE_HEAD = `# Benchmark results

Generated by \`node bench/run.mjs\` (\`npm run bench\`); see [README.md](README.md)
for what each figure means. Each scenario section below is rewritten when that
scenario is run again, with its chart in [charts/](charts/); the others (and
sections written by other scripts, such as \`soak\`) are kept.

Method: every server runs pinned to core 0 and \`wrk -t1\` (or, for the
100 MB file, \`curl\`) to core 1, all systems of a scenario in the same run
with their rounds interleaved, and we report the median requests/s (MB/s) with
min–max, the median p50/p99 latency, the server's CPU time per request (per GB)
(utime+stime from /proc) and its resident memory. The machine is shared, so
compare the ratios and CPU per request between rows of one table, not absolute
numbers between runs.
`;

/** Writes (or replaces) this scenario's section, keeping every other section. */
function writeResults(file, scenario, section) {
  let sections = [];
  if (existsSync(file)) {
    const text = readFileSync(file, "utf8");
    const re = /<!-- scenario:([\w-]+) -->[\s\S]*?<!-- \/scenario:\1 -->/g;
    sections = [...text.matchAll(re)].map((m) => ({ name: m[1], text: m[0] }));
  }
  const i = sections.findIndex((s) => s.name === scenario.name);
  if (i >= 0) sections[i] = { name: scenario.name, text: section };
  else sections.push({ name: scenario.name, text: section });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${FILE_HEAD}\n${sections.map((s) => s.text).join("\n\n")}\n`);
}

// ---- charts -----------------------------------------------------------------

const escapeXml = (t) => String(t).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/**
 * One SVG chart for a scenario's first load: a horizontal bar per system
 * (median requests/s, MB/s, ms or MiB) with a min–max whisker when there
 * were several rounds; our rows in a darker colour. No dependencies: plain SVG text.
 */
function chartSvg(scenario, load, rows, meta) {
  const metric = metricOf(load);
  const keys = scenario.systems.filter((k) => rows[k] && Number.isFinite(rows[k][metric]));
  const unit = { rps: load.per === "handshake" ? "handshakes/s" : "requests/s", mbps: "MB/s", ms: "ms to first answer", rssLoadKiB: "MiB RSS with the connections" }[metric];
  const better = metric === "ms" || metric === "rssLoadKiB" ? "lower is better" : "higher is better";
  const value = (r) => (metric === "rssLoadKiB" ? r.rssLoadKiB / 1024 : r[metric]);
  const lo = (r) => ({ rps: r.rpsMin, mbps: r.mbpsMin, ms: r.msMin })[metric];
  const hi = (r) => ({ rps: r.rpsMax, mbps: r.mbpsMax, ms: r.msMax })[metric];
  const max = Math.max(...keys.map((k) => Math.max(value(rows[k]), hi(rows[k]) ?? 0)), 1e-9);
  const labelW = 150;
  const barW = 420;
  const rowH = 26;
  const top = 48;
  const width = labelW + barW + 120;
  const height = top + keys.length * rowH + 30;
  const x = (v) => labelW + (barW * v) / max;
  const fmt = (v) => (metric === "rssLoadKiB" ? v.toFixed(1) : metric === "ms" ? v.toFixed(0) : fmtInt(v));
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(`<text x="10" y="18" font-size="14" font-weight="bold">${escapeXml(`${scenario.name}: ${scenario.title}`)}</text>`);
  out.push(
    `<text x="10" y="36" fill="#555">${escapeXml(`median ${unit} (${better}), whiskers min–max over ${Math.max(...keys.map((k) => rows[k].rounds))} round(s); ${meta.date}${meta.smoke ? ", SMOKE RUN" : ""}`)}</text>`,
  );
  keys.forEach((k, i) => {
    const r = rows[k];
    const y = top + i * rowH;
    const ours = OURS.includes(k) || k.startsWith("ours");
    out.push(`<text x="${labelW - 8}" y="${y + 16}" text-anchor="end"><title>${escapeXml(SYSTEMS[k].label.replace(/`/g, ""))}</title>${escapeXml(SYSTEMS[k].short)}</text>`);
    out.push(`<rect x="${labelW}" y="${y + 4}" width="${Math.max(1, x(value(r)) - labelW).toFixed(1)}" height="${rowH - 8}" fill="${ours ? "#2b6cb0" : "#a0aec0"}"/>`);
    if (r.rounds > 1 && lo(r) !== undefined) {
      const cy = y + rowH / 2;
      out.push(`<path d="M${x(lo(r)).toFixed(1)} ${cy}H${x(hi(r)).toFixed(1)}M${x(lo(r)).toFixed(1)} ${cy - 5}V${cy + 5}M${x(hi(r)).toFixed(1)} ${cy - 5}V${cy + 5}" stroke="#1a202c" fill="none"/>`);
    }
    out.push(`<text x="${(Math.max(x(value(r)), hi(r) !== undefined && r.rounds > 1 ? x(hi(r)) : 0) + 6).toFixed(1)}" y="${y + 16}">${fmt(value(r))}</text>`);
  });
  out.push(`<line x1="${labelW}" y1="${top}" x2="${labelW}" y2="${top + keys.length * rowH}" stroke="#1a202c"/>`);
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

/** Writes the scenario's chart next to the report (`charts/<scenario>.svg`) and returns its path relative to the report. */
function writeChart(reportFile, scenario, results, meta) {
  const load = scenario.loads[0];
  const rows = results[load.name];
  if (!rows || Object.keys(rows).length === 0) return null;
  const dir = join(dirname(reportFile), "charts");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${scenario.name}.svg`);
  writeFileSync(file, chartSvg(scenario, load, rows, meta));
  return relative(dirname(reportFile), file);
}

// ---- the run ----------------------------------------------------------------

function machine(smoke) {
  const version = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    } catch (e) {
      return String(e.stdout ?? "").trim() || String(e.stderr ?? "").trim() || "unknown";
    }
  };
  const wrkLine = version("wrk", ["--version"]).split("\n")[0];
  const npmVersion = (name) => {
    try {
      return JSON.parse(readFileSync(join(BENCH_MODULES, name, "package.json"), "utf8")).version;
    } catch {
      return "not installed";
    }
  };
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    nproc: Number(version("nproc", [])) || cpus().length,
    cpuModel: cpus()[0]?.model?.trim() ?? "unknown CPU",
    kernel: release(),
    node: process.version,
    python: version("python3", ["--version"]),
    wrk: `wrk ${/wrk (\S+)/.exec(wrkLine)?.[1] ?? "unknown"}`,
    nginx: /nginx\/\S+/.exec(spawnSync("nginx", ["-v"], { encoding: "utf8" }).stderr ?? "")?.[0] ?? "nginx unknown",
    curl: `curl ${/^curl (\S+)/.exec(version("curl", ["--version"]))?.[1] ?? "unknown"}`,
    npmPeers: `http-server ${npmVersion("http-server")}, serve ${npmVersion("serve")}, sirv-cli ${npmVersion("sirv-cli")}`,
    // What was measured: dist/ is built from the work tree, which may differ from HEAD.
    commit:
      version("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]) +
      (version("git", ["-C", ROOT, "status", "--porcelain", "--", "src"]) ? " + uncommitted src/ changes" : ""),
    smoke,
  };
}

/** How many rounds a load gets: --rounds, else its `minRounds` or 3; --smoke: 1. */
function roundsOf(load, opts) {
  if (load.rounds !== "all") return opts.smoke ? 1 : load.rounds;
  return opts.rounds ?? load.minRounds ?? 3;
}

async function runScenario(scenario, opts) {
  const duration = opts.duration ?? scenario.duration ?? 10;
  const skipped = {};
  for (const key of scenario.systems) {
    if (opts.missing?.has(key)) skipped[key] = `not installed (bench/node_modules/${npmModule(key)}): run \`bash bench/setup.sh\`.`;
  }
  const wanted = scenario.systems.filter((s) => (!opts.only || opts.only.includes(s)) && !skipped[s]);
  // A smoke run opens 1,000 idle connections, not 10,000: it checks the path, not the figure.
  const plan = scenario.loads.map((l) => ({ ...l, n: roundsOf(l, opts), ...(l.connections && opts.smoke ? { connections: 1000 } : {}) }));
  if (scenario.kind === "startup") return runStartup(scenario, plan[0], wanted, skipped);
  // A curl round of 3 × 100 MB takes 0.2–1 s here; the check and warm-up fetch the file 3 more times.
  const runSeconds = (l) => (l.kind === "curl" ? 0.7 : l.kind === "idle" ? 12 : duration + 0.5);
  const warmup = plan[0].kind === "curl" ? 1.5 : plan[0].kind === "idle" ? 0 : WARMUP_SECONDS;
  const estimate = wanted.length * (warmup + plan.reduce((a, l) => a + l.n * runSeconds(l), 0));
  const worst =
    estimate +
    (opts.smoke ? 0 : plan.reduce((a, l) => a + (l.kind === "curl" ? 2 * wanted.length : MAX_RETRIES) * runSeconds(l), 0));
  log(`scenario ${scenario.name}: ${wanted.join(", ")}; about ${Math.ceil(estimate)} s (at most ${Math.ceil(worst)} s with retries)`);

  const fixture = scenario.fixture ? ensureFixture(FIXTURE) : null;
  if (scenario.tls) ensureCert(TLS_DIR);
  if (plan.some((l) => l.noResume)) ensureNoResumeShim();
  const expect = typeof scenario.expect === "function" ? scenario.expect(fixture) : scenario.expect;
  const servers = {};
  const idleRss = {};
  const raw = {};
  if (scenario.kind === "idle") raiseFileLimit(plan[0].connections);
  try {
    for (const key of wanted) {
      try {
        servers[key] = await startServer(key, scenario);
      } catch (err) {
        if (!SYSTEMS[key].optional) throw err;
        skipped[key] = `did not start (${err.message.replace(/^\S+ /, "")}), so it is left out of this run.`;
        log(`  ${key}: left out: ${err.message}`);
        continue;
      }
      await checkServer(servers[key], scenario, expect);
    }
    const systems = wanted.filter((k) => servers[k]);
    // Idle RSS after the check requests, before any load.
    for (const key of systems) idleRss[key] = rssKiB(servers[key].pid);
    // A smoke run checks that servers answer and take load; it skips the warm-up.
    for (const key of plan[0].kind === "idle" || opts.smoke ? [] : systems) {
      log(`  warm-up ${key}${plan[0].kind === "curl" ? " (one download)" : ` (${WARMUP_SECONDS} s)`}`);
      const url = urlOf(servers[key], scenario);
      if (plan[0].kind === "curl") await runCurl(url, 1);
      else await runWrk([...plan[0].wrk, `-d${WARMUP_SECONDS}s`, url], { noResume: plan[0].noResume });
    }
    const retries = {};
    for (const load of plan) {
      raw[load.name] = Object.fromEntries(systems.map((k) => [k, []]));
      retries[load.name] = 0;
      for (let round = 0; round < load.n; round++) {
        // Rotate the order each round so that no system always goes first.
        const order = systems.map((_, i) => systems[(i + round) % systems.length]);
        for (const key of order) {
          if (load.kind === "idle") {
            const r = await measureIdle(servers[key], scenario, load);
            log(
              `  idle ${key.padEnd(15)} ${r.opened} answered, ${r.failed} failed in ${r.openMs} ms; ${r.still} still open after 1 s; ` +
                `RSS ${fmtMiB(r.rssBeforeKiB)} → ${fmtMiB(r.rssLoadKiB)} MiB`,
            );
            raw[load.name][key].push(r);
            continue;
          }
          if (load.kind === "curl") {
            // Rounds are short: a noisy one is measured again, up to
            // MAX_RETRIES times in a row and 2 per system over the load.
            let r = await measureCurl(servers[key], scenario, expect.length, load.downloads ?? 1);
            logRun(load, round, key, r);
            for (let again = 0; r.foreignPct > NOISY_PCT && again < MAX_RETRIES; again++) {
              if (opts.smoke || retries[load.name] >= 2 * systems.length || retryBudget <= 0) break;
              retries[load.name] += 1;
              retryBudget -= 1;
              r = { ...(await measureCurl(servers[key], scenario, expect.length, load.downloads ?? 1)), retried: true };
              logRun(load, round, key, r);
            }
            raw[load.name][key].push(r);
            continue;
          }
          let r = await measure(servers[key], scenario, load, duration);
          logRun(load, round, key, r);
          // Another process took the server's core: measure again, within a budget.
          // Unpinned servers (serverCores) share both cores with wrk: core 0's "other" share means nothing there.
          while (!scenario.serverCores && r.foreignPct > NOISY_PCT && retries[load.name] < (opts.smoke ? 0 : MAX_RETRIES) && retryBudget > 0) {
            retries[load.name] += 1;
            retryBudget -= 1;
            r = { ...(await measure(servers[key], scenario, load, duration)), retried: true };
            logRun(load, round, key, r);
          }
          raw[load.name][key].push(r);
        }
      }
    }
  } finally {
    await Promise.all(Object.values(servers).map((s) => stop(s.child)));
  }
  // What the TLS servers counted over the whole scenario (checks, warm-up, every run).
  const sessions = {};
  for (const [key, s] of Object.entries(servers)) {
    const m = /^TLS sessions: (\d+) handshakes, (\d+) resumed$/m.exec(s.tail);
    if (m) sessions[key] = { handshakes: Number(m[1]), resumed: Number(m[2]) };
  }
  const results = Object.fromEntries(
    Object.entries(raw).map(([load, bySystem]) => [
      load,
      Object.fromEntries(Object.entries(bySystem).map(([k, runs]) => [k, summarise(runs)])),
    ]),
  );
  return { systems: wanted.filter((k) => servers[k]), results, raw, idleRss, skipped, duration, sessions };
}

function logRun(load, round, key, r) {
  const head = `  ${load.name} round ${round + 1}/${load.n} ${key.padEnd(15)}`;
  const tail =
    `core-0 other ${r.foreignPct.toFixed(0)}%` +
    (r.foreignPct > NOISY_PCT ? " (noisy)" : "") +
    (r.retried ? " (retry)" : "") +
    (r.errors ? `  ${r.errors} errors` : "");
  if (r.mbps !== undefined) {
    log(
      `${head} ${fmtInt(r.mbps).padStart(6)} MB/s  ${r.seconds.toFixed(2)} s  server CPU ${(r.cpuSeconds * 1000).toFixed(0)} ms  ` +
        `client core busy ${r.clientBusyPct.toFixed(0)}%  ${tail}`,
    );
    return;
  }
  log(
    `${head} ${fmtInt(r.rps).padStart(8)} req/s  ` +
      `p50 ${fmtMs(r.p50)}  p99 ${fmtMs(r.p99)}  ${r.cpuUsPerRequest.toFixed(1)} µs CPU/req  client core busy ${r.clientBusyPct.toFixed(0)}%  ${tail}`,
  );
}

function log(line) {
  process.stderr.write(`${line}\n`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const names = opts.scenario ? opts.scenario.split(",").filter(Boolean) : null;
  for (const n of names ?? []) if (!SCENARIOS.some((s) => s.name === n)) usage(`no scenario named ${JSON.stringify(n)}`);
  const scenarios = names ? SCENARIOS.filter((s) => names.includes(s.name)) : SCENARIOS;
  if (opts.charts) {
    const report = opts.out ?? join(BENCH_DIR, "RESULTS.md");
    for (const scenario of scenarios) {
      const file = join(BENCH_DIR, "out", `${scenario.name}.json`);
      if (!existsSync(file)) continue;
      const saved = JSON.parse(readFileSync(file, "utf8"));
      const systems = scenario.systems.filter((k) => saved.results[scenario.loads[0].name]?.[k]);
      const chart = writeChart(report, { ...scenario, systems }, saved.results, saved.meta);
      if (chart) log(`wrote ${chart} from ${relative(process.cwd(), file)}`);
    }
    return;
  }
  if (opts.only) for (const k of opts.only) if (!SYSTEMS[k]) usage(`no system named ${JSON.stringify(k)}`);
  if (!existsSync(join(ROOT, "dist", "index.js"))) {
    throw new Error("dist/index.js is missing: run `npx tsc -p tsconfig.json` first");
  }
  const needed = new Set(scenarios.flatMap((s) => s.systems).filter((k) => !opts.only || opts.only.includes(k)));
  const tools = [["wrk", ["--version"]], ["taskset", ["--version"]], ["python3", ["--version"]]];
  if (scenarios.some((s) => s.loads.some((l) => l.kind === "curl"))) tools.push(["curl", ["--version"]]);
  if (needed.has("nginx") || needed.has("nginx-log")) tools.push(["nginx", ["-v"]]);
  if (scenarios.some((s) => s.kind === "idle")) tools.push(["prlimit", ["--version"]]);
  // An npm peer that is not installed is left out with a note (bench/setup.sh installs them all).
  opts.missing = new Set([...needed].filter((key) => SYSTEMS[key].npm && !existsSync(join(BENCH_MODULES, npmModule(key), "package.json"))));
  for (const key of opts.missing) log(`${key}: ${join(BENCH_MODULES, npmModule(key))} is missing (bash bench/setup.sh); left out`);
  for (const [tool, args] of tools) {
    try {
      execFileSync(tool, args, { stdio: "ignore" });
    } catch (e) {
      // wrk --version exits 1 after printing its banner; only a missing binary is fatal.
      if (e.code === "ENOENT") throw new Error(`${tool} not found: run \`bash bench/setup.sh\` first`);
    }
  }
  if (cpus().length < 2) throw new Error("needs two cores: servers on core 0, wrk on core 1");
  // Read the machine before pinning: nproc counts the cores this process may use.
  const meta = machine(opts.smoke);
  // Keep this runner (its RSS sampler, its timers) off the server's core.
  execFileSync("taskset", ["-a", "-p", "-c", LOAD_CORE, String(process.pid)], { stdio: "ignore" });
  // A smoke run must not overwrite the committed figures.
  const out = opts.out ?? (opts.smoke ? join(BENCH_DIR, "out", "RESULTS.smoke.md") : join(BENCH_DIR, "RESULTS.md"));
  const runStarted = Date.now();
  for (const scenario of scenarios) {
    if (!scenario.systems.some((k) => !opts.only || opts.only.includes(k))) {
      log(`scenario ${scenario.name}: none of --only's systems; skipped`);
      continue;
    }
    const started = Date.now();
    const { systems, results, raw, idleRss, skipped, duration, sessions } = await runScenario(scenario, opts);
    const shown = { ...scenario, systems, baselines: scenario.baselines.filter((b) => systems.includes(b)) };
    const when = { ...meta, date: new Date(started).toISOString().replace(/\.\d+Z$/, "Z"), duration };
    when.seconds = Math.round((Date.now() - started) / 1000);
    when.chart = writeChart(out, shown, results, when);
    writeResults(out, shown, scenarioMarkdown(shown, when, results, idleRss, raw, skipped, sessions));
    mkdirSync(join(BENCH_DIR, "out"), { recursive: true });
    writeFileSync(
      join(BENCH_DIR, "out", `${scenario.name}${opts.smoke ? ".smoke" : ""}.json`),
      JSON.stringify({ meta: when, scenario: scenario.name, idleRss, skipped, sessions, results, raw }, null, 2),
    );
    log(`wrote ${relative(process.cwd(), out)} (scenario ${scenario.name}, ${when.seconds} s)`);
  }
  log(`done in ${((Date.now() - runStarted) / 60_000).toFixed(1)} min`);
}

main().catch((err) => {
  log(`run.mjs: ${err.stack ?? err}`);
  stopAllSync();
  process.exit(1);
});
