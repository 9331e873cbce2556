/**
 * Process-wide cache counters (hits, misses, store faults …) that metrics and tests can read with
 * `cacheStats()`. Plain numbers, bumped on the request path; a snapshot is a copy, so readers never see
 * a counter move under them.
 */

export const CACHE_COUNTERS = [
  'hit',
  'miss',
  'bypass',
  'semanticHit',
  'shadowHit',
  'dedupeFollower',
  'stored',
  'notStored',
  'getError',
  'setError',
  'timeout',
  'corrupt',
  'circuitOpen',
  'connectionError',
  'embedError',
] as const;

export type CacheCounter = (typeof CACHE_COUNTERS)[number];
export type CacheStatsSnapshot = Readonly<Record<CacheCounter, number>>;

const counters = Object.fromEntries(CACHE_COUNTERS.map((c) => [c, 0])) as Record<CacheCounter, number>;

export function countCache(counter: CacheCounter, n = 1): void {
  counters[counter] += n;
}

/** A copy of every counter since the process started. */
export function cacheStats(): CacheStatsSnapshot {
  return { ...counters };
}
