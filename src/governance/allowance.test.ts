/**
 * Leased allowances (allowance.ts): calls admitted in process stay within the budget however many gateways
 * share it (two Allowances over one Redis, and over one SQLite file), most calls need no store call, spend a
 * store call failed to write is kept and written later exactly once, a lowered limit is not admitted past,
 * and everything leased is given back at shutdown.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Allowances } from './allowance.js';
import type { CounterStore, ReserveLine, WindowSpec } from './counter-store.js';
import { RedisCounterStore, connectRedis, redisReady } from './redis-counter-store.js';
import { REDIS_URL, dropPrefix, redisUp, uniquePrefix } from './redis-test-support.js';
import { SqliteCounterStore } from './sqlite-counter-store.js';

const TOTAL: WindowSpec = { kind: 'total' };
const dir = mkdtempSync(join(tmpdir(), 'penny-allowance-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const sqlite = () => SqliteCounterStore.open(join(dir, `a${n++}.db`));

const allowances = (store: CounterStore, extra: Partial<ConstructorParameters<typeof Allowances>[1]> = {}) =>
  new Allowances(store, {
    calls: 8,
    idleMs: 60_000,
    ttlMs: 60_000,
    now: Date.now,
    onError: () => {},
    ...extra,
  });

const line = (key: string, amount: number, limit: number | null): ReserveLine => ({
  key,
  window: TOTAL,
  amount,
  limit,
});

/**
 * Gateways `gs` admit `calls` calls of worst case `worst` against one budget, concurrently, each settling at
 * `actual`; returns how many were served, and checks the shared counter afterwards.
 */
async function share(stores: CounterStore[], limit: number, calls: number, worst: number, actual: number) {
  const gs = stores.map((s) => allowances(s));
  let served = 0;
  let refused = 0;
  await Promise.all(
    Array.from({ length: calls }, async (_, i) => {
      const g = gs[i % gs.length]!;
      const r = await g.reserve(`c${i}`, [line('shared', worst, limit)]);
      if (!r.ok) {
        assert.equal(r.reason, 'over');
        refused++;
        return;
      }
      served++;
      // Settle a moment later, while other calls still arrive.
      await new Promise((res) => setTimeout(res, i % 3));
      g.settle(`c${i}`, [{ key: 'shared', window: TOTAL, actual }]);
    }),
  );
  for (const g of gs) await g.close();
  const [snap] = await stores[0]!.read([{ key: 'shared', window: TOTAL }]);
  return { served, refused, snap: snap!, gs };
}

describe('leased allowances', () => {
  test('one gateway: calls after the first lease are admitted without a store call; the counter is exact', async () => {
    const store = sqlite();
    const g = allowances(store);
    const first = await g.reserve('a', [line('k', 10, 1000)]);
    assert.ok(first.ok);
    assert.equal(g.calls, 1);
    for (let i = 0; i < 8; i++) {
      const r = await g.reserve(`b${i}`, [line('k', 10, 1000)]);
      assert.ok(r.ok);
    }
    assert.equal(g.calls, 1, 'eight more calls fit the allowance: no store call');
    // The local view counts calls in flight, not the allowance.
    const r = await g.reserve('b0', [line('k', 10, 1000)]);
    assert.ok(r.ok && r.lines[0]!.reserved === 90, 'a retried id is held once');
    for (let i = 0; i < 8; i++) g.settle(`b${i}`, [{ key: 'k', window: TOTAL, actual: 4 }]);
    g.settle('a', [{ key: 'k', window: TOTAL, actual: 7 }]);
    await g.flush();
    const [s] = await store.read([{ key: 'k', window: TOTAL }]);
    assert.equal(s!.spent, 39);
    assert.equal(g.adjust('k', s!).reserved, 0, 'none in flight');
    await g.close();
    const [closed] = await store.read([{ key: 'k', window: TOTAL }]);
    assert.deepEqual(closed, { spent: 39, reserved: 0, resetAt: null }, 'the allowance was given back');
    await store.close();
  });

  test('a call that does not fit is refused with the numbers; one that exactly fills the limit fits', async () => {
    const store = sqlite();
    const g = allowances(store);
    assert.ok((await g.reserve('a', [line('x', 600, 1000)])).ok);
    const r = await g.reserve('b', [line('x', 401, 1000)]);
    assert.ok(!r.ok && r.reason === 'over');
    assert.deepEqual(!r.ok && r.reason === 'over' && r.snapshot, { spent: 0, reserved: 600, resetAt: null });
    assert.ok((await g.reserve('c', [line('x', 400, 1000)])).ok);
    g.settle('a', [{ key: 'x', window: TOTAL, actual: 100 }]);
    assert.ok((await g.reserve('d', [line('x', 500, 1000)])).ok, 'settlement freed room, in process');
    assert.ok(!(await g.reserve('e', [line('x', 1, 1000)])).ok);
    await g.close();
    await store.close();
  });

  test('two gateways on one SQLite file never overspend a shared budget', async () => {
    const path = join(dir, 'shared.db');
    const a = SqliteCounterStore.open(path);
    const b = SqliteCounterStore.open(path);
    const { served, refused, snap } = await share([a, b], 10_000, 400, 100, 60);
    assert.equal(served + refused, 400);
    assert.ok(served >= 100, `at least the worst-case count is served (${served})`);
    assert.ok(snap.spent <= 10_000, `spent ${snap.spent} ≤ 10000`);
    assert.equal(snap.spent, served * 60, 'every settled call is counted once');
    assert.equal(snap.reserved, 0, 'nothing left reserved after both gateways closed');
    await a.close();
    await b.close();
  });

  test('a lowered limit is not admitted past, even with allowance left', async () => {
    const store = sqlite();
    const g = allowances(store);
    assert.ok((await g.reserve('a', [line('low', 10, 1000)])).ok);
    assert.ok((await g.reserve('b', [line('low', 10, 1000)])).ok);
    const r = await g.reserve('c', [line('low', 10, 25)]);
    assert.ok(!r.ok && r.reason === 'over', 'two calls of 10 in flight + 10 > 25');
    assert.ok((await g.reserve('d', [line('low', 5, 25)])).ok);
    await g.close();
    await store.close();
  });

  test('spend a failed store call did not write is kept in memory and written once when the store is back', async () => {
    const inner = sqlite();
    let failing = 0;
    let applied = 0;
    const flaky: CounterStore = Object.assign(Object.create(inner) as CounterStore, {
      lease: async (...args: Parameters<CounterStore['lease']>) => {
        if (failing > 0) {
          failing--;
          // Half the failures happen after the store applied the call (a lost reply).
          if (failing % 2 === 0) {
            await inner.lease(...args);
            applied++;
          }
          throw new Error('store unreachable');
        }
        return inner.lease(...args);
      },
    });
    const errors: string[] = [];
    const g = allowances(flaky, { onError: (what) => errors.push(what) });
    assert.ok((await g.reserve('a', [line('f', 10, 1000)])).ok);
    failing = 4;
    for (let i = 0; i < 5; i++) {
      assert.ok(
        (await g.reserve(`b${i}`, [line('f', 10, 1000)])).ok,
        'admitted from the allowance meanwhile',
      );
      g.settle(`b${i}`, [{ key: 'f', window: TOTAL, actual: 3 }]);
    }
    g.settle('a', [{ key: 'f', window: TOTAL, actual: 5 }]);
    await g.flush(false, 20_000);
    assert.equal(failing, 0);
    assert.ok(applied >= 1 && errors.length >= 4, 'failures happened and were reported');
    const [s] = await inner.read([{ key: 'f', window: TOTAL }]);
    assert.equal(s!.spent, 20, 'all spend written, none twice');
    await g.close();
    await inner.close();
  });
});

const up = await redisUp('allowance.test');
describe('leased allowances on Redis', { skip: up ? false : `no Redis at ${REDIS_URL}` }, () => {
  const prefix = uniquePrefix('allowance');
  after(async () => {
    if (!up) return;
    const c = connectRedis({ url: REDIS_URL, keyPrefix: '' });
    await redisReady(c);
    await dropPrefix(c, prefix);
    c.disconnect();
  });

  test('two gateways sharing a Redis budget never overspend together; the counter equals their spend', async () => {
    const open = async () => {
      const c = connectRedis({ url: REDIS_URL, keyPrefix: '' });
      await redisReady(c);
      return new RedisCounterStore(c, prefix);
    };
    const a = await open();
    const b = await open();
    const { served, refused, snap, gs } = await share([a, b], 50_000, 1000, 250, 200);
    assert.equal(served + refused, 1000);
    assert.ok(served >= 200, `at least the worst-case count is served (${served})`);
    assert.ok(snap.spent <= 50_000, `spent ${snap.spent} ≤ 50000`);
    assert.equal(snap.spent, served * 200);
    assert.equal(snap.reserved, 0, 'both gateways gave their allowances back');
    assert.ok(
      gs[0]!.calls + gs[1]!.calls < served,
      `fewer store calls (${gs[0]!.calls + gs[1]!.calls}) than calls served (${served})`,
    );
    await a.close();
    await b.close();
  });
});
