import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from './memory-store.js';
import { cacheStoreContract } from './store.contract.js';

cacheStoreContract('memory', async () => new MemoryStore());

test('memory store: bounded, least recently used goes first', async () => {
  const s = new MemoryStore({ maxEntries: 3 });
  await s.set('a', '1', 60_000);
  await s.set('b', '2', 60_000);
  await s.set('c', '3', 60_000);
  assert.equal(await s.get('a'), '1'); // a is now the most recent
  await s.set('d', '4', 60_000);
  assert.equal(s.size, 3);
  assert.equal(await s.get('b'), null);
  assert.equal(await s.get('a'), '1');
  assert.equal(await s.get('d'), '4');
});

test('memory store: expiry follows the injected clock', async () => {
  let now = 1000;
  const s = new MemoryStore({ now: () => now });
  await s.set('k', 'v', 500);
  now = 1499;
  assert.equal(await s.get('k'), 'v');
  now = 1500;
  assert.equal(await s.get('k'), null);
  assert.equal(s.size, 0);
});
