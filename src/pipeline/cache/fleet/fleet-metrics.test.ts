import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { cacheStats, countCache, noteReplicationSync } from '../stats.js';
import { registerCacheFleetMetrics } from './fleet-metrics.js';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('the fleet counters are exported at scrape time, split by scope and component', async () => {
  const registry = new Registry();
  registerCacheFleetMetrics(registry);
  const s0 = cacheStats();
  const before = await registry.metrics();
  countCache('dedupeFollower', 3);
  countCache('fleetFollower', 1);
  countCache('fleetFallback', 2);
  countCache('fleetError', 5);
  countCache('replicationError', 2);
  countCache('semanticSynced', 7);
  countCache('semanticRemoteHit', 1);
  noteReplicationSync(Date.now() - 1000, 250);
  const text = await registry.metrics();
  const delta = (series: string) => (sample(text, series) ?? 0) - (sample(before, series) ?? 0);
  assert.equal(delta('penny_cache_dedupe_total{scope="fleet"}'), 1);
  assert.equal(delta('penny_cache_dedupe_total{scope="local"}'), 2);
  assert.equal(delta('penny_cache_fleet_fallbacks_total'), 2);
  assert.equal(delta('penny_cache_fleet_errors_total{component="flight_board"}'), 3);
  assert.equal(delta('penny_cache_fleet_errors_total{component="semantic_log"}'), 2);
  assert.equal(delta('penny_cache_semantic_replicated_total'), 7);
  assert.equal(delta('penny_cache_semantic_remote_hits_total'), 1);
  assert.equal(sample(text, 'penny_cache_replication_lag_seconds{log="semantic"}'), 0.25);
  assert.ok((sample(text, 'penny_cache_replication_sync_age_seconds{log="semantic"}') ?? 0) >= 1);
  assert.equal(cacheStats().semanticRemoteHit, s0.semanticRemoteHit + 1);
});
