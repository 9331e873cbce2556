// Penny as built (dist/), default configuration with the SQLite ledger on, pointed at the benchmark upstream.
// A second argument (a postgres:// URL) puts the ledger in PostgreSQL instead, in a schema of its own that is
// dropped on SIGTERM. A third argument "journal" turns the SQLite ledger's journal on; "tactics" turns on the
// tactics of the issue-14 tactics row for every request (the `default` feature): the exact response cache
// (SQLite store beside the ledger, sampled answers allowed so every request is a lookup and a store),
// compression (its lossless transforms) and provider prompt-cache placement (on by default);
// "tactics-cache" and "tactics-compress" turn on only the one of the two (to see what each costs).
// PENNY_BENCH_DIST runs another build (a `dist/` directory, e.g. main's, for bench/memory.ts to compare
// against). PENNY_BENCH_MEMORY_REPORT=<file>: on SIGUSR2 the process writes the main thread's memory
// breakdown there as JSON (bench/memory.ts) — a bench-only hook, no route.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { tacticsConfig } from '../lib/tactics-config.mjs';

// PENNY_BENCH_V8_FLAGS: V8 flags set from inside the process before the gateway loads (what Penny itself
// could do at start-up), for bench/memory.ts variants; NODE_OPTIONS refuses most V8 flags.
if (process.env.PENNY_BENCH_V8_FLAGS) v8.setFlagsFromString(process.env.PENNY_BENCH_V8_FLAGS);
const distUrl = process.env.PENNY_BENCH_DIST
  ? pathToFileURL(`${resolve(process.env.PENNY_BENCH_DIST)}/`).href
  : new URL('../../dist/', import.meta.url).href;
const { startPenny } = await import(new URL('app.js', distUrl).href);
const { createLogger } = await import(new URL('observability/logger.js', distUrl).href);

const dir = mkdtempSync(join(tmpdir(), 'penny-bench-'));
const pgUrl = process.argv[3] || undefined;
const journal = process.env.PENNY_BENCH_JOURNAL === '1' || process.argv[4] === 'journal';
const tactics = /^tactics(-cache|-compress)?$/.test(process.argv[4] ?? '') ? process.argv[4] : undefined;
const schema = `penny_bench_gw_${process.pid}`;
const app = await startPenny({
  object: {
    // PENNY_BENCH_HEAP_GROWTH sets server.heapGrowthPercent (bench/memory.ts compares it with V8's own, 0).
    server: {
      port: 0,
      ...(process.env.PENNY_BENCH_HEAP_GROWTH
        ? { heapGrowthPercent: Number(process.env.PENNY_BENCH_HEAP_GROWTH) }
        : {}),
    },
    ledger: {
      path: join(dir, 'ledger.db'),
      ...(pgUrl ? { url: pgUrl, schema } : {}),
      ...(journal ? { journal: true } : {}),
    },
    ...(tactics ? tacticsConfig(tactics) : {}),
    providers: {
      openai: { type: 'openai', baseUrl: `${process.argv[2]}/v1`, apiKey: 'sk-bench-0123456789abcdefghij' },
    },
  },
  env: {},
  logger: createLogger('warn'),
});
// The ledger file's path after the port, for benchmarks that count its entries afterwards (bench/soak.ts).
process.stdout.write(`READY ${new URL(app.url).port} ${join(dir, 'ledger.db')}\n`);
const report = process.env.PENNY_BENCH_MEMORY_REPORT;
if (report) {
  // Every GC of the main thread since the last report (v8.GCProfiler: heap spaces before and after each):
  // what scavenges promoted into the old generation, what the young generation took in, how many
  // mark-compacts ran. Promotion per request is what sets the old generation's garbage and V8's growth.
  const gcs = new v8.GCProfiler();
  gcs.start();
  const used = (side, name) => side.heapSpaceStatistics.find((x) => x.spaceName === name)?.spaceUsedSize ?? 0;
  const old = (side) => used(side, 'old_space') + used(side, 'large_object_space');
  process.on('SIGUSR2', () => {
    const { statistics } = gcs.stop();
    gcs.start();
    // cost: the GC's own duration as V8 reports it (µs; main-thread pause, wall time — inflated when the
    // machine preempts the gateway, so compare variants within one interleaved run).
    const gc = {
      scavenges: 0,
      markCompacts: 0,
      promoted: 0,
      youngAllocated: 0,
      scavengeUs: 0,
      markCompactUs: 0,
    };
    let youngAfter = null;
    for (const s of statistics) {
      const young = used(s.beforeGC, 'new_space') + used(s.beforeGC, 'new_large_object_space');
      if (youngAfter !== null) gc.youngAllocated += Math.max(0, young - youngAfter);
      youngAfter = used(s.afterGC, 'new_space') + used(s.afterGC, 'new_large_object_space');
      if (s.gcType === 'Scavenge') {
        gc.scavenges += 1;
        gc.scavengeUs += s.cost;
        gc.promoted += Math.max(0, old(s.afterGC) - old(s.beforeGC));
      } else if (s.gcType === 'MarkSweepCompact') {
        gc.markCompacts += 1;
        gc.markCompactUs += s.cost;
      }
    }
    const spaces = {};
    for (const s of v8.getHeapSpaceStatistics()) {
      spaces[s.space_name] = { committed: s.space_size, used: s.space_used_size };
    }
    const heap = v8.getHeapStatistics();
    writeFileSync(
      report,
      JSON.stringify({
        memoryUsage: process.memoryUsage(),
        spaces,
        mallocedMemory: heap.malloced_memory,
        peakMallocedMemory: heap.peak_malloced_memory,
        gc,
      }),
    );
  });
}
process.on(
  'SIGTERM',
  () =>
    void app.close().then(async () => {
      if (pgUrl) {
        const { default: pg } = await import('pg');
        const c = new pg.Client({ connectionString: pgUrl });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await c.end();
      }
      process.exit(0);
    }),
);
