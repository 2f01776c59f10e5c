// bench/lib/loop-delay.mjs: preloaded into a server (`node --import THIS ...`)
// to measure how long its event loop is held up, a figure that depends much
// less on other processes' load than a client's wall-clock latency does.
//
// Records `perf_hooks.monitorEventLoopDelay({ resolution: 1 })`: the delay of
// a 1 ms timer, i.e. the longest synchronous stretch the loop ran (plus up to
// 1 ms, plus any time the process was not scheduled). SIGUSR2 starts the
// recording afresh (after start-up and warm-up); at exit the figures go, as
// one JSON line, to the file named by $LOOP_DELAY_OUT:
// { maxMs, p99Ms, p50Ms, meanMs, samples }.
import { writeFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";

const out = process.env.LOOP_DELAY_OUT;
let histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
process.on("SIGUSR2", () => {
  histogram.disable();
  histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
});
process.on("exit", () => {
  histogram.disable();
  const ms = (ns) => +(ns / 1e6).toFixed(2);
  const figures = {
    maxMs: ms(histogram.max),
    p99Ms: ms(histogram.percentile(99)),
    p50Ms: ms(histogram.percentile(50)),
    meanMs: ms(histogram.mean),
    samples: histogram.count,
  };
  if (out) writeFileSync(out, JSON.stringify(figures) + "\n");
});
