// bench/lib/config.mjs: paths and fixed settings of the benchmark runner, and its progress log.
// Part of bench/run.mjs (see there and bench/README.md), split along its section headings.

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT = dirname(BENCH_DIR);
export const SERVERS = join(BENCH_DIR, "servers");
export const OUT = join(BENCH_DIR, "out");
export const FIXTURE = join(OUT, "fixture");
export const NGINX_DIR = join(OUT, "nginx");
// The TLS scenarios' certificate and key (made once by bench/tls-cert.mjs), and
// the LD_PRELOAD shim that stops wrk from resuming TLS sessions (bench/wrk-no-resume.c).
export const TLS_DIR = join(OUT, "tls");
export const TLS_CERT = join(TLS_DIR, "cert.pem");
export const TLS_KEY = join(TLS_DIR, "key.pem");
export const NO_RESUME_SO = join(TLS_DIR, "wrk-no-resume.so");
// BENCH_NODE_MODULES: another install of bench/package.json (e.g. `npm install --prefix DIR`).
export const BENCH_MODULES = process.env.BENCH_NODE_MODULES ?? join(BENCH_DIR, "node_modules");
export const SERVER_CORE = "0";
export const LOAD_CORE = "1";
export const WARMUP_SECONDS = 1;
export const RSS_SAMPLE_MS = 250;
export const READY_TIMEOUT_MS = 15_000;
// An optional system (our CLI, while it is being written) that has not printed
// its start-up line by then is left out of the run, with a note.
export const OPTIONAL_READY_TIMEOUT_MS = 5_000;
export const STOP_TIMEOUT_MS = 5_000;
// A measured run during which other processes took more than NOISY_PCT of the
// server's core is run again, at most MAX_RETRIES times per load: enough to
// ride out a neighbour's test suite, bounded so a busy machine cannot stretch
// `npm run bench` far past its ~4 minutes.
export const NOISY_PCT = 10;
// Below this share of a core, CPU µs/request rests on too few clock ticks to trust.
export const BUSY_ENOUGH = 0.2;
export const MAX_RETRIES = 3;

/** One progress line on stderr. */
export function log(line) {
  process.stderr.write(`${line}\n`);
}
