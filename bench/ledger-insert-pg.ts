/**
 * Cost per ledger entry of the PostgreSQL ledger's batched insert (`node --import tsx bench/ledger-insert-pg.ts`,
 * B=<batch size>, default 170 — what a 200 ms flush collects at ~850 req/s): 20,000 entries appended and
 * flushed in batches, three rounds, in a schema of its own (dropped). Prints this process's CPU per entry
 * (encoding, the driver) and the wall time per entry, which is mostly the server's work: the insert with its
 * indexes and the rollup upserts of the same statement. Compare with bench/ledger-insert.ts (SQLite).
 */
import { PostgresLedger } from '../src/ledger/postgres/pg-ledger.js';
import { makeEntry } from '../src/ledger/entry-fixtures.js';
import { newRequestId } from '../src/pipeline/request-id.js';
import pg from 'pg';
const URL = 'postgres://postgres@127.0.0.1:5432/test';
const schema = `penny_scale_ins_${process.pid}`;
const l = await PostgresLedger.open({
  url: URL,
  schema,
  spillDir: `/tmp/${schema}`,
  flushIntervalMs: 100000,
  batchSize: 100000,
});
const N = 20000,
  B = Number(process.env.B ?? 170);
const feats = Array.from({ length: 20 }, (_, i) => `f${i}`);
for (const round of [1, 2, 3]) {
  const entries = Array.from({ length: N }, (_, i) =>
    makeEntry({
      id: newRequestId(),
      ts: Date.now(),
      feature: feats[i % 20]!,
      user: `u${i % 500}`,
      meta: { promptHash: 'abcdef0123456789abcdef0123456789', cache: { status: 'miss' } },
    }),
  );
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    l.append(entries[i]!);
    if (i % B === B - 1) await l.flush();
  }
  await l.flush();
  const c = process.cpuUsage(c0);
  const wall = performance.now() - t0;
  console.log(
    `round ${round}: node ${((c.user + c.system) / N).toFixed(1)} µs CPU/entry, wall ${((wall * 1000) / N).toFixed(1)} µs/entry (batches of ${B})`,
  );
}
await l.close();
const c = new pg.Client({ connectionString: URL });
await c.connect();
await c.query(`DROP SCHEMA "${schema}" CASCADE`);
await c.end();
