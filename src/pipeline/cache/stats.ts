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
  /** Answered by another instance's call (Redis flight board). */
  'fleetFollower',
  /** Waited for another instance that failed or died, then called upstream itself. */
  'fleetFallback',
  /** The flight board or the semantic log could not be reached (served as if alone). */
  'fleetError',
  /** Semantic entries read from other instances. */
  'semanticSynced',
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
