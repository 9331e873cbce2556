/** Test support: whether the test Redis answers (skip with a message, or fail under PENNY_REQUIRE_REDIS). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RedisStore } from '../store/redis-store.js';

export const TEST_REDIS_URL = process.env.PENNY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** `false` when Redis answers, else the skip reason (printed); registers the PENNY_REQUIRE_REDIS check. */
export async function redisSkip(file: string): Promise<string | false> {
  const s = new RedisStore({ url: TEST_REDIS_URL });
  let up = false;
  try {
    await s.ready(1000);
    up = true;
  } catch {
    up = false;
  } finally {
    await s.close();
  }
  test('Redis is reachable when the run requires it (PENNY_REQUIRE_REDIS)', () => {
    if (process.env.PENNY_REQUIRE_REDIS) assert.ok(up, 'PENNY_REQUIRE_REDIS is set but no Redis answers');
  });
  if (up) return false;
  process.stderr.write(`${file}: no Redis at ${TEST_REDIS_URL}; SKIPPED\n`);
  return `no Redis server reachable at ${TEST_REDIS_URL}`;
}

/** A connected store under `prefix`; closing it deletes every key under the prefix. */
export async function openTestRedis(prefix: string): Promise<{
  client: RedisStore['client'];
  prefix: string;
  close(): Promise<void>;
}> {
  const s = new RedisStore({ url: TEST_REDIS_URL, keyPrefix: prefix });
  await s.ready();
  return {
    client: s.client,
    prefix,
    close: async () => {
      await s.clear().catch(() => {});
      await s.close();
    },
  };
}
