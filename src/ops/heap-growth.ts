/**
 * How far V8 lets the gateway's old generation grow past what survived the last full GC before it
 * collects again (`server.heapGrowthPercent`). V8 picks the factor itself (up to 4× on a machine with
 * memory to spare), tuned for throughput. A gateway is the wrong shape for that: request objects that
 * reach the old generation (~2.2 KB per request) fill it with garbage at several MB/s, and with ~25 MB live
 * V8 lets it grow toward ~100 MB before collecting — RSS that is never needed and is slow to go back to the
 * OS. The default, 100, caps it at ~2× the live size (plus the young generation's size, which V8 adds to
 * every limit): ~30 MB less peak RSS at 64 clients, at no CPU cost the benchmark could resolve, because
 * a full GC of a ~25 MB heap is mostly concurrent and now comes every few thousand requests. Smaller
 * factors keep it nearer its live size at a measurable cost (30: 7–33% more CPU per request on a quiet
 * machine); 0 gives the choice back to V8. BENCHMARKS.md (issue 14, Memory, round 8) has the measurements.
 * The flag is process-wide (an application embedding Penny gets it too) and read by V8 each time it sets
 * the next limit, so it applies from the next GC on.
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
