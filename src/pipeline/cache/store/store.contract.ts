/**
 * The contract every cache store must pass: one suite, run against memory, SQLite and the real Redis.
 * Expiry is checked with short TTLs and a wait well past them (no timing assertions).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CacheStore } from './cache-store.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function cacheStoreContract(
  name: string,
  open: () => Promise<CacheStore>,
  opts: { skip?: string | false } = {},
): void {
  describe(`cache store contract: ${name}`, { skip: opts.skip ?? false }, () => {
    test('set, get, replace and delete', async () => {
      const s = await open();
      try {
        assert.equal(await s.get('missing'), null);
        await s.set('k1', 'v1', 60_000);
        assert.equal(await s.get('k1'), 'v1');
        await s.set('k1', 'v2', 60_000);
        assert.equal(await s.get('k1'), 'v2');
        await s.delete('k1');
        assert.equal(await s.get('k1'), null);
        await s.delete('never-set');
      } finally {
        await s.close();
      }
    });

    test('mayHave (where a store has it) is true for every key get would answer', async () => {
      const s = await open();
      if (!s.mayHave) {
        await s.close();
        return;
      }
      try {
        assert.equal(s.mayHave('missing'), false);
        const pending = s.set('k1', 'v1', 60_000);
        assert.equal(s.mayHave('k1'), true, 'a write not yet flushed is visible');
        await pending;
        assert.equal(s.mayHave('k1'), true);
        await s.delete('k1');
        assert.equal(s.mayHave('k1'), false);
        await s.set('k2', 'v2', 60_000);
        await s.clear();
        assert.equal(s.mayHave('k2'), false);
      } finally {
        await s.close();
      }
    });

    test('values round-trip exactly (unicode, large, JSON)', async () => {
      const s = await open();
      try {
        const big = `${'x'.repeat(200_000)}é😀\n"quoted"\u0000end`;
        await s.set('big', big, 60_000);
        assert.equal(await s.get('big'), big);
        const json = JSON.stringify({ a: [1, 2, { b: 'ç' }] });
        await s.set('json', json, 60_000);
        assert.equal(await s.get('json'), json);
      } finally {
        await s.close();
      }
    });

    test('an entry is never returned after its TTL', async () => {
      const s = await open();
      try {
        await s.set('short', 'v', 30);
        await s.set('long', 'v', 60_000);
        await sleep(120);
        assert.equal(await s.get('short'), null);
        assert.equal(await s.get('long'), 'v');
      } finally {
        await s.close();
      }
    });

    test('keys are independent and clear() empties the store', async () => {
      const s = await open();
      try {
        await s.set('a', '1', 60_000);
        await s.set('b', '2', 60_000);
        assert.equal(await s.get('a'), '1');
        assert.equal(await s.get('b'), '2');
        await s.clear();
        assert.equal(await s.get('a'), null);
        assert.equal(await s.get('b'), null);
      } finally {
        await s.close();
      }
    });

    test('concurrent writes of different keys all land', async () => {
      const s = await open();
      try {
        await Promise.all(Array.from({ length: 50 }, (_, i) => s.set(`c${i}`, `v${i}`, 60_000)));
        const got = await Promise.all(Array.from({ length: 50 }, (_, i) => s.get(`c${i}`)));
        assert.deepEqual(
          got,
          Array.from({ length: 50 }, (_, i) => `v${i}`),
        );
      } finally {
        await s.close();
      }
    });
  });
}
