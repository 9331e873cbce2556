import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from './sqlite-store.js';
import { cacheStoreContract } from './store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'penny-cache-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

cacheStoreContract('sqlite', async () => new SqliteStore(join(dir, `c${n++}.db`)));

test('sqlite store: entries survive a reopen', async () => {
  const path = join(dir, 'reopen.db');
  const a = new SqliteStore(path);
  await a.set('k', 'v', 60_000);
  await a.close();
  const b = new SqliteStore(path);
  assert.equal(await b.get('k'), 'v');
  await b.close();
});

test('sqlite store: a full table gives its rows closest to expiry to new keys; prune drops expired rows', async () => {
  let now = 0;
  const path = join(dir, 'bound.db');
  const s = new SqliteStore(path, { maxEntries: 3, pruneEvery: 1000, now: () => now });
  const rows = () => (s.db.prepare('SELECT count(*) AS n FROM cache_entries').get() as { n: number }).n;
  for (let i = 0; i < 6; i++) await s.set(`k${i}`, 'v', 1000 + i);
  assert.equal(rows(), 3, 'the bound holds at every write');
  // The rows closest to expiry went first; the latest-expiring stay.
  assert.equal(await s.get('k0'), null);
  assert.equal(await s.get('k2'), null);
  assert.equal(await s.get('k3'), 'v');
  assert.equal(await s.get('k5'), 'v');
  // A replaced key keeps its row and gives none away.
  await s.set('k3', 'v2', 2000);
  assert.equal(rows(), 3);
  assert.equal(await s.get('k4'), 'v');
  assert.equal(await s.get('k3'), 'v2');
  await s.set('gone', 'v', 10); // takes k4's row (k3 now expires last)
  assert.equal(await s.get('k4'), null);
  now = 100;
  s.prune();
  assert.equal(rows(), 2, 'the expired row is deleted');
  // The keys it keeps in memory (a miss without a query) follow the table through prune, delete and reopen.
  assert.equal(s.knownKeys, 2);
  await s.delete('k5');
  assert.equal(s.knownKeys, 1);
  await s.set('k6', 'v', 3000);
  await s.close();
  // A smaller bound at the next open: prune trims to it, latest-expiring rows first kept.
  const again = new SqliteStore(path, { maxEntries: 1, now: () => now });
  assert.equal(again.knownKeys, 2);
  again.prune();
  assert.equal(again.knownKeys, 1);
  assert.equal(await again.get('k3'), null);
  assert.equal(await again.get('k6'), 'v');
  await again.clear();
  assert.equal(again.knownKeys, 0);
  await again.set('k5', 'back', 60_000);
  assert.equal(await again.get('k5'), 'back');
  await again.close();
});

test('sqlite store: in one batch, a replaced key keeps its row even when it was the oldest', async () => {
  const s = new SqliteStore(join(dir, 'replace-oldest.db'), { maxEntries: 2, flushMs: 60_000 });
  const rows = () => (s.db.prepare('SELECT count(*) AS n FROM cache_entries').get() as { n: number }).n;
  s.set('a', 'a1', 1000);
  s.set('b', 'b1', 2000);
  s.flush();
  const batch = [s.set('a', 'a2', 3000), s.set('c', 'c1', 4000)];
  s.flush();
  await Promise.all(batch);
  assert.equal(rows(), 2);
  assert.equal(await s.get('a'), 'a2');
  assert.equal(await s.get('c'), 'c1');
  assert.equal(await s.get('b'), null, 'b, now the closest to expiry, gave its row to c');
  assert.equal(s.knownKeys, 2);
  await s.close();
});

test('sqlite store: two stores on one file (responses and embeddings) never write over each other', async () => {
  const path = join(dir, 'shared.db');
  const a = new SqliteStore(path, { maxEntries: 1 });
  await a.set('a1', 'a1', 5000);
  // b reads the file at open: it knows a1's row by a1 (the row compares its key at every read and write).
  const b = new SqliteStore(path, { maxEntries: 1 });
  const c = new SqliteStore(path, { maxEntries: 1 });
  assert.equal(await b.get('a1'), 'a1');
  // a's bound is full: its new key takes a's own row closest to expiry.
  await a.set('a2', 'a2', 20_000);
  assert.equal(await b.get('a1'), null, 'the row holds a2 now');
  // b's bound is full too (it knows a1): its new key would take that row, which holds a2 now — left alone.
  await b.set('b1', 'b1', 1000);
  assert.equal(await a.get('a2'), 'a2', 'not written over');
  assert.equal(await b.get('b1'), 'b1');
  assert.equal(b.knownKeys, 1, 'the stale key left b');
  // c still maps a1 to that row: replacing a1 writes a new row, deleting it deletes nothing of a's.
  await c.set('a1', 'c-a1', 9000);
  assert.equal(await a.get('a2'), 'a2');
  assert.equal(await c.get('a1'), 'c-a1');
  const d = new SqliteStore(path, { maxEntries: 10 });
  assert.equal(await d.get('a2'), 'a2');
  await c.delete('a1');
  await b.delete('a1');
  assert.equal(await a.get('a2'), 'a2', 'deleting a stale key does not delete the row now holding another');
  for (const s of [a, b, c, d]) await s.close();
});

test('sqlite store: keeps no index (the order of expiry is in memory) and drops the one of the earlier layout', async () => {
  const path = join(dir, 'index.db');
  const old = new Database(path);
  old.exec(
    'CREATE TABLE cache_entries (key TEXT NOT NULL, value TEXT NOT NULL, expires_at INTEGER NOT NULL);' +
      'CREATE INDEX cache_entries_expiry ON cache_entries (expires_at);' +
      `INSERT INTO cache_entries VALUES ('late', 'v', ${Date.now() + 60_000}), ('soon', 'v', ${Date.now() + 30_000});`,
  );
  old.close();
  const s = new SqliteStore(path, { maxEntries: 2 });
  const indexes = s.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all();
  assert.deepEqual(indexes, []);
  // The rows read at open are in order of expiry: a new key takes the one closest to it.
  await s.set('new', 'v', 90_000);
  assert.equal(await s.get('soon'), null);
  assert.equal(await s.get('late'), 'v');
  assert.equal(await s.get('new'), 'v');
  await s.close();
  const fresh = new SqliteStore(join(dir, 'pages.db'));
  assert.equal(fresh.db.pragma('page_size', { simple: true }), 16384, 'a new file gets 16 KiB pages');
  await fresh.close();
});

test('sqlite store: a full disk throws (the guarded store turns it into a miss)', async () => {
  const s = new SqliteStore(join(dir, 'full.db'));
  await s.set('small', 'v', 60_000);
  s.db.pragma('journal_mode = DELETE');
  const pages = (s.db.pragma('page_count', { simple: true }) as number) + 1;
  s.db.pragma(`max_page_count = ${pages}`);
  await assert.rejects(s.set('big', 'x'.repeat(1_000_000), 60_000), /full/i);
  assert.equal(await s.get('small'), 'v');
  // The failed batch left no trace: its key is not taken for a row, and the store keeps working.
  assert.equal(await s.get('big'), null);
  assert.equal(s.knownKeys, 1);
  s.db.pragma('max_page_count = 1000000');
  await s.set('small', 'v2', 60_000);
  assert.equal(await s.get('small'), 'v2');
  assert.equal(s.knownKeys, 1);
  await s.close();
});

test('sqlite store: a set is visible at once, written in one batch later, and survives close', async () => {
  const path = join(dir, 'batch.db');
  const s = new SqliteStore(path);
  const rows = () => (s.db.prepare('SELECT count(*) AS n FROM cache_entries').get() as { n: number }).n;
  const writes = [s.set('a', '1', 60_000), s.set('b', '2', 60_000), s.set('a', '3', 60_000)];
  assert.equal(await s.get('a'), '3', 'the queued value answers before the batch is written');
  assert.equal(rows(), 0);
  await Promise.all(writes);
  assert.equal(rows(), 2);
  assert.equal(await s.get('a'), '3');
  // A queued write that is deleted or cleared before its batch is not written; its set still resolves.
  const gone = s.set('c', '4', 60_000);
  await s.delete('c');
  await gone;
  assert.equal(await s.get('c'), null);
  const cleared = s.set('d', '5', 60_000);
  await s.clear();
  await cleared;
  assert.equal(rows(), 0);
  // close() writes what is still queued.
  const last = s.set('e', '6', 60_000);
  await s.close();
  await last;
  const t = new SqliteStore(path);
  assert.equal(await t.get('e'), '6');
  await t.close();
});

test('sqlite store: queued rows wait for flushMs, or for the next turn once batchSize rows wait', async () => {
  const s = new SqliteStore(join(dir, 'batch-size.db'), { flushMs: 60_000, batchSize: 3 });
  const rows = () => (s.db.prepare('SELECT count(*) AS n FROM cache_entries').get() as { n: number }).n;
  const turn = () => new Promise((r) => setImmediate(r));
  const first = [s.set('a', '1', 60_000), s.set('b', '2', 60_000)];
  await turn();
  assert.equal(rows(), 0, 'two rows wait for the timer');
  const third = s.set('c', '3', 60_000);
  await turn();
  assert.equal(rows(), 3, 'the third row fills the batch: written on the next turn');
  await Promise.all([...first, third]);
  // A timer-flushed batch: a short flushMs writes a lone row without a close.
  const t = new SqliteStore(join(dir, 'batch-timer.db'), { flushMs: 1 });
  await t.set('x', '1', 60_000);
  assert.equal((t.db.prepare('SELECT count(*) AS n FROM cache_entries').get() as { n: number }).n, 1);
  await t.close();
  await s.close();
});

test('sqlite store: keys with one long prefix stay apart, and a replaced key keeps one row', async () => {
  const s = new SqliteStore(join(dir, 'prefix.db'));
  const a = `${'a'.repeat(13)}${'0'.repeat(51)}`;
  const b = `${'a'.repeat(13)}${'1'.repeat(51)}`;
  await s.set(a, 'va', 60_000);
  await s.set(b, 'vb', 60_000);
  await s.set(a, 'va2', 60_000); // replaces a's row, not b's
  const rows = () => (s.db.prepare('SELECT count(*) AS n FROM cache_entries').get() as { n: number }).n;
  assert.equal(rows(), 2);
  assert.equal(await s.get(a), 'va2');
  assert.equal(await s.get(b), 'vb');
  await s.delete(a);
  assert.equal(await s.get(a), null);
  assert.equal(await s.get(b), 'vb');
  assert.equal(rows(), 1);
  await s.close();
});

test('sqlite store: a file of the earlier layout (key as primary key) is replaced at open', async () => {
  const path = join(dir, 'old-layout.db');
  const old = new Database(path);
  old.exec(
    'CREATE TABLE cache_entries (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER NOT NULL);' +
      `INSERT INTO cache_entries VALUES ('k', 'old', ${Date.now() + 60_000});`,
  );
  old.close();
  const s = new SqliteStore(path);
  assert.equal(await s.get('k'), null);
  await s.set('k', 'v', 60_000);
  assert.equal(await s.get('k'), 'v');
  await s.close();
  const again = new SqliteStore(path);
  assert.equal(await again.get('k'), 'v', 'the new layout is kept across reopens');
  await again.close();
});

test('sqlite store: a file of the slot layout (rows found through a slot column) is replaced at open', async () => {
  const path = join(dir, 'slot-layout.db');
  const old = new Database(path);
  old.exec(
    'CREATE TABLE cache_entries (slot INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, expires_at INTEGER NOT NULL);' +
      'CREATE INDEX cache_entries_slot ON cache_entries (slot);' +
      `INSERT INTO cache_entries VALUES (1, 'k', 'old', ${Date.now() + 60_000});`,
  );
  old.close();
  const s = new SqliteStore(path);
  assert.equal(await s.get('k'), null);
  assert.equal(s.knownKeys, 0);
  await s.set('k', 'v', 60_000);
  await s.close();
  const again = new SqliteStore(path);
  assert.equal(await again.get('k'), 'v');
  const columns = (again.db.pragma('table_info(cache_entries)') as Array<{ name: string }>).map(
    (c) => c.name,
  );
  assert.deepEqual(columns, ['key', 'value', 'expires_at']);
  await again.close();
});
