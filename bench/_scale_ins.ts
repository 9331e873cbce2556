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
