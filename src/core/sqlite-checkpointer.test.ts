import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { openGovernanceDb } from '../governance/sqlite-db.js';
import { makeEntry } from '../ledger/entry-fixtures.js';
import { SqliteResponseStore } from '../conversations/sqlite-response-store.js';
import { SqliteLedger } from '../ledger/sqlite/sqlite-ledger.js';
import { SqliteStore } from '../pipeline/cache/store/sqlite-store.js';
import { SqliteBodyStore } from '../prompts-store/sqlite-body-store.js';
import { SqliteCheckpointer, sqliteCheckpointer, startCheckpointWorker } from './sqlite-checkpointer.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'penny-ckpt-'));
  dirs.push(d);
  return d;
}

const PAGE = 4096;
/** Pages each write adds to the WAL: rows of a page each, plus the b-tree pages above them. */
const ROWS_PER_WRITE = 40;
const WRITES = 30;
const THRESHOLD = 100;

function openDb(path: string): Database.Database {
  const db = new Database(path);
  db.pragma(`page_size = ${PAGE}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`wal_autocheckpoint = ${THRESHOLD}`);
  db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)');
  return db;
}

function write(db: Database.Database): void {
  const ins = db.prepare('INSERT INTO t (v) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < ROWS_PER_WRITE; i++) ins.run(Buffer.alloc(PAGE - 200, i));
  })();
}

function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

/** The largest WAL the writes may leave when checkpoints keep up: the threshold plus two writes, in frames. */
const BOUND = 32 + (THRESHOLD + 2 * (ROWS_PER_WRITE + 10)) * (PAGE + 24);

describe('SqliteCheckpointer', () => {
  test('the worker checkpoints a watched file: the writer has no automatic checkpoint and the WAL stays bounded', async () => {
    const path = join(tmp(), 'a.db');
    const db = openDb(path);
    const cp = new SqliteCheckpointer({ intervalMs: 10 });
    try {
      cp.watch(db, path);
      assert.equal(cp.watching(db), true);
      // No thread until a WAL is busy: the writer keeps its own checkpoint meanwhile.
      assert.equal(cp.stats().running, false);
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), THRESHOLD);
      write(db);
      write(db);
      await cp.sync();
      assert.equal(cp.stats().running, true);
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0);
      for (let i = 2; i < WRITES; i++) {
        write(db);
        await cp.sync();
      }
      const s = await cp.sync();
      assert.ok(s.checkpoints > 0, `no checkpoint ran: ${JSON.stringify(s)}`);
      assert.ok(s.framesCopied >= WRITES * ROWS_PER_WRITE - THRESHOLD - 2 * ROWS_PER_WRITE);
      assert.equal(s.fallbacks, 0);
      assert.equal(s.overCap, 0);
      assert.ok(walBytes(path) <= BOUND, `WAL ${walBytes(path)} bytes > ${BOUND}`);
      // Everything written is there for a new connection.
      const reader = new Database(path, { readonly: true });
      assert.deepEqual(reader.prepare('SELECT count(*) AS n FROM t').get(), { n: WRITES * ROWS_PER_WRITE });
      reader.close();
    } finally {
      cp.unwatch(db);
      db.close();
      await cp.stop();
    }
  });

  test('the same writes with the automatic checkpoint off and no worker grow the WAL past that bound', () => {
    const path = join(tmp(), 'control.db');
    const db = openDb(path);
    db.pragma('wal_autocheckpoint = 0');
    for (let i = 0; i < WRITES; i++) write(db);
    assert.ok(walBytes(path) > 4 * BOUND, `WAL ${walBytes(path)} bytes`);
    db.close();
  });

  test('a dead worker sends every file back to the inline checkpoint, for good', async () => {
    const path = join(tmp(), 'b.db');
    const db = openDb(path);
    let worker: Worker | undefined;
    const messages: string[] = [];
    const cp = new SqliteCheckpointer({
      intervalMs: 10,
      onFallback: (m) => messages.push(m),
      startWorker: (d) => {
        worker = startCheckpointWorker(d);
        return worker;
      },
    });
    try {
      cp.watch(db, path);
      cp.start();
      write(db);
      await cp.sync();
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0);
      assert.ok(worker);
      const exited = once(worker, 'exit');
      await worker.terminate();
      await exited;
      assert.equal(cp.stats().broken, true);
      assert.equal(cp.watching(db), false);
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), THRESHOLD);
      assert.match(messages.join('\n'), /checkpoint thread exited.*inline again/);
      // SQLite's own checkpoint bounds the WAL again.
      for (let i = 0; i < WRITES; i++) write(db);
      assert.ok(walBytes(path) <= BOUND, `WAL ${walBytes(path)} bytes > ${BOUND}`);
      // A file opened later keeps its automatic checkpoint.
      const path2 = join(tmp(), 'b2.db');
      const db2 = openDb(path2);
      cp.watch(db2, path2);
      assert.equal(cp.watching(db2), false);
      assert.equal(db2.pragma('wal_autocheckpoint', { simple: true }), THRESHOLD);
      db2.close();
    } finally {
      db.close();
      await cp.stop();
    }
  });

  test('a file the worker cannot open goes back to the inline checkpoint', async () => {
    const path = join(tmp(), 'c.db');
    const db = openDb(path);
    const messages: string[] = [];
    const cp = new SqliteCheckpointer({ intervalMs: 10, onFallback: (m) => messages.push(m) });
    try {
      cp.watch(db, join(tmp(), 'missing', 'c.db'));
      cp.start();
      await cp.sync();
      assert.equal(cp.watching(db), false);
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), THRESHOLD);
      assert.equal(cp.stats().fallbacks, 1);
      assert.match(messages.join('\n'), /inline again/);
    } finally {
      db.close();
      await cp.stop();
    }
  });

  test('a WAL past its hard cap is checkpointed inline until it is back under its threshold', async () => {
    const path = join(tmp(), 'd.db');
    const db = openDb(path);
    const cp = new SqliteCheckpointer({ intervalMs: 10, hardCapFactor: 2 });
    try {
      cp.watch(db, path);
      cp.start();
      await cp.sync();
      // One transaction of ~2.5 × the threshold: past the cap before the worker can look.
      db.transaction(() => {
        for (let i = 0; i < 6; i++) write(db);
      })();
      let s = await cp.sync();
      assert.equal(s.overCap, 1);
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), THRESHOLD);
      assert.ok(s.maxWalFrames > 2 * THRESHOLD);
      // The next commits start the WAL over; once the worker sees it small the writer's checkpoint is off again.
      write(db);
      await cp.sync();
      write(db);
      s = await cp.sync();
      assert.equal(s.overCap, 0);
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0);
      assert.equal(cp.watching(db), true);
    } finally {
      cp.unwatch(db);
      db.close();
      await cp.stop();
    }
  });

  test('a connection closed without unwatch is dropped by the watchdog', async () => {
    const path = join(tmp(), 'e.db');
    const db = openDb(path);
    const cp = new SqliteCheckpointer({ intervalMs: 10, probeMs: 20 });
    try {
      cp.watch(db, path);
      cp.start();
      await cp.sync();
      db.close();
      while (cp.stats().watched > 0) await new Promise((r) => setTimeout(r, 20));
      assert.equal(cp.stats().broken, false);
    } finally {
      await cp.stop();
    }
  });

  test('the thread stops when every WAL is quiet, and starts again when one gets busy', async () => {
    const path = join(tmp(), 'g.db');
    const db = openDb(path);
    const cp = new SqliteCheckpointer({ intervalMs: 10, idleStopMs: 0 });
    try {
      cp.watch(db, path);
      write(db);
      write(db);
      await cp.sync();
      assert.equal(cp.stats().running, true);
      await cp.sync(); // nothing grew, nothing to checkpoint: quiet
      assert.equal(cp.stats().running, false);
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), THRESHOLD);
      assert.equal(cp.watching(db), true);
      write(db);
      write(db);
      await cp.sync();
      assert.equal(cp.stats().running, true);
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0);
      assert.equal(cp.stats().fallbacks, 0);
    } finally {
      cp.unwatch(db);
      db.close();
      await cp.stop();
    }
  });

  test('in-memory databases and files not in WAL mode are left alone', async () => {
    const cp = new SqliteCheckpointer();
    const mem = new Database(':memory:');
    cp.watch(mem, ':memory:');
    const path = join(tmp(), 'f.db');
    const rollback = new Database(path);
    cp.watch(rollback, path);
    assert.equal(cp.stats().watched, 0);
    assert.equal(rollback.pragma('wal_autocheckpoint', { simple: true }), 1000);
    mem.close();
    rollback.close();
    await cp.stop();
  });
});

describe('the request-side SQLite stores use the process checkpointer', () => {
  test('ledger: watched while open, its WAL bounded over many batches, every entry stored', async () => {
    const path = join(tmp(), 'ledger.db');
    const ledger = SqliteLedger.open(path, { flushIntervalMs: 1e9 });
    const before = await sqliteCheckpointer.sync();
    assert.equal(before.watched >= 1, true);
    // ~4,600 frames in all: more than twice the bound below, so it holds only if checkpoints ran.
    const n = 400;
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < 64; i++) ledger.append(makeEntry({ id: `e${b}-${i}` }));
      await ledger.flush();
      if (b % 10 === 9) await sqliteCheckpointer.sync();
    }
    const s = await sqliteCheckpointer.sync();
    assert.ok(s.checkpoints > before.checkpoints, 'the ledger file was never checkpointed by the thread');
    // 1,000 frames of 4 KiB (the ledger's threshold) plus what ten batches (~120 frames) add between two looks.
    assert.ok(walBytes(path) < 2000 * (4096 + 24), `ledger WAL ${walBytes(path)} bytes`);
    assert.equal((await ledger.query({})).length, n * 64);
    const watched = sqliteCheckpointer.stats().watched;
    await ledger.close();
    assert.equal(sqliteCheckpointer.stats().watched, watched - 1);
  });

  test('Responses API store and prompt body store are watched while open', async () => {
    const dir = tmp();
    const responses = SqliteResponseStore.open(join(dir, 'responses.db'), 60_000);
    const bodies = SqliteBodyStore.open(join(dir, 'bodies.db'));
    const before = sqliteCheckpointer.stats().watched;
    await responses.close();
    await bodies.close();
    assert.equal(sqliteCheckpointer.stats().watched, before - 2);
  });

  test('exact-cache store and governance file are watched', async () => {
    const dir = tmp();
    const store = new SqliteStore(join(dir, 'cache.db'));
    const gov = openGovernanceDb(join(dir, 'governance.db'));
    try {
      assert.equal(sqliteCheckpointer.watching(store.db), true);
      assert.equal(sqliteCheckpointer.watching(gov), true);
      assert.equal(gov.pragma('synchronous', { simple: true }), 1);
      // Quiet files start no thread; once one is busy the thread takes both.
      assert.equal(sqliteCheckpointer.stats().running, false);
      assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), 1000);
      sqliteCheckpointer.start();
      await sqliteCheckpointer.sync();
      assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), 0);
      assert.equal(gov.pragma('wal_autocheckpoint', { simple: true }), 0);
    } finally {
      await store.close();
      gov.close();
    }
    assert.equal(sqliteCheckpointer.watching(store.db), false);
  });
});
