import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { makeEntry } from '../entry-fixtures.js';
import { ledgerContract } from '../ledger.contract.js';
import { LedgerError } from '../ledger-error.js';
import { SCHEMA_VERSION } from './schema.js';
import { SqliteLedger, type SqliteLedgerOptions } from './sqlite-ledger.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'penny-ledger-'));
}

ledgerContract('SqliteLedger', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'ledger.db');
  const opened: SqliteLedger[] = [];
  const errors: unknown[] = [];
  const open = () => {
    const l = SqliteLedger.open(file, { onError: (err) => errors.push(err) });
    opened.push(l);
    return l;
  };
  return {
    ledger: open(),
    reopen: async () => open(),
    cleanup: async () => {
      for (const l of opened) await l.close();
      fs.rmSync(dir, { recursive: true, force: true });
      assert.deepEqual(errors, [], 'the contract run must not report ledger errors');
    },
  };
});

/** A ledger on a temp file, a second connection to peek at what is really on disk, and cleanup. */
function setup(opts: SqliteLedgerOptions = {}) {
  const dir = tempDir();
  const file = path.join(dir, 'nested', 'dir', 'ledger.db');
  const errors: unknown[] = [];
  const ledger = SqliteLedger.open(file, { onError: (e) => errors.push(e), ...opts });
  const peek = new Database(file);
  const count = () =>
    Number((peek.prepare('SELECT COUNT(*) AS n FROM ledger_entries').get() as { n: number }).n);
  const cleanup = async () => {
    peek.close();
    await ledger.close().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { dir, file, ledger, peek, count, errors, cleanup };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SqliteLedger', () => {
  test('creates the parent directory, uses WAL and records the schema version', async () => {
    const s = setup();
    try {
      assert.ok(fs.existsSync(s.file));
      assert.equal(s.peek.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(s.peek.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      const indexes = (
        s.peek.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]
      )
        .map((r) => r.name)
        .sort();
      assert.deepEqual(indexes, ['ledger_entries_feature_ts', 'ledger_entries_id', 'ledger_entries_ts']);
    } finally {
      await s.cleanup();
    }
  });

  test('append does not write synchronously; flush writes the buffer', async () => {
    const s = setup({ flushIntervalMs: 60_000 });
    try {
      s.ledger.append(makeEntry());
      s.ledger.append(makeEntry());
      assert.equal(s.count(), 0, 'nothing may reach the database inside append');
      assert.equal(s.ledger.stats().buffered, 2);
      await s.ledger.flush();
      assert.equal(s.count(), 2);
      assert.deepEqual(s.ledger.stats(), { buffered: 0, written: 2, dropped: 0, failedWrites: 0 });
    } finally {
      await s.cleanup();
    }
  });

  test('a full batch is written on the next turn of the event loop, not inside append', async () => {
    const s = setup({ flushIntervalMs: 60_000, batchSize: 3 });
    try {
      for (let i = 0; i < 3; i++) s.ledger.append(makeEntry());
      assert.equal(s.count(), 0);
      await nextTurn();
      assert.equal(s.count(), 3);
    } finally {
      await s.cleanup();
    }
  });

  test('the interval timer writes a partial batch', async () => {
    const s = setup({ flushIntervalMs: 5 });
    try {
      s.ledger.append(makeEntry());
      assert.equal(s.count(), 0);
      // Wait for the condition, not for a duration: the assertion is that the timer fires at all.
      for (let i = 0; i < 500 && s.count() === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(s.count(), 1);
    } finally {
      await s.cleanup();
    }
  });

  test('entries appended just before close() are persisted', async () => {
    const s = setup({ flushIntervalMs: 60_000 });
    try {
      for (let i = 0; i < 1000; i++) s.ledger.append(makeEntry({ ts: i }));
      await s.ledger.close();
      assert.equal(s.count(), 1000);
    } finally {
      await s.cleanup();
    }
  });

  test('a locked database keeps entries buffered, reports, and writes them once unlocked', async () => {
    const s = setup({ flushIntervalMs: 60_000, busyTimeoutMs: 0 });
    try {
      s.ledger.append(makeEntry({ id: 'before-lock' }));
      s.peek.exec('BEGIN IMMEDIATE');
      s.ledger.append(makeEntry({ id: 'during-lock' }));
      await assert.rejects(s.ledger.flush(), (err: unknown) => {
        assert.ok(err instanceof LedgerError);
        assert.equal(err.code, 'ledger_write_failed');
        assert.equal(err.entries, 2);
        return true;
      });
      assert.equal(s.ledger.stats().buffered, 2);
      // A read while the write fails answers from the store and reports the failure.
      assert.deepEqual(await s.ledger.query(), []);
      assert.equal(s.errors.length, 1);
      s.peek.exec('COMMIT');
      await s.ledger.flush();
      assert.deepEqual(
        (await s.ledger.query()).map((e) => e.id),
        ['during-lock', 'before-lock'],
      );
      assert.equal(s.ledger.stats().dropped, 0);
    } finally {
      await s.cleanup();
    }
  });

  test('a failing background write is reported through onError and retried', async () => {
    const s = setup({ flushIntervalMs: 60_000, batchSize: 2, busyTimeoutMs: 0 });
    try {
      s.peek.exec('BEGIN IMMEDIATE');
      s.ledger.append(makeEntry());
      s.ledger.append(makeEntry());
      await nextTurn();
      assert.equal(s.errors.length, 1);
      assert.ok(s.errors[0] instanceof LedgerError);
      assert.equal((s.errors[0] as LedgerError).code, 'ledger_write_failed');
      assert.equal(s.ledger.stats().buffered, 2);
      s.peek.exec('COMMIT');
      await s.ledger.close();
      assert.equal(s.count(), 2);
    } finally {
      await s.cleanup();
    }
  });

  test('the buffer is capped while writes fail: oldest dropped, counted and reported', async () => {
    const s = setup({ flushIntervalMs: 60_000, maxBuffered: 5, busyTimeoutMs: 0 });
    try {
      s.peek.exec('BEGIN IMMEDIATE');
      for (let i = 1; i <= 8; i++) s.ledger.append(makeEntry({ id: `e${i}`, ts: i }));
      assert.equal(s.ledger.stats().dropped, 3);
      assert.equal(s.ledger.stats().buffered, 5);
      const overflow = s.errors.filter((e) => e instanceof LedgerError && e.code === 'ledger_overflow');
      assert.equal(overflow.length, 1, 'the first drop is reported once, not per entry');
      s.peek.exec('COMMIT');
      await s.ledger.flush();
      assert.deepEqual(
        (await s.ledger.query()).map((e) => e.id),
        ['e8', 'e7', 'e6', 'e5', 'e4'],
      );
      const recovered = s.errors.filter((e) => e instanceof LedgerError && e.code === 'ledger_overflow');
      assert.equal(recovered.length, 2, 'recovery reports how many more were dropped');
      assert.match(String((recovered[1] as LedgerError).message), /2 more entries were dropped/);
    } finally {
      await s.cleanup();
    }
  });

  test('an entry that cannot be stored is dropped and reported; the rest of its batch is written', async () => {
    const s = setup({ flushIntervalMs: 60_000 });
    try {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      s.ledger.append(makeEntry({ id: 'good1', ts: 1 }));
      s.ledger.append(makeEntry({ id: 'bad', ts: 2, meta: circular }));
      s.ledger.append(makeEntry({ id: 'good2', ts: 3, meta: { tokens: 12n } }));
      await s.ledger.flush();
      const got = await s.ledger.query();
      assert.deepEqual(
        got.map((e) => e.id),
        ['good2', 'good1'],
      );
      assert.deepEqual(got[0]?.meta, { tokens: '12' }, 'bigints in meta are stored as decimal strings');
      assert.equal(s.errors.length, 1);
      assert.equal((s.errors[0] as LedgerError).code, 'ledger_bad_entry');
      assert.equal(s.ledger.stats().dropped, 1);
    } finally {
      await s.cleanup();
    }
  });

  test('append after close is dropped and reported, never thrown', async () => {
    const s = setup();
    try {
      await s.ledger.close();
      assert.doesNotThrow(() => s.ledger.append(makeEntry()));
      assert.equal((s.errors[0] as LedgerError).code, 'ledger_closed');
      assert.equal(s.ledger.stats().dropped, 1);
    } finally {
      await s.cleanup();
    }
  });

  test('money is stored as INTEGER picodollars and savings as decimal strings; unknown cost is NULL', async () => {
    const s = setup();
    try {
      s.ledger.append(
        makeEntry({ id: 'p', cost: 7_275_000_000n, savings: { route: 9_007_199_254_740_993n } }),
      );
      s.ledger.append(makeEntry({ id: 'u', cost: null, baselineCost: null }));
      await s.ledger.flush();
      const rows = s.peek
        .prepare('SELECT id, typeof(cost) AS t, cost, baseline_cost, savings FROM ledger_entries ORDER BY id')
        .safeIntegers(true)
        .all() as {
        id: string;
        t: string;
        cost: bigint | null;
        baseline_cost: bigint | null;
        savings: string;
      }[];
      assert.deepEqual(rows, [
        {
          id: 'p',
          t: 'integer',
          cost: 7_275_000_000n,
          baseline_cost: 4_500_000_000n,
          savings: '{"route":"9007199254740993"}',
        },
        { id: 'u', t: 'null', cost: null, baseline_cost: null, savings: '{}' },
      ]);
    } finally {
      await s.cleanup();
    }
  });

  test('refuses a database written by a newer schema', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'future.db');
    try {
      const db = new Database(file);
      db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      db.close();
      assert.throws(() => SqliteLedger.open(file), /newer than this build knows/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('v1 → v2 drops the user and model indexes of an existing ledger and keeps its entries', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'v1.db');
    try {
      const old = SqliteLedger.open(file);
      old.append(makeEntry({ id: 'kept', user: 'u_bob', servedModel: 'gpt-4o-mini' }));
      await old.close();
      // The file as a v1 build left it: its two extra indexes, user_version 1.
      const db = new Database(file);
      db.exec(`CREATE INDEX ledger_entries_user_ts ON ledger_entries (user_name, ts);
        CREATE INDEX ledger_entries_model_ts ON ledger_entries (COALESCE(served_model, requested_model), ts);`);
      db.pragma('user_version = 1');
      db.close();
      const ledger = SqliteLedger.open(file);
      const peek = new Database(file);
      try {
        assert.equal(peek.pragma('user_version', { simple: true }), SCHEMA_VERSION);
        const names = (
          peek.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]
        ).map((r) => r.name);
        assert.ok(
          !names.includes('ledger_entries_user_ts') && !names.includes('ledger_entries_model_ts'),
          `${names}`,
        );
        const byUser = await ledger.query({ user: 'u_bob', model: 'gpt-4o-mini' });
        assert.deepEqual(
          byUser.map((e) => e.id),
          ['kept'],
        );
      } finally {
        peek.close();
        await ledger.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('time, feature and id filters are answered from an index', async () => {
    const s = setup();
    try {
      const plan = (where: string) =>
        (
          s.peek.prepare(`EXPLAIN QUERY PLAN SELECT * FROM ledger_entries WHERE ${where}`).all(1) as {
            detail: string;
          }[]
        )
          .map((p) => p.detail)
          .join('; ');
      assert.match(plan('ts >= ?'), /ledger_entries_ts/);
      assert.match(plan('feature = ? AND ts >= 0'), /ledger_entries_feature_ts/);
      assert.match(plan('id = ?'), /ledger_entries_id/);
    } finally {
      await s.cleanup();
    }
  });
});
