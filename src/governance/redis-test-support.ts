/**
 * Redis for tests: whether a server answers, a unique key prefix per run, and cleanup of that prefix.
 * With PENNY_REQUIRE_REDIS set a missing server fails the run instead of skipping.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectRedis, redisReady } from './redis-counter-store.js';

export { dropPrefix } from './redis-counter-store.js';

export const REDIS_URL = process.env.PENNY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function redisUp(label: string): Promise<boolean> {
  const c = connectRedis({ url: REDIS_URL, keyPrefix: '' });
  let up = false;
  try {
    await redisReady(c, 1000);
    up = true;
  } catch {
    up = false;
  } finally {
    c.disconnect();
  }
  test(`${label}: Redis is reachable when the run requires it (PENNY_REQUIRE_REDIS)`, () => {
    if (process.env.PENNY_REQUIRE_REDIS) assert.ok(up, 'PENNY_REQUIRE_REDIS is set but no Redis answers');
  });
  if (!up) process.stderr.write(`${label}: no Redis at ${REDIS_URL}; the Redis tests are SKIPPED\n`);
  return up;
}

export function uniquePrefix(label: string): string {
  return `penny:test:${label}:${process.pid}:${Date.now().toString(36)}:`;
}
