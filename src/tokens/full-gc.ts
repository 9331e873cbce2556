/**
 * A full, compacting garbage collection on demand, for the token-estimate worker (estimate-worker.ts).
 * Building a BPE rank table leaves its data file (3.6 MB for o200k_base, outside the heap until a GC frees
 * it) as garbage in the worker. The worker then
 * allocates almost nothing, so V8 never has a reason to collect it and the pages stay resident for as long
 * as the worker lives. Collecting once after a load returns them (BENCHMARKS.md, issue 14, Memory).
 *
 * Node offers no `gc()` without the `--expose-gc` start-up flag. V8 installs `gc` in each context created
 * while that flag is set, so the flag is set just long enough to create one context and take its `gc`,
 * then cleared again: no other context (and no user code) ever sees it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

function obtain(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const fn: unknown = runInNewContext('gc');
    return typeof fn === 'function' ? (fn as () => void) : null;
  } catch {
    return null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/** Runs a full GC of this thread's heap; false when the runtime does not allow it. */
export function fullGc(): boolean {
  if (gc === undefined) gc = obtain();
  if (gc === null) return false;
  gc();
  return true;
}
