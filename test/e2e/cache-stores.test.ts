import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { cacheStats } from '../../src/pipeline/cache/index.js';
import { RedisStore } from '../../src/pipeline/cache/store/redis-store.js';
import { type Harness, startHarness } from './harness.js';

const REDIS_URL = process.env.PENNY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisUp(): Promise<boolean> {
  const s = new RedisStore({ url: REDIS_URL });
  try {
    await s.ready(1000);
    return true;
  } catch {
    return false;
  } finally {
    await s.close();
  }
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const features = { faq: { cache: { enabled: true } } };

/** The gateway's cache stage: its SQLite store, and `idle()` to wait until the batched writes are in. */
function cacheStage(h: Harness) {
  return (
    h.app.gateway as unknown as {
      stages: Array<{
        name: string;
        idle(): Promise<void>;
        storeFor(k: 'sqlite'): { store: { db: Database.Database } };
      }>;
    }
  ).stages.find((s) => s.name === 'cache')!;
}
const ask = (h: Harness, content: string) =>
  new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 }).chat.completions
    .create(
      { model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content }] },
      { headers: { 'x-penny-feature': 'faq' } },
    )
    .withResponse();

const up = await redisUp();
test('Redis is reachable when the run requires it (PENNY_REQUIRE_REDIS)', () => {
  if (process.env.PENNY_REQUIRE_REDIS) assert.ok(up, 'PENNY_REQUIRE_REDIS is set but no Redis answers');
});
if (!up)
  process.stderr.write(`cache-stores.test: no Redis at ${REDIS_URL}; the shared-Redis test is SKIPPED\n`);

test('two gateway instances share one Redis cache', {
  skip: up ? false : `no Redis at ${REDIS_URL}`,
}, async () => {
  const prefix = `penny:e2e:${process.pid}:${Date.now()}:`;
  const config = { cache: { store: 'redis', redisUrl: REDIS_URL, redisKeyPrefix: prefix }, features };
  const a = await startHarness({ config });
  const b = await startHarness({ config });
  try {
    await new Promise((r) => setTimeout(r, 100)); // let both connect
    const first = await ask(a, 'Shared across instances');
    assert.equal(first.response.headers.get('x-penny-cache'), 'miss');
    let second = await ask(b, 'Shared across instances');
    // The write is not awaited on the request path; give it a moment if it has not landed yet.
    for (let i = 0; i < 20 && second.response.headers.get('x-penny-cache') !== 'hit'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      second = await ask(b, 'Shared across instances');
    }
    assert.equal(second.response.headers.get('x-penny-cache'), 'hit');
    assert.equal(second.data.choices[0]!.message.content, first.data.choices[0]!.message.content);
    assert.equal(b.fake.count, 0, 'instance B never called its upstream');
  } finally {
    await a.close();
    await b.close();
    const cleanup = new RedisStore({ url: REDIS_URL, keyPrefix: prefix });
    await cleanup
      .ready()
      .then(() => cleanup.clear())
      .catch(() => {});
    await cleanup.close();
  }
});

test('a Redis that is down: requests are served uncached, a warning is logged and the fault counted', async () => {
  const port = await closedPort();
  const h = await startHarness({
    config: { cache: { store: 'redis', redisUrl: `redis://127.0.0.1:${port}` }, features },
  });
  try {
    const before = cacheStats();
    const a = await ask(h, 'Redis is down');
    const b = await ask(h, 'Redis is down');
    assert.equal(a.data.choices[0]!.message.content, b.data.choices[0]!.message.content);
    assert.equal(a.response.headers.get('x-penny-cache'), 'miss');
    assert.equal(b.response.headers.get('x-penny-cache'), 'miss');
    assert.equal(h.fake.count, 2, 'both were answered by the upstream');
    const after = cacheStats();
    const faults =
      after.getError +
      after.setError +
      after.timeout +
      after.circuitOpen -
      (before.getError + before.setError + before.timeout + before.circuitOpen);
    assert.ok(faults >= 3, `store faults counted (${faults})`);
    assert.ok(h.logs.some((l) => l.includes('"level":"warn"') && l.includes('served uncached')));
    const entries = await h.entries();
    assert.ok(entries.every((e) => e.status === 'ok'));
  } finally {
    await h.close();
  }
});

test('a corrupted SQLite entry is detected, deleted and never served', async () => {
  const h = await startHarness({ config: { features } });
  const path = join(h.dir, 'cache.db');
  try {
    await ask(h, 'Corrupt me');
    assert.equal((await ask(h, 'Corrupt me')).response.headers.get('x-penny-cache'), 'hit');
    await cacheStage(h).idle(); // the store writes its rows in batches
    const db = new Database(path);
    const rows = db.prepare('SELECT key, value FROM cache_entries').all() as Array<{
      key: string;
      value: string;
    }>;
    assert.equal(rows.length, 1);
    // A whole answer is stored as the upstream's own text, its dialect named in the entry's header line.
    assert.match(rows[0]!.value, /^P2 [0-9a-f]{8} \{[^\n]*"d":"openai"[^\n]*\}\n\{"id":"chatcmpl-/);
    // Flip one character of the answer inside the stored JSON: the checksum no longer matches.
    const tampered = rows[0]!.value.replace('echo:', 'echo;');
    assert.notEqual(tampered, rows[0]!.value);
    db.prepare('UPDATE cache_entries SET value = ? WHERE key = ?').run(tampered, rows[0]!.key);
    db.close();
    const before = cacheStats().corrupt;
    const c0 = h.fake.count;
    const r = await ask(h, 'Corrupt me');
    assert.equal(r.response.headers.get('x-penny-cache'), 'miss');
    assert.match(
      r.data.choices[0]!.message.content ?? '',
      /^echo:/,
      'the upstream answer, not the tampered one',
    );
    assert.equal(h.fake.count, c0 + 1);
    assert.equal(cacheStats().corrupt, before + 1);
    assert.ok(h.logs.some((l) => l.includes('cache entry failed validation') && l.includes('checksum')));
    assert.equal(
      (await ask(h, 'Corrupt me')).response.headers.get('x-penny-cache'),
      'hit',
      'rewritten after the miss',
    );
  } finally {
    await h.close();
  }
});

test('a full disk: the answer is served, not stored, and the fault is counted', async () => {
  const h = await startHarness({ config: { features } });
  try {
    await ask(h, 'warm the store up');
    const db = new Database(join(h.dir, 'cache.db'));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    // The gateway's own connection: cap the file at its current size, as a full disk would.
    const before = cacheStats().setError;
    const own = cacheStage(h).storeFor('sqlite').store.db;
    own.pragma('journal_mode = DELETE');
    own.pragma(`max_page_count = ${(own.pragma('page_count', { simple: true }) as number) + 1}`);
    // An answer larger than the one page left (16 KiB pages in a new cache file).
    const r = await ask(h, `big answer ${'#fake:words=12000'}`);
    assert.equal(r.response.headers.get('x-penny-cache'), 'miss');
    assert.match(r.data.choices[0]!.message.content ?? '', /^echo:/);
    await h.entries();
    await cacheStage(h).idle();
    assert.ok(cacheStats().setError > before, 'the failed write was counted');
  } finally {
    await h.close();
  }
});
