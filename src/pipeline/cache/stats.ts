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
  /** Semantic hits on an entry another instance stored (replicated here). */
  'semanticRemoteHit',
  /** The shared semantic log could not be appended to or read (also counted in fleetError). */
  'replicationError',
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

/**
 * The semantic replica's state, process-wide like the counters: when it last read the shared log
 * successfully, and how old the newest entry it read was then (append → indexed here). Null until the
 * first read (or when this process shares nothing).
 */
export interface ReplicationState {
  lastSyncAt: number | null;
  lagMs: number | null;
}
const replication: ReplicationState = { lastSyncAt: null, lagMs: null };

export function noteReplicationSync(at: number, lagMs: number | undefined): void {
  replication.lastSyncAt = at;
  if (lagMs !== undefined) replication.lagMs = Math.max(0, lagMs);
}

export function replicationState(): ReplicationState {
  return { ...replication };
}
