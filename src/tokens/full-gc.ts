/**
 * A full, compacting garbage collection on demand, for tests that check what a full GC frees (e.g. that a
 * finished upstream call keeps nothing of its caller alive). It served the token-estimate worker until
 * estimates moved to the gateway's thread (BENCHMARKS.md, issue 14 item 3, round 9).
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
