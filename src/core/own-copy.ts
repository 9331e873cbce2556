/**
 * A copy of an object's own members in a fresh object literal, for a body the caller then adds members to
 * (a rendered request or answer laid over the client's or provider's unmodelled fields). Not `{ ...source }`:
 * on Node 20's V8 an object cloned by a leading spread gets a map outside the transition tree, so every member
 * added to it afterwards builds a new map — 0.5–1 µs each, several µs for a rendered body (BENCHMARKS.md, CPU
 * per request, issue 14 round 8). Same members in the same order as the spread; a `__proto__` member (JSON
 * can carry one) stays an own data member, as the spread keeps it, and never sets the prototype.
 */
export function ownCopy(source: object | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (source === undefined) return out;
  const from = source as Record<string, unknown>;
  for (const k of Object.keys(from)) {
    if (k === '__proto__')
      Object.defineProperty(out, k, { value: from[k], writable: true, enumerable: true, configurable: true });
    else out[k] = from[k];
  }
  return out;
}
