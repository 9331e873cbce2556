/**
 * The cache fleet's counters in `/metrics`: in-flight de-duplication (local and across instances), the
 * fallbacks after a failed or dead leader, faults of the shared flight board and semantic log, semantic
 * entries replicated from other instances and the hits they served, and the replica's lag. They read the
 * process-wide counters of stats.ts at scrape time (nothing is added to the request path); several
 * gateways in one process (tests) therefore report the same process totals.
 */
import { Counter, Gauge, type Registry } from '../../../metrics/prom.js';
import { cacheStats, replicationState } from '../stats.js';

export function registerCacheFleetMetrics(registry: Registry): void {
  const registers = [registry];
  new Counter({
    name: 'penny_cache_dedupe_total',
    help: 'Requests answered by an identical in-flight request’s upstream call: on this instance (local) or on another one (fleet).',
    labelNames: ['scope'],
    registers,
    collect() {
      const s = cacheStats();
      this.reset();
      this.inc({ scope: 'local' }, Math.max(0, s.dedupeFollower - s.fleetFollower));
      this.inc({ scope: 'fleet' }, s.fleetFollower);
    },
  });
  new Counter({
    name: 'penny_cache_fleet_fallbacks_total',
    help: 'Requests that waited for another instance’s call which failed or died, then called upstream themselves.',
    registers,
    collect() {
      this.reset();
      this.inc(cacheStats().fleetFallback);
    },
  });
  new Counter({
    name: 'penny_cache_fleet_errors_total',
    help: 'Faults of the shared cache state (requests served as if by one instance): the flight board or the semantic log.',
    labelNames: ['component'],
    registers,
    collect() {
      const s = cacheStats();
      this.reset();
      this.inc({ component: 'flight_board' }, Math.max(0, s.fleetError - s.replicationError));
      this.inc({ component: 'semantic_log' }, s.replicationError);
    },
  });
  new Counter({
    name: 'penny_cache_semantic_replicated_total',
    help: 'Semantic cache entries stored by other instances and indexed here.',
    registers,
    collect() {
      this.reset();
      this.inc(cacheStats().semanticSynced);
    },
  });
  new Counter({
    name: 'penny_cache_semantic_remote_hits_total',
    help: 'Semantic cache hits on an entry another instance stored.',
    registers,
    collect() {
      this.reset();
      this.inc(cacheStats().semanticRemoteHit);
    },
  });
  new Gauge({
    name: 'penny_cache_replication_lag_seconds',
    help: 'Age of the newest shared entry when this instance last read it (append on another instance → indexed here).',
    labelNames: ['log'],
    registers,
    collect() {
      this.reset();
      const r = replicationState();
      if (r.lagMs !== null) this.set({ log: 'semantic' }, r.lagMs / 1000);
    },
  });
  new Gauge({
    name: 'penny_cache_replication_sync_age_seconds',
    help: 'Seconds since this instance last read the shared semantic log successfully (grows while it is unreachable).',
    labelNames: ['log'],
    registers,
    collect() {
      this.reset();
      const r = replicationState();
      if (r.lastSyncAt !== null) this.set({ log: 'semantic' }, Math.max(0, Date.now() - r.lastSyncAt) / 1000);
    },
  });
}
