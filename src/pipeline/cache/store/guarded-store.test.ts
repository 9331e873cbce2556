import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger, type Logger } from '../../../observability/logger.js';
import { cacheStats } from '../stats.js';
import type { CacheStore } from './cache-store.js';
import { GuardedStore } from './guarded-store.js';
import { MemoryStore } from './memory-store.js';

function faulty(behaviour: 'throw' | 'hang'): CacheStore {
  const fail = () =>
    behaviour === 'throw' ? Promise.reject(new Error('ECONNREFUSED')) : new Promise<never>(() => {});
  return {
    kind: 'redis',
    get: fail,
    set: fail,
    delete: fail,
    clear: fail,
    close: async () => {},
  };
}

function recordingLogger(lines: string[]): Logger {
  return { ...silentLogger, warn: (m) => lines.push(m) };
}

test('guarded store: passes values through when the store is healthy', async () => {
  const g = new GuardedStore(new MemoryStore(), { timeoutMs: 50, logger: silentLogger });
  assert.equal(await g.set('k', 'v', 1000), true);
  assert.equal(await g.get('k'), 'v');
  assert.equal(await g.delete('k'), true);
  assert.equal(await g.get('k'), null);
});

test('guarded store: a failing store is a counted, logged miss and never throws', async () => {
  const before = cacheStats();
  const lines: string[] = [];
  const g = new GuardedStore(faulty('throw'), {
    timeoutMs: 50,
    logger: recordingLogger(lines),
    breakAfter: 100,
  });
  assert.equal(await g.get('k'), null);
  assert.equal(await g.set('k', 'v', 1000), false);
  assert.equal(await g.get('k'), null);
  const after = cacheStats();
  assert.equal(after.getError - before.getError, 2);
  assert.equal(after.setError - before.setError, 1);
  // One warning per kind of fault within the window, not one per request.
  assert.deepEqual(lines, [
    'cache store get failed; served uncached',
    'cache store set failed; served uncached',
  ]);
});

test('guarded store: a slow store times out within the budget', async () => {
  const before = cacheStats();
  const g = new GuardedStore(faulty('hang'), { timeoutMs: 20, logger: silentLogger });
  assert.equal(await g.get('k'), null);
  assert.equal(await g.set('k', 'v', 1000), false);
  assert.equal(cacheStats().timeout - before.timeout, 2);
});

test('guarded store: repeated faults open the circuit for a cooldown', async () => {
  let now = 0;
  let calls = 0;
  const store: CacheStore = {
    ...faulty('throw'),
    get: () => {
      calls++;
      return Promise.reject(new Error('down'));
    },
  };
  const g = new GuardedStore(store, {
    timeoutMs: 50,
    logger: silentLogger,
    breakAfter: 3,
    cooldownMs: 1000,
    now: () => now,
  });
  for (let i = 0; i < 3; i++) await g.get('k');
  assert.equal(calls, 3);
  const open = cacheStats().circuitOpen;
  assert.equal(await g.get('k'), null);
  assert.equal(calls, 3, 'the store is not called while the circuit is open');
  assert.equal(cacheStats().circuitOpen, open + 1);
  now = 1001;
  await g.get('k');
  assert.equal(calls, 4, 'the store is tried again after the cooldown');
});

test('guarded store: the sets of one store batch share one result, and every row is counted', async () => {
  // An in-process store that writes in batches: every set until the flush gets the batch's promise.
  let settle!: { resolve: () => void; reject: (e: Error) => void };
  let batch: Promise<void> | undefined;
  const store: CacheStore = {
    kind: 'sqlite',
    get: async () => null,
    set: () => {
      batch ??= new Promise<void>((resolve, reject) => {
        settle = { resolve, reject };
      });
      return batch;
    },
    delete: async () => {},
    clear: async () => {},
    close: async () => {},
  };
  const g = new GuardedStore(store, { timeoutMs: 50, logger: silentLogger, breakAfter: 100 });
  const before = cacheStats();
  const a = g.set('a', 'v', 1000);
  const b = g.set('b', 'v', 1000);
  const c = g.set('c', 'v', 1000);
  assert.equal(a, b, 'one result promise per batch');
  assert.equal(b, c);
  settle.resolve();
  assert.deepEqual(await Promise.all([a, b, c]), [true, true, true]);
  assert.equal(cacheStats().stored - before.stored, 3);

  batch = undefined;
  const d = g.set('d', 'v', 1000);
  assert.notEqual(d, a, 'a new batch, a new result');
  const e = g.set('e', 'v', 1000);
  settle.reject(new Error('SQLITE_FULL'));
  assert.deepEqual(await Promise.all([d, e]), [false, false]);
  const after = cacheStats();
  assert.equal(after.setError - before.setError, 2, 'each row of a failed batch is a fault');
  assert.equal(after.stored - before.stored, 3);
});
