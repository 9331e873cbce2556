/**
 * `penny report` over a large PostgreSQL ledger (`npm run bench:pg-report`). Generates N entries
 * (default 10 M: one month, 50 features, 10k users, 6 models, a quarter with savings, half with cache
 * metadata, 1 % errors) with
 * generate_series in a schema of its own, then times the real `penny report` command against it (the
 * default report: totals, by feature, by model, savings by tactic) a few times, and drops the schema.
 * The entries are generated into a ledger at schema v1 and upgraded by opening it, so the hourly, daily
 * and user rollups (pg-rollup.ts) are built by the migrations' backfill; its time is printed too.
 * BENCH_WRITE=ledger writes the same entries through the ledger's own write path instead (PostgresLedger:
 * COPY batches plus the rollup deltas added up in this process), so the report reads rollups built as a
 * running fleet builds them; the report's output digest must equal the generated-then-upgraded one's.
 * Env: BENCH_PG_URL (default the local `test` database), BENCH_ROWS, BENCH_RUNS, BENCH_KEEP=1 (keep the
 * schema for another run; then BENCH_SCHEMA names it), BENCH_WRITE.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { LedgerEntry } from '../src/core/ledger-entry.js';
import { PostgresLedger } from '../src/ledger/postgres/pg-ledger.js';
import { LEDGER_MIGRATIONS } from '../src/ledger/postgres/pg-schema.js';
import { migrate } from '../src/postgres/migrate.js';

const URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROWS = Number(process.env.BENCH_ROWS ?? 10_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const KEEP = process.env.BENCH_KEEP === '1';
const SCHEMA = process.env.BENCH_SCHEMA ?? `penny_bench_report_${process.pid}`;
const MONTH_START = Date.UTC(2026, 9, 1);
const MONTH_MS = 31 * 86_400_000;
const WRITE_PATH = process.env.BENCH_WRITE === 'ledger';
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'o3'];

/** Entry `g` (1-based) as the SQL generator below makes it, field for field. */
function benchEntry(g: number): LedgerEntry {
  const anthropic = g % 3 === 0;
  const cost = BigInt(1000 + (g % 5000)) * 1_000_000n;
  const saved = g % 4 === 0 ? 500_000_000n : 0n;
  const error = g % 100 === 0;
  return {
    id: `bench_${g}`,
    ts: MONTH_START + Number((BigInt(g) * BigInt(MONTH_MS)) / BigInt(ROWS)),
    feature: `feature_${g % 50}`,
    user: `user_${(g * 7919) % 10000}`,
    keyId: `key_${g % 20}`,
    dialect: anthropic ? 'anthropic' : 'openai',
    provider: anthropic ? 'anthropic' : 'openai',
    requestedModel: MODELS[g % 6]!,
    servedModel: MODELS[Math.floor(g / 7) % 6]!,
    stream: g % 2 === 0,
    simulated: false,
    inputUncached: 500 + (g % 1500),
    cacheRead: (g % 5) * 100,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    outputText: 50 + (g % 400),
    reasoning: 0,
    usageEstimated: false,
    cost,
    baselineCost: cost + saved,
    savings: g % 8 === 0 ? { 'cache.exact': saved } : g % 4 === 0 ? { route: saved } : {},
    flags: [],
    latencyMs: 300 + (g % 900),
    ttftMs: null,
    status: error ? 'error' : 'ok',
    httpStatus: error ? 502 : 200,
    errorClass: error ? 'upstream_error' : null,
    ...(g % 8 === 0
      ? { meta: { cache: { status: 'hit', kind: 'exact' } } }
      : g % 2 === 0
        ? { meta: { cache: { status: 'miss', key: '0123456789abcdef' }, route: { rule: 'short' } } }
        : {}),
  };
}

/** Writes the entries through the ledger's write path, a flush every 20,000 so its buffer stays small. */
async function writeThroughLedger(spillDir: string): Promise<void> {
  const t0 = Date.now();
  const ledger = await PostgresLedger.open({ url: URL, schema: SCHEMA, spillDir, batchSize: 2000 });
  try {
    for (let g = 1; g <= ROWS; g++) {
      ledger.append(benchEntry(g));
      if (g % 20_000 === 0 || g === ROWS) {
        await ledger.flush();
        if (g % 1_000_000 === 0)
          console.log(`  ${g.toLocaleString('en')} written, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      }
    }
  } finally {
    await ledger.close();
  }
  console.log(
    `wrote ${ROWS.toLocaleString('en')} entries through the ledger (COPY + rollup deltas) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
}

const client = new pg.Client({ connectionString: URL });
await client.connect();
const dir = mkdtempSync(join(tmpdir(), 'penny-bench-pg-'));
try {
  const exists = (await client.query('SELECT to_regclass($1) AS t', [`"${SCHEMA}".ledger_entries`])).rows[0]
    ?.t;
  if (!exists && WRITE_PATH) {
    await writeThroughLedger(join(dir, 'spill'));
    await client.query(`VACUUM ANALYZE "${SCHEMA}".ledger_entries`);
  } else if (!exists) {
    // The entries are generated into a v1 ledger (no rollups); opening the ledger afterwards applies the
    // later migrations, whose backfill builds the rollups from them, as on an upgraded installation.
    const pool = new pg.Pool({ connectionString: URL, max: 1 });
    await migrate(pool, SCHEMA, { component: 'ledger', steps: LEDGER_MIGRATIONS.steps.slice(0, 1) });
    await pool.end();
    const t0 = Date.now();
    await client.query(`
      INSERT INTO "${SCHEMA}".ledger_entries (id, ts, feature, user_name, key_id, dialect, provider,
        requested_model, served_model, stream, simulated, input_uncached, cache_read, cache_write_5m,
        cache_write_1h, output_text, reasoning, usage_estimated, cost, baseline_cost, savings_total, savings,
        flags, latency_ms, ttft_ms, status, http_status, error_class, meta)
      SELECT 'bench_' || g,
        ${MONTH_START}::bigint + (g::bigint * ${MONTH_MS}) / ${ROWS},
        'feature_' || (g % 50),
        'user_' || ((g * 7919) % 10000),
        'key_' || (g % 20),
        CASE WHEN g % 3 = 0 THEN 'anthropic' ELSE 'openai' END,
        CASE WHEN g % 3 = 0 THEN 'anthropic' ELSE 'openai' END,
        (ARRAY['gpt-4o','gpt-4o-mini','gpt-4.1','claude-sonnet-4-5','claude-haiku-4-5','o3'])[1 + g % 6],
        (ARRAY['gpt-4o','gpt-4o-mini','gpt-4.1','claude-sonnet-4-5','claude-haiku-4-5','o3'])[1 + (g / 7) % 6],
        g % 2 = 0, false,
        500 + g % 1500, (g % 5) * 100, 0, 0, 50 + g % 400, 0, false,
        (1000 + g % 5000)::bigint * 1000000,
        (1000 + g % 5000)::bigint * 1000000 + CASE WHEN g % 4 = 0 THEN 500000000 ELSE 0 END,
        CASE WHEN g % 4 = 0 THEN 500000000 ELSE 0 END,
        CASE WHEN g % 8 = 0 THEN '{"cache.exact":"500000000"}'::jsonb
             WHEN g % 4 = 0 THEN '{"route":"500000000"}'::jsonb ELSE '{}'::jsonb END,
        '[]'::jsonb, 300 + g % 900, NULL,
        CASE WHEN g % 100 = 0 THEN 'error' ELSE 'ok' END,
        CASE WHEN g % 100 = 0 THEN 502 ELSE 200 END,
        CASE WHEN g % 100 = 0 THEN 'upstream_error' ELSE NULL END,
        CASE WHEN g % 8 = 0 THEN '{"cache":{"status":"hit","kind":"exact"}}'::jsonb
             WHEN g % 2 = 0 THEN '{"cache":{"status":"miss","key":"0123456789abcdef"},"route":{"rule":"short"}}'::jsonb
             ELSE NULL END
      FROM generate_series(1::bigint, ${ROWS}::bigint) AS g`);
    await client.query(`VACUUM ANALYZE "${SCHEMA}".ledger_entries`);
    console.log(
      `generated ${ROWS.toLocaleString('en')} entries in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  // Opening the ledger applies the pending migrations: on a v1 ledger, the backfill of the rollups.
  const t1 = Date.now();
  const ledger = await PostgresLedger.open({ url: URL, schema: SCHEMA, spillDir: join(dir, 'spill') });
  await ledger.close();
  await client.query(`ANALYZE "${SCHEMA}".ledger_rollup`);
  await client.query(`ANALYZE "${SCHEMA}".ledger_rollup_daily`);
  await client.query(`ANALYZE "${SCHEMA}".ledger_rollup_users`);
  const counts = (
    await client.query(
      `SELECT (SELECT COUNT(*) FROM "${SCHEMA}".ledger_rollup) AS h, (SELECT COUNT(*) FROM "${SCHEMA}".ledger_rollup_daily) AS d,
         (SELECT COUNT(*) FROM "${SCHEMA}".ledger_rollup_users) AS u`,
    )
  ).rows[0];
  const fmt = (v: unknown) => Number(v).toLocaleString('en');
  console.log(
    `migrations (rollup backfill when upgrading) in ${((Date.now() - t1) / 1000).toFixed(1)} s; rollup rows: ` +
      `${fmt(counts?.h)} hourly, ${fmt(counts?.d)} daily, ${fmt(counts?.u)} daily by user × key`,
  );
  const size = (
    await client.query(`SELECT pg_size_pretty(pg_total_relation_size($1)) AS s`, [
      `"${SCHEMA}".ledger_entries`,
    ])
  ).rows[0]?.s;
  console.log(`table + indexes: ${size}`);
  const config = join(dir, 'penny.json');
  writeFileSync(
    config,
    JSON.stringify({ ledger: { url: URL, schema: SCHEMA, path: join(dir, 'ledger.db') } }),
  );
  const times: number[] = [];
  let out = '';
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['bin/penny.js', 'report', '--config', config], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r.status !== 0)
      throw new Error(`penny report failed (${r.status} ${r.error}): ${r.stderr}${r.stdout}`);
    out = r.stdout;
  }
  console.log(out.split('\n').slice(0, 8).join('\n'));
  // Same data, same report: the digest must not change when the way it is computed does.
  console.log(`report output sha256 ${createHash('sha256').update(out).digest('hex').slice(0, 16)}`);
  console.log(
    `penny report over ${ROWS.toLocaleString('en')} PostgreSQL entries (whole command, process start included): ` +
      times.map((t) => `${(t / 1000).toFixed(2)} s`).join(', '),
  );
} finally {
  if (!KEEP) await client.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
  await client.end();
  rmSync(dir, { recursive: true, force: true });
}
