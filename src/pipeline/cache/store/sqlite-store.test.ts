import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
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

test('sqlite store: prune drops expired rows and keeps the bound', async () => {
  let now = 0;
  const s = new SqliteStore(join(dir, 'bound.db'), { maxEntries: 3, pruneEvery: 1000, now: () => now });
  for (let i = 0; i < 6; i++) await s.set(`k${i}`, 'v', 1000 + i);
  await s.set('gone', 'v', 10);
  now = 100;
  s.prune();
  const count = s.db.prepare('SELECT count(*) AS n FROM cache_entries').get() as { n: number };
  assert.equal(count.n, 3);
  // The rows closest to expiry went first; the latest-expiring stay.
  assert.equal(await s.get('k5'), 'v');
  assert.equal(await s.get('k0'), null);
  await s.close();
});

test('sqlite store: a full disk throws (the guarded store turns it into a miss)', async () => {
  const s = new SqliteStore(join(dir, 'full.db'));
  await s.set('small', 'v', 60_000);
  s.db.pragma('journal_mode = DELETE');
  const pages = (s.db.pragma('page_count', { simple: true }) as number) + 1;
  s.db.pragma(`max_page_count = ${pages}`);
  await assert.rejects(s.set('big', 'x'.repeat(1_000_000), 60_000), /full/i);
  assert.equal(await s.get('small'), 'v');
  await s.close();
});
