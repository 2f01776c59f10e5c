// `npm run fuzz [-- --seconds N] [--seed S]`: the parser's fast-check
// properties (test/fuzz/differential.ts, compiled to build/) for N seconds,
// default 600. The properties take turns in slices of SLICE seconds so each
// gets its share of a long run; the first failure is printed (seed, path and
// the shrunk counterexample) and the run exits 1. At the end it reports cases
// per second and how often each intentional disagreement with llhttp applied.
import fc from "fast-check";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const seconds = opt("seconds", 600);
const seed = opt("seed", Date.now() ^ (Math.random() * 0x7fffffff));
const SLICE = Math.min(20, seconds / 3);

const { PROPERTIES, stats } = await import("../build/test/fuzz/differential.js");

const started = Date.now();
const perProperty = Object.fromEntries(Object.keys(PROPERTIES).map((k) => [k, 0]));
let round = 0;
console.log(`fuzz: ${seconds} s, seed ${seed}`);
while (Date.now() - started < seconds * 1000) {
  for (const [name, property] of Object.entries(PROPERTIES)) {
    const left = seconds * 1000 - (Date.now() - started);
    if (left <= 0) break;
    const before = stats.cases;
    const result = fc.check(property, {
      seed: seed + round,
      numRuns: Number.MAX_SAFE_INTEGER,
      interruptAfterTimeLimit: Math.min(SLICE * 1000, left),
      markInterruptAsFailure: false,
      endOnFailure: false,
    });
    perProperty[name] += stats.cases - before;
    if (result.failed) {
      console.error(`fuzz: property ${name} failed`);
      console.error(fc.defaultReportMessage(result));
      console.error(result.errorInstance);
      process.exit(1);
    }
  }
  round++;
}
const elapsed = (Date.now() - started) / 1000;
console.log(`fuzz: clean after ${elapsed.toFixed(0)} s, ${stats.cases} cases, ${Math.round(stats.cases / elapsed)} cases/s`);
for (const [name, n] of Object.entries(perProperty)) console.log(`  ${name}: ${n} cases`);
console.log(`  differential: both accept ${stats.bothAccept}, both refuse ${stats.bothRefuse}`);
for (const [id, n] of stats.allowed) console.log(`  allowed disagreement ${id}: ${n}`);
