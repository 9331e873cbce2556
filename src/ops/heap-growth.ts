/**
 * How far V8 lets the gateway's old generation grow past what survived the last full GC before it
 * collects again (`server.heapGrowthPercent`). V8 picks the factor itself (up to 4× on a machine with
 * memory to spare), tuned for throughput. A gateway is the wrong shape for that: request objects that
 * reach the old generation (6–8 KB per request before core/in-flight-set.ts, ~2.6 KB since) fill it with
 * garbage at several MB/s, and with ~22 MB live V8 let it grow to ~90 MB before collecting — RSS that is never
 * needed and is slow to go back to the OS. A fixed, small factor keeps the old generation near its live
 * size; the cost is more frequent (incremental, mostly concurrent) mark-compacts of a small heap — measured
 * on a quiet machine at 7–33% more CPU per request for 30%, more than the 5% a default may cost, so the
 * default is 0 (V8's factor) and a small factor is the operator's memory-for-CPU choice.
 * BENCHMARKS.md (issue 14, Memory) has the measurements. The flag is process-wide and read by V8 each
 * time it sets the next limit, so it applies from the next GC on; 0 gives the choice back to V8.
 */
import { setFlagsFromString } from 'node:v8';

let applied = 0;

export function applyHeapGrowth(percent: number): void {
  if (!Number.isInteger(percent) || percent < 0)
    throw new RangeError('heap growth percent: a whole number ≥ 0');
  if (percent === applied) return;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  applied = percent;
}
