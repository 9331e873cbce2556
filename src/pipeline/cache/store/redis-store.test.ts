import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { RedisStore } from './redis-store.js';
import { cacheStoreContract } from './store.contract.js';

const URL = process.env.PENNY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function reachable(): Promise<boolean> {
  const s = new RedisStore({ url: URL });
  try {
    await s.ready(1000);
    return true;
  } catch {
    return false;
  } finally {
    await s.close();
  }
}

const up = await reachable();
test('Redis is reachable when the run requires it (PENNY_REQUIRE_REDIS)', () => {
  if (process.env.PENNY_REQUIRE_REDIS) assert.ok(up, 'PENNY_REQUIRE_REDIS is set but no Redis answers');
});
if (!up) process.stderr.write(`redis-store.test: no Redis at ${URL}; the Redis contract suite is SKIPPED\n`);
let n = 0;

cacheStoreContract(
  'redis',
  async () => {
    const s = new RedisStore({ url: URL, keyPrefix: `penny:test:${process.pid}:${n++}:` });
    await s.ready();
    return s;
  },
  { skip: up ? false : `no Redis server reachable at ${URL}` },
);

test('redis store: clear() only removes its own prefix', { skip: up ? false : 'no Redis' }, async () => {
  const a = new RedisStore({ url: URL, keyPrefix: `penny:test:${process.pid}:a:` });
  const b = new RedisStore({ url: URL, keyPrefix: `penny:test:${process.pid}:b:` });
  try {
    await Promise.all([a.ready(), b.ready()]);
    await a.set('k', '1', 60_000);
    await b.set('k', '2', 60_000);
    await a.clear();
    assert.equal(await a.get('k'), null);
    assert.equal(await b.get('k'), '2');
    await b.clear();
  } finally {
    await a.close();
    await b.close();
  }
});

test('redis store: a server that is down fails fast instead of queueing', async () => {
  const port = await new Promise<number>((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
  const errors: Error[] = [];
  const s = new RedisStore({ url: `redis://127.0.0.1:${port}`, onError: (e) => errors.push(e) });
  try {
    await assert.rejects(s.get('k'));
    await assert.rejects(s.set('k', 'v', 1000));
  } finally {
    await s.close();
  }
});
