import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import pg from 'pg';
import {
  dropSchema,
  requirePostgres,
  sql,
  TEST_DATABASE_URL,
  uniqueSchema,
} from '../../postgres/test-support.js';
import { makeEntry } from '../entry-fixtures.js';
import { ledgerContract, mixedDataset } from '../ledger.contract.js';
import { migrate } from '../../postgres/migrate.js';
import { createPool } from '../../postgres/pool.js';
import type { LedgerError } from '../ledger-error.js';
import { PostgresLedger, type PostgresLedgerOptions } from './pg-ledger.js';
import { entryToValues, insertSql, toColumnArrays } from './pg-row-codec.js';
import { rollupInsertSql } from './pg-rollup.js';
import { LEDGER_MIGRATIONS } from './pg-schema.js';

const skip = await requirePostgres('pg-ledger.test');

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'penny-pg-spill-'));
}

if (!skip) {
  ledgerContract('PostgresLedger', async () => {
    const schema = uniqueSchema();
    const spillDir = tempDir();
    const errors: unknown[] = [];
    const opened: PostgresLedger[] = [];
    const open = async () => {
      const l = await PostgresLedger.open({
        url: TEST_DATABASE_URL,
        schema,
        spillDir,
        onError: (e) => errors.push(e),
      });
      opened.push(l);
      return l;
    };
    return {
      ledger: await open(),
      reopen: open,
      cleanup: async () => {
        for (const l of opened) await l.close();
        await dropSchema(schema);
        fs.rmSync(spillDir, { recursive: true, force: true });
        assert.deepEqual(errors, [], 'the contract run must not report ledger errors');
      },
    };
  });
}

/** A port nothing listens on: connecting to it is refused at once, like a PostgreSQL that is down. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
}

async function setup(opts: Partial<PostgresLedgerOptions> = {}) {
  const schema = uniqueSchema();
  const spillDir = tempDir();
  const errors: unknown[] = [];
  const ledger = await PostgresLedger.open({
    url: TEST_DATABASE_URL,
    schema,
    spillDir,
    onError: (e) => errors.push(e),
    ...opts,
  });
  const count = async (where = 'TRUE') =>
    Number(
      (await sql<{ n: string }>(`SELECT COUNT(*) AS n FROM "${schema}".ledger_entries WHERE ${where}`))[0]!.n,
    );
  const cleanup = async () => {
    await ledger.close().catch(() => {});
    await dropSchema(schema);
    fs.rmSync(spillDir, { recursive: true, force: true });
  };
  return { schema, spillDir, ledger, errors, count, cleanup };
}

describe('PostgresLedger', { skip }, () => {
  test('migrations are versioned and recorded; the expected indexes exist', async () => {
    const s = await setup();
    try {
      const versions = await sql<{ component: string; version: number }>(
        `SELECT component, version FROM "${s.schema}".penny_migrations ORDER BY version`,
      );
      assert.deepEqual(
        versions.map((v) => [v.component, v.version]),
        LEDGER_MIGRATIONS.steps.map((_, i) => ['ledger', i + 1]),
      );
      const idx = await sql<{ indexname: string }>(
        'SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname',
        [s.schema],
      );
      assert.deepEqual(
        idx.map((r) => r.indexname),
        [
          'ledger_entries_breaker',
          'ledger_entries_feature_ts',
          'ledger_entries_id_key',
          'ledger_entries_model_ts',
          'ledger_entries_pkey',
          'ledger_entries_ts',
          'ledger_entries_user_ts',
          'ledger_rollup_cache_daily_key',
          'ledger_rollup_cache_key',
          'ledger_rollup_daily_key',
          'ledger_rollup_key',
          'ledger_rollup_tactics_daily_key',
          'ledger_rollup_tactics_key',
          'ledger_rollup_users_key',
          'ledger_rollup_users_weekly_key',
          'penny_migrations_pkey',
        ],
      );
    } finally {
      await s.cleanup();
    }
  });

  test('several instances starting at once migrate the schema exactly once', async () => {
    const schema = uniqueSchema();
    const spillDir = tempDir();
    try {
      const ledgers = await Promise.all(
        Array.from({ length: 6 }, () => PostgresLedger.open({ url: TEST_DATABASE_URL, schema, spillDir })),
      );
      const rows = await sql<{ n: string }>(`SELECT COUNT(*) AS n FROM "${schema}".penny_migrations`);
      assert.equal(Number(rows[0]!.n), LEDGER_MIGRATIONS.steps.length);
      // All of them write to the same table.
      ledgers.forEach((l, i) => {
        l.append(makeEntry({ id: `inst-${i}` }));
      });
      await Promise.all(ledgers.map((l) => l.close()));
      const n = await sql<{ n: string }>(`SELECT COUNT(*) AS n FROM "${schema}".ledger_entries`);
      assert.equal(Number(n[0]!.n), 6);
    } finally {
      await dropSchema(schema);
      fs.rmSync(spillDir, { recursive: true, force: true });
    }
  });

  test('refuses a schema written by a newer build', async () => {
    const s = await setup();
    try {
      await sql(`INSERT INTO "${s.schema}".penny_migrations (component, version) VALUES ('ledger', $1)`, [
        LEDGER_MIGRATIONS.steps.length + 1,
      ]);
      await assert.rejects(
        PostgresLedger.open({ url: TEST_DATABASE_URL, schema: s.schema, spillDir: s.spillDir }),
        /newer than this build knows/,
      );
    } finally {
      await s.cleanup();
    }
  });

  test('append does not write synchronously; a batch is one INSERT; a request id is stored once', async () => {
    const s = await setup({ flushIntervalMs: 60_000 });
    try {
      s.ledger.append(makeEntry({ id: 'dup' }));
      s.ledger.append(makeEntry({ id: 'other' }));
      assert.equal(await s.count(), 0, 'nothing reaches the database inside append');
      await s.ledger.flush();
      assert.equal(await s.count(), 2);
      s.ledger.append(makeEntry({ id: 'dup' }));
      await s.ledger.flush();
      assert.equal(await s.count(), 2, 'a retried id is not stored twice');
      assert.equal(s.ledger.stats().written, 3, 'the driver was asked 3 times; the database kept 2');
    } finally {
      await s.cleanup();
    }
  });

  test('an entry that cannot be stored is dropped and reported; the rest of its batch is written', async () => {
    const s = await setup({ flushIntervalMs: 60_000 });
    try {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      s.ledger.append(makeEntry({ id: 'good1', ts: 1 }));
      s.ledger.append(makeEntry({ id: 'bad', ts: 2, meta: circular }));
      // PostgreSQL text cannot hold NUL: the database rejects this one entry.
      s.ledger.append(makeEntry({ id: 'nul', ts: 3, feature: 'a\u0000b' }));
      s.ledger.append(makeEntry({ id: 'good2', ts: 4, meta: { tokens: 12n } }));
      await s.ledger.flush();
      const got = await s.ledger.query();
      assert.deepEqual(
        got.map((e) => e.id),
        ['good2', 'good1'],
      );
      assert.deepEqual(got[0]?.meta, { tokens: '12' });
      assert.deepEqual(
        s.errors.map((e) => (e as LedgerError).code),
        ['ledger_bad_entry', 'ledger_bad_entry'],
      );
      assert.equal(s.ledger.stats().dropped, 2);
    } finally {
      await s.cleanup();
    }
  });

  test('unreachable database: entries spill to an fsynced file and are replayed exactly once when it returns', async () => {
    const schema = uniqueSchema();
    const spillDir = tempDir();
    const errors: unknown[] = [];
    try {
      const downUrl = `postgres://postgres:s3cret-pw@127.0.0.1:${await closedPort()}/test`;
      // A database that is down at start-up fails loudly: migrations cannot run. The error is one line the CLI
      // prints as is (a PennyError): which store, which setting, the cause — and never the URL's password.
      await assert.rejects(PostgresLedger.open({ url: downUrl, schema, spillDir }), (e: LedgerError) => {
        assert.equal(e.code, 'ledger_unavailable');
        assert.match(
          e.message,
          /cannot open the PostgreSQL ledger at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1/,
        );
        assert.match(e.message, /ledger\.url \/ PENNY_DATABASE_URL/);
        assert.match(e.message, /ECONNREFUSED|connect/);
        assert.match(e.message, /is the server up/);
        assert.doesNotMatch(e.message, /s3cret-pw/);
        return true;
      });
      const ledger = await PostgresLedger.open({
        url: TEST_DATABASE_URL,
        schema,
        spillDir,
        flushIntervalMs: 10,
        batchSize: 4,
        onError: (e) => errors.push(e),
      });
      // Swap the pool's target to the closed port for the outage.
      const po = ledger.pool.options as { connectionString?: string };
      po.connectionString = downUrl;
      await sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'penny-ledger' AND pid <> pg_backend_pid()",
      );
      for (let i = 0; i < 10; i++) ledger.append(makeEntry({ id: `out-${i}`, ts: i }));
      await ledger.flush();
      const st = ledger.stats();
      assert.equal(st.degraded, true);
      assert.equal(st.spilled, 10);
      assert.equal(st.buffered, 0);
      const files = fs.readdirSync(spillDir);
      assert.equal(files.length, 1, files.join(','));
      assert.equal(fs.readFileSync(path.join(spillDir, files[0]!), 'utf8').trim().split('\n').length, 10);
      assert.equal((errors[0] as LedgerError).code, 'ledger_write_failed');
      // One of them had in fact reached the database before the outage (its ack was lost).
      await sql(
        `INSERT INTO "${schema}".ledger_entries (id, ts, dialect, requested_model, stream, simulated, input_uncached, cache_read, cache_write_5m, cache_write_1h, output_text, reasoning, usage_estimated, savings_total, savings, flags, latency_ms, status, http_status)
         VALUES ('out-3', 3, 'openai', 'gpt-4o', false, false, 0, 0, 0, 0, 0, 0, false, 0, '{}', '[]', 1, 'ok', 200)`,
      );
      // The database comes back.
      po.connectionString = TEST_DATABASE_URL;
      ledger.append(makeEntry({ id: 'after', ts: 100 }));
      await ledger.flush();
      assert.equal(ledger.stats().degraded, false);
      assert.deepEqual(fs.readdirSync(spillDir), [], 'the spill file is removed after the replay');
      const ids = await sql<{ id: string }>(`SELECT id FROM "${schema}".ledger_entries ORDER BY id`);
      assert.deepEqual(
        ids.map((r) => r.id),
        ['after', ...Array.from({ length: 10 }, (_, i) => `out-${i}`)],
      );
      assert.equal(ledger.stats().replayed, 10);
      await ledger.close();
    } finally {
      await dropSchema(schema);
      fs.rmSync(spillDir, { recursive: true, force: true });
    }
  });

  test('close while the database is down spills the buffer; the next start replays it', async () => {
    const s = await setup({ flushIntervalMs: 60_000 });
    try {
      const po = s.ledger.pool.options as { connectionString?: string };
      po.connectionString = `postgres://postgres@127.0.0.1:${await closedPort()}/test`;
      await sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'penny-ledger' AND pid <> pg_backend_pid()",
      );
      for (let i = 0; i < 5; i++) s.ledger.append(makeEntry({ id: `c-${i}` }));
      await s.ledger.close();
      assert.equal(s.ledger.stats().spilled, 5);
      assert.equal(await s.count(), 0);
      const again = await PostgresLedger.open({
        url: TEST_DATABASE_URL,
        schema: s.schema,
        spillDir: s.spillDir,
      });
      try {
        await again.flush();
        assert.equal(await s.count(), 5);
        assert.deepEqual(fs.readdirSync(s.spillDir), []);
      } finally {
        await again.close();
      }
    } finally {
      await s.cleanup();
    }
  });

  test('a spill file left by a process that is gone is replayed by another; a torn last line is skipped', async () => {
    const s = await setup({ flushIntervalMs: 60_000 });
    try {
      // Write a spill file as a dead process would have (pid 2^22 + 1 is above Linux's default pid_max).
      const { SpillLog } = await import('./spill-log.js');
      const { entryToValues } = await import('./pg-row-codec.js');
      const dead = new SpillLog(s.spillDir, 4_194_305);
      dead.append([
        entryToValues(makeEntry({ id: 'orphan-1' })),
        entryToValues(makeEntry({ id: 'orphan-2' })),
      ]);
      dead.close();
      fs.appendFileSync(dead.activeFile, '["torn-li');
      const again = await PostgresLedger.open({
        url: TEST_DATABASE_URL,
        schema: s.schema,
        spillDir: s.spillDir,
        onError: (e) => s.errors.push(e),
      });
      try {
        await again.flush();
        assert.equal(await s.count(), 2);
        assert.deepEqual(
          s.errors.map((e) => (e as LedgerError).code),
          ['ledger_bad_entry'],
        );
      } finally {
        await again.close();
      }
    } finally {
      await s.cleanup();
    }
  });

  test('the buffer is bounded: past maxBuffered the oldest entries go to the spill file, none is lost', async () => {
    const s = await setup({ flushIntervalMs: 60_000, batchSize: 4, maxBuffered: 8 });
    try {
      for (let i = 0; i < 20; i++) s.ledger.append(makeEntry({ id: `b-${i}` }));
      assert.ok(s.ledger.stats().buffered <= 8);
      assert.equal(s.ledger.stats().spilled, 12);
      await s.ledger.flush();
      assert.equal(await s.count(), 20);
      assert.equal(s.ledger.stats().dropped, 0);
    } finally {
      await s.cleanup();
    }
  });

  test('summaries use SQL aggregates and the feature and model filters use their indexes', async () => {
    const s = await setup();
    try {
      const explain = async (q: string) => {
        const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await c.connect();
        try {
          await c.query('SET enable_seqscan = off');
          const r = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${q}`);
          return r.rows.map((x) => x['QUERY PLAN']).join('\n');
        } finally {
          await c.end();
        }
      };
      const t = `"${s.schema}".ledger_entries`;
      assert.match(
        await explain(
          `SELECT COUNT(*) FROM ${t} WHERE COALESCE(served_model, requested_model) = 'x' AND ts >= 0`,
        ),
        /ledger_entries_model_ts/,
      );
      assert.match(
        await explain(`SELECT COUNT(*) FROM ${t} WHERE feature = 'x'`),
        /ledger_entries_feature_ts/,
      );
      assert.match(
        await explain(`SELECT COUNT(*) FROM ${t} WHERE user_name = 'x'`),
        /ledger_entries_user_ts/,
      );
      assert.match(await explain(`SELECT COUNT(*) FROM ${t} WHERE ts >= 5 AND ts < 9`), /ledger_entries_ts/);
    } finally {
      await s.cleanup();
    }
  });

  test('reports read whole hours from the rollups: exact, never doubled by a replay, backfilled by the migration', async () => {
    const s = await setup();
    const v1 = uniqueSchema();
    const spill2 = tempDir();
    try {
      const data = mixedDataset();
      for (const e of data) s.ledger.append(e);
      await s.ledger.flush();
      const totals = async (schema: string) =>
        sql<{
          n: string;
          cost: string;
          tactics: string;
          cached: string;
          users_n: string;
          users_cost: string;
        }>(
          `SELECT (SELECT SUM(requests) FROM "${schema}".ledger_rollup) AS n,
                  (SELECT SUM(cost) FROM "${schema}".ledger_rollup) AS cost,
                  (SELECT SUM(amount) FROM "${schema}".ledger_rollup_tactics) AS tactics,
                  (SELECT COALESCE(SUM(requests), 0) FROM "${schema}".ledger_rollup_cache) AS cached,
                  (SELECT SUM(requests) FROM "${schema}".ledger_rollup_users) AS users_n,
                  (SELECT SUM(cost) FROM "${schema}".ledger_rollup_users) AS users_cost`,
        );
      const raw = await sql<{ n: string; cost: string; tactics: string }>(
        `SELECT COUNT(*) AS n, SUM(cost) AS cost,
           (SELECT SUM(j.value::numeric) FROM "${s.schema}".ledger_entries, jsonb_each_text(savings) AS j) AS tactics
         FROM "${s.schema}".ledger_entries`,
      );
      const before = await totals(s.schema);
      assert.deepEqual(
        [before[0]!.n, before[0]!.cost, before[0]!.tactics, before[0]!.users_n, before[0]!.users_cost],
        [raw[0]!.n, raw[0]!.cost, raw[0]!.tactics, raw[0]!.n, raw[0]!.cost],
      );
      // The same entries again (a replayed spill file, a retried batch): nothing is added twice.
      for (const e of data.slice(0, 100)) s.ledger.append(e);
      await s.ledger.flush();
      assert.deepEqual(await totals(s.schema), before);

      // An existing v1 ledger: migration v2 builds the rollups from the rows already stored.
      const pool = createPool({ url: TEST_DATABASE_URL, max: 1 });
      try {
        await migrate(pool, v1, { component: 'ledger', steps: LEDGER_MIGRATIONS.steps.slice(0, 1) });
      } finally {
        await pool.end();
      }
      const cols = (
        await sql<{ c: string }>(
          `SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) AS c FROM information_schema.columns
         WHERE table_schema = $1 AND table_name = 'ledger_entries' AND column_name <> 'seq'`,
          [s.schema],
        )
      )[0]!.c;
      await sql(
        `INSERT INTO "${v1}".ledger_entries (${cols}) SELECT ${cols} FROM "${s.schema}".ledger_entries`,
      );
      const upgraded = await PostgresLedger.open({ url: TEST_DATABASE_URL, schema: v1, spillDir: spill2 });
      try {
        assert.deepEqual(await totals(v1), before);
        const full = await upgraded.summarize({}, ['day', 'feature']);
        const byUser = await upgraded.summarize({}, ['user']);
        const byKeyDay = await upgraded.summarize({}, ['day', 'key']);
        const oneUser = await upgraded.summarize({ user: 'user_1' }, ['day']);
        assert.ok(oneUser[0]!.requests > 0);
        assert.deepEqual(
          byUser,
          await s.ledger.summarize({}, ['user']),
          'the user rollup backfilled by migration v3 matches the one maintained by the inserts',
        );
        // Whole hours (days, by user) are answered by the rollups alone: with the raw rows gone they are
        // still reported.
        await sql(`DELETE FROM "${v1}".ledger_entries`);
        assert.deepEqual(await upgraded.summarize({}, ['day', 'feature']), full);
        assert.equal((await upgraded.summarize({}, []))[0]!.requests, data.length);
        assert.deepEqual(await upgraded.summarize({}, ['user']), byUser);
        assert.deepEqual(await upgraded.summarize({}, ['day', 'key']), byKeyDay);
        assert.deepEqual(await upgraded.summarize({ user: 'user_1' }, ['day']), oneUser);
        // A user filter with a feature needs the raw rows (no rollup holds both): now empty.
        assert.equal((await upgraded.summarize({ user: 'user_1', feature: 'chat' }, []))[0]!.requests, 0);
      } finally {
        await upgraded.close();
      }
    } finally {
      await s.cleanup();
      await dropSchema(v1);
      fs.rmSync(spill2, { recursive: true, force: true });
    }
  });

  test('append after close is dropped and reported, never thrown', async () => {
    const s = await setup();
    try {
      await s.ledger.close();
      assert.doesNotThrow(() => s.ledger.append(makeEntry()));
      assert.equal((s.errors[0] as LedgerError).code, 'ledger_closed');
    } finally {
      await s.cleanup();
    }
  });
  test('COPY with rollup deltas added up in process gives exactly the rollups of the SQL path', async () => {
    // Meta shapes the in-process sums must read as PostgreSQL reads the stored JSONB.
    const metas: (Record<string, unknown> | undefined)[] = [
      undefined,
      { cache: { status: 'miss' } },
      { cache: { status: 'hit', kind: 'exact' } },
      { cache: { status: 'hit', kind: 'semantic' }, promptCache: { placed: ['system'] } },
      { cache: { status: '', kind: null } },
      { cache: { kind: 'exact' } },
      { cache: 'miss' },
      { cache: ['hit'] },
      { cache: { status: 'st\u0000x' } },
      { cache: { status: 12n } },
      { promptCache: { placed: [] } },
      { promptCache: { placed: [], promptCacheKey: '' } },
      { promptCache: { promptCacheKey: 'k1' } },
      { promptCache: { promptCacheKey: 0 } },
      { promptCache: { promptCacheKey: Number.NaN } },
      { promptCache: { promptCacheKey: null, placed: 'system' } },
      { promptCache: { promptCacheKey: false } },
      { promptCache: ['placed'] },
    ];
    const entries = mixedDataset().map((e, i) => {
      const meta = metas[i % metas.length];
      const out = meta ? { ...e, meta } : e;
      // Quotes, backslashes and tabs travel as SQL literals (the deltas) and COPY text (the rows).
      if (i % 7 === 0) {
        return {
          ...out,
          feature: "it's \\ odd\t",
          user: "o'\\",
          savings: { ...out.savings, "cache.it's": 5n },
        };
      }
      return out;
    });
    const s = await setup({ flushIntervalMs: 60_000, batchSize: 128 });
    const sqlSchema = uniqueSchema();
    const pool = createPool({ url: TEST_DATABASE_URL, max: 1 });
    try {
      for (const e of entries) s.ledger.append(e);
      await s.ledger.flush();
      assert.ok(s.ledger.stats().copiedBatches >= 4, 'the batches took the COPY path');
      assert.equal(s.ledger.stats().written, entries.length);
      // The same entries through the INSERT whose rollups PostgreSQL groups itself.
      await migrate(pool, sqlSchema, LEDGER_MIGRATIONS);
      const insert = rollupInsertSql(`"${sqlSchema}"`, insertSql(`"${sqlSchema}".ledger_entries`));
      for (let i = 0; i < entries.length; i += 128) {
        await pool.query(insert, toColumnArrays(entries.slice(i, i + 128).map(entryToValues)));
      }
      const tables = await sql<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'ledger_rollup%' ORDER BY 1",
        [s.schema],
      );
      assert.equal(tables.length, 8);
      for (const { table_name: t } of tables) {
        const dump = async (schema: string) =>
          (await sql(`SELECT * FROM "${schema}".${t} AS r ORDER BY r::text`)).map((r) => JSON.stringify(r));
        const got = await dump(s.schema);
        assert.ok(got.length > 0, `${t} has rows`);
        assert.deepEqual(got, await dump(sqlSchema), `${t}: COPY + deltas = SQL path`);
      }
    } finally {
      await pool.end();
      await dropSchema(sqlSchema);
      await s.cleanup();
    }
  });

  test('a batch holding an id already stored falls back to the idempotent INSERT: nothing counted twice', async () => {
    const s = await setup({ flushIntervalMs: 60_000 });
    try {
      s.ledger.append(makeEntry({ id: 'dup_a', ts: 1000 }));
      s.ledger.append(makeEntry({ id: 'dup_b', ts: 1001 }));
      await s.ledger.flush();
      assert.equal(s.ledger.stats().copiedBatches, 1);
      s.ledger.append(makeEntry({ id: 'dup_b', ts: 1001 }));
      s.ledger.append(makeEntry({ id: 'dup_c', ts: 1002 }));
      s.ledger.append(makeEntry({ id: 'dup_c', ts: 1002 }));
      await s.ledger.flush();
      assert.equal(s.ledger.stats().copiedBatches, 1, 'the second batch took the INSERT path');
      assert.equal(await s.count(), 3);
      const [total] = await s.ledger.summarize({}, []);
      assert.equal(total?.requests, 3);
      const rollup = await sql<{ n: string }>(`SELECT SUM(requests) AS n FROM "${s.schema}".ledger_rollup`);
      assert.equal(Number(rollup[0]?.n), 3);
      assert.deepEqual(s.errors, []);
    } finally {
      await s.cleanup();
    }
  });
});
