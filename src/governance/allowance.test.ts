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

/**
 * A gateway that forgets an idle counter (allowance given back, all spend written: the sweep drops the slot)
 * and then spends on it again: the new spend is booked in full. Before LeaseLine.epoch the new slot counted
 * from 0 and the store subtracted the total it had booked for the old one, so up to that much new spend was
 * never booked — and the budget could then be overspent by it (seen in the fleet test under load).
 */
async function spendAfterForgetting(store: CounterStore): Promise<void> {
  const g = allowances(store, { idleMs: 20, writeBehindMs: 0 });
  const spend = async (id: string, actual: number) => {
    const r = await g.reserve(id, [line('idle', 50, 1000)]);
    assert.ok(r.ok);
    g.settle(id, [{ key: 'idle', window: TOTAL, actual }]);
    await g.flush();
  };
  try {
    await spend('first', 30);
    await spend('second', 30);
    // The slot is forgotten once it is idle with nothing held or unwritten (its local view is then empty).
    while (g.view('idle').spent !== 0) await new Promise((r) => setTimeout(r, 10));
    await spend('third', 40);
    const [s] = await store.read([{ key: 'idle', window: TOTAL }]);
    assert.equal(s!.spent, 100, 'the spend after the counter was forgotten is booked too');
  } finally {
    await g.close();
    await store.close();
  }
}

describe('leased allowances', () => {
  test('one gateway: calls after the first lease are admitted without waiting for a store call; the counter is exact', async () => {
    const store = sqlite();
    const g = allowances(store);
    const first = await g.reserve('a', [line('k', 10, 1000)]);
    assert.ok(first.ok);
    assert.equal(g.calls, 1);
    for (let i = 0; i < 8; i++) {
      const r = await g.reserve(`b${i}`, [line('k', 10, 1000)]);
      assert.ok(r.ok);
    }
    assert.equal(g.waited, 1, 'eight more calls fit the allowance: none waited for a store call');
    assert.ok(g.calls <= 2, 'at most one top-up was started ahead, in the background');
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

  test('an admission in process makes snapshots for the lines the caller reads (views), and holds every line', async () => {
    const store = sqlite();
    const g = allowances(store);
    assert.ok((await g.reserve('a', [line('r', 1, 100), line('t', 5, 1000), line('b', 50, 10_000)])).ok);
    const lines = [line('r', 1, 100), line('t', 5, 1000), line('b', 50, 10_000)];
    const r = g.admitNow('c', lines, Date.now(), Date.now(), 2);
    assert.ok(r?.ok);
    assert.deepEqual(r.lines[0], { spent: 0, reserved: 2, resetAt: null }, 'the requests line, as read');
    assert.deepEqual(r.lines[1], { spent: 0, reserved: 10, resetAt: null }, 'the tokens line, as read');
    assert.ok(Number.isNaN(r.lines[2]!.spent), 'a line past `views` gets no snapshot of its own');
    assert.equal(g.view('b').reserved, 100, 'yet its amount is held like the others');
    g.settle('c', [{ key: 'b', window: TOTAL, actual: 20 }]);
    assert.equal(g.view('b').reserved, 50, 'and released at settlement');
    assert.equal(g.view('t').reserved, 5, 'held lines the settlement did not name are released too');
    g.settle('a', []);
    await g.close();
    const [b] = await store.read([{ key: 'b', window: TOTAL }]);
    assert.deepEqual(b, { spent: 20, reserved: 0, resetAt: null });
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

  test('a call the counter has room for is not refused when a lease comes back short: it waits for one more', async () => {
    // The room a lease asked for a waiting call can be taken by calls admitted while the store call was out;
    // here the store grants only what is kept on the first lease, as if that had happened.
    const real = sqlite();
    let short = 1;
    const store: CounterStore = Object.create(real);
    store.lease = (holder, lines, ttlMs) =>
      real.lease(holder, short-- > 0 ? lines.map((l) => ({ ...l, want: l.keep })) : lines, ttlMs);
    const g = allowances(store);
    const r = await g.reserve('a', [line('k', 10, 1_000_000)]);
    assert.ok(r.ok, 'admitted after a second store call, not refused under a limit it is far from');
    assert.equal(g.calls, 2);
    // A call the counter truly cannot hold is still refused, at once.
    const over = await g.reserve('b', [line('k', 2_000_000, 1_000_000)]);
    assert.equal(over.ok, false);
    await g.close();
  });

  test('spend after an idle counter was forgotten is booked in full (SQLite)', async () => {
    await spendAfterForgetting(sqlite());
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

/**
 * A store whose lease calls can be held (the test releases them) or failed, to see what admissions do while a
 * top-up is in flight.
 */
function gatedStore(inner: CounterStore) {
  const held: Array<() => void> = [];
  const state = { hold: false, fail: 0, leases: 0 };
  const store: CounterStore = Object.assign(Object.create(inner) as CounterStore, {
    lease: async (...args: Parameters<CounterStore['lease']>) => {
      state.leases++;
      if (state.hold) await new Promise<void>((r) => held.push(r));
      if (state.fail > 0) {
        state.fail--;
        throw new Error('store unreachable');
      }
      return inner.lease(...args);
    },
  });
  const release = () => {
    for (const r of held.splice(0)) r();
  };
  return { store, state, held, release };
}

const tick = () => new Promise((r) => setImmediate(r));
/** Lets background store calls start and finish (each is a few setImmediate turns). */
const settleDown = async () => {
  for (let i = 0; i < 5; i++) await tick();
};

describe('lease ahead', () => {
  // calls 8 × a unit of 1 (a request counter): the first lease grants 8 beyond the call; half is 4.
  const opts = { calls: 8, writeBehindMs: 60_000 };

  test('a top-up starts before the allowance runs out, and no admission waits for it while room is left', async () => {
    const inner = sqlite();
    const gate = gatedStore(inner);
    const g = allowances(gate.store, opts);
    assert.ok((await g.reserve('first', [line('rpm', 1, 1_000_000)])).ok);
    g.settle('first', [{ key: 'rpm', window: TOTAL, actual: 1 }]);
    assert.equal(g.waited, 1, 'the very first call waits for the first lease');
    assert.equal(gate.state.leases, 1);
    gate.state.hold = true;
    let i = 0;
    // Each call spends 1: free 8 → 3 after five calls, below half the grant, so the top-up starts.
    while (gate.held.length === 0) {
      assert.ok(i < 8, 'a top-up started before the allowance ran out');
      const r = await g.reserve(`c${i}`, [line('rpm', 1, 1_000_000)]);
      assert.ok(r.ok);
      g.settle(`c${i}`, [{ key: 'rpm', window: TOTAL, actual: 1 }]);
      i++;
      await tick();
    }
    assert.equal(i, 5, 'the top-up started when half the grant was used');
    assert.equal(g.aheadCalls, 1);
    // While the top-up is in flight, the rest of the allowance still admits in process.
    for (let j = 0; j < 3; j++) {
      const r = await g.reserve(`d${j}`, [line('rpm', 1, 1_000_000)]);
      assert.ok(r.ok, 'admitted from what is left while the top-up is in flight');
      g.settle(`d${j}`, [{ key: 'rpm', window: TOTAL, actual: 1 }]);
    }
    assert.equal(g.waited, 1, 'no admission waited');
    gate.state.hold = false;
    gate.release();
    await settleDown();
    // Many more calls, one at a time: top-ups keep ahead of them.
    for (let j = 0; j < 200; j++) {
      const r = await g.reserve(`e${j}`, [line('rpm', 1, 1_000_000)]);
      assert.ok(r.ok);
      g.settle(`e${j}`, [{ key: 'rpm', window: TOTAL, actual: 1 }]);
      await settleDown();
    }
    assert.equal(g.waited, 1, 'no admission waited for a store call after the first');
    assert.ok(g.aheadCalls >= 2);
    await g.close();
    const [s] = await inner.read([{ key: 'rpm', window: TOTAL }]);
    assert.deepEqual(s, { spent: 1 + 5 + 3 + 200, reserved: 0, resetAt: null }, 'every call counted once');
    await inner.close();
  });

  test('a write that goes out anyway refills the allowances in use: no top-up needs a store call of its own', async () => {
    const store = sqlite();
    // Every settlement is written at once (the next turn), long before half of a grant is used.
    const g = allowances(store, { calls: 8, writeBehindMs: 0 });
    for (let i = 0; i < 100; i++) {
      const r = await g.reserve(`c${i}`, [line('rpm', 1, 1_000_000), line('tpm', 50, 100_000_000)]);
      assert.ok(r.ok);
      g.settle(`c${i}`, [
        { key: 'rpm', window: TOTAL, actual: 1 },
        { key: 'tpm', window: TOTAL, actual: 20 },
      ]);
      await settleDown();
    }
    assert.equal(g.waited, 1, 'only the very first call waited');
    assert.equal(g.aheadCalls, 0, 'every top-up rode on a write');
    assert.ok(g.calls <= 101, `one store call per write at most (${g.calls})`);
    await g.close();
    const [rpm, tpm] = await store.read([
      { key: 'rpm', window: TOTAL },
      { key: 'tpm', window: TOTAL },
    ]);
    assert.deepEqual(rpm, { spent: 100, reserved: 0, resetAt: null });
    assert.deepEqual(tpm, { spent: 2000, reserved: 0, resetAt: null });
    await store.close();
  });

  test('ten concurrent callers on a fast counter: the allowance grows with the spend rate, budgets stay exact', async () => {
    const store = sqlite();
    const g = allowances(store, { calls: 8, writeBehindMs: 25 });
    const limit = 5_000_000;
    let served = 0;
    await Promise.all(
      Array.from({ length: 10 }, async (_, c) => {
        for (let i = 0; i < 300; i++) {
          const r = await g.reserve(`${c}:${i}`, [line('fast', 10, limit)]);
          assert.ok(r.ok);
          await tick();
          g.settle(`${c}:${i}`, [{ key: 'fast', window: TOTAL, actual: 10 }]);
          served++;
        }
      }),
    );
    await g.flush();
    const [s] = await store.read([{ key: 'fast', window: TOTAL }]);
    assert.equal(s!.spent, served * 10);
    // 3,000 calls spending 10 each: unless they took over 30 s, the last lease covers over `calls` × 10 —
    // 100 ms of the recent spend rate. (How many store calls that saves depends on the machine's speed.)
    assert.ok(s!.reserved > 8 * 10, `the allowance (${s!.reserved}) is sized by the spend rate`);
    assert.ok(s!.reserved <= (limit - s!.spent) / 4 + 10 * 10, 'and at most a quarter of the room left');
    await g.close();
    const [closed] = await store.read([{ key: 'fast', window: TOTAL }]);
    assert.deepEqual(closed, { spent: served * 10, reserved: 0, resetAt: null });
    await store.close();
  });

  test('a limit lowered while a top-up is in flight is not admitted past', async () => {
    const inner = sqlite();
    const gate = gatedStore(inner);
    const g = allowances(gate.store, opts);
    // Unit 10: the first lease holds 10 + 80; five calls in flight (50) leave 40 free, the sixth starts a top-up.
    for (let i = 0; i < 6; i++) {
      if (i === 1) gate.state.hold = true;
      const r =
        i === 0
          ? await g.reserve('a0', [line('low', 10, 1000)])
          : await g.reserve(`a${i}`, [line('low', 10, 1000)]);
      assert.ok(r.ok);
      await tick();
    }
    assert.equal(gate.held.length, 1, 'a top-up is in flight');
    // The limit drops to 65 with 60 in flight: a call of 10 must be refused, one of 5 fits exactly.
    const over = g.reserve('over', [line('low', 10, 65)]);
    const fits = g.reserve('fits', [line('low', 5, 65)]);
    gate.state.hold = false;
    gate.release();
    const [o, f] = await Promise.all([over, fits]);
    assert.ok(!o.ok && o.reason === 'over', 'not admitted past the lowered limit');
    assert.ok(f.ok, 'exactly filling the lowered limit fits');
    for (let i = 0; i < 6; i++) g.settle(`a${i}`, [{ key: 'low', window: TOTAL, actual: 10 }]);
    g.settle('fits', [{ key: 'low', window: TOTAL, actual: 5 }]);
    const after = await g.reserve('after', [line('low', 1, 65)]);
    assert.ok(!after.ok, 'the lowered limit is spent: 65 of 65');
    await g.close();
    const [s] = await inner.read([{ key: 'low', window: TOTAL }]);
    assert.deepEqual(s, { spent: 65, reserved: 0, resetAt: null });
    await inner.close();
  });

  test('a top-up that fails is reported and retried; calls meanwhile use what is left, then wait for the retry', async () => {
    const inner = sqlite();
    const gate = gatedStore(inner);
    const errors: string[] = [];
    const g = allowances(gate.store, { ...opts, onError: (what) => errors.push(what) });
    assert.ok((await g.reserve('first', [line('f', 1, 1_000_000)])).ok);
    g.settle('first', [{ key: 'f', window: TOTAL, actual: 1 }]);
    gate.state.fail = 1;
    for (let i = 0; i < 8; i++) {
      const r = await g.reserve(`c${i}`, [line('f', 1, 1_000_000)]);
      assert.ok(r.ok, `call ${i} admitted from the allowance though the top-up failed`);
      g.settle(`c${i}`, [{ key: 'f', window: TOTAL, actual: 1 }]);
      await settleDown();
    }
    assert.equal(errors.length, 1, 'the failed top-up was reported');
    assert.equal(g.waited, 1);
    // The allowance is used up: the next call waits for the retry (after the backoff), which succeeds.
    // (The retry timer does not keep a process alive on its own; a gateway's server does.)
    const alive = setInterval(() => {}, 1000);
    const r = await g.reserve('next', [line('f', 1, 1_000_000)]);
    clearInterval(alive);
    assert.ok(r.ok, 'admitted once the retried lease succeeded');
    assert.equal(g.waited, 2);
    g.settle('next', [{ key: 'f', window: TOTAL, actual: 1 }]);
    await g.close();
    const [s] = await inner.read([{ key: 'f', window: TOTAL }]);
    assert.deepEqual(s, { spent: 10, reserved: 0, resetAt: null }, 'all spend written once');
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

  test('spend after an idle counter was forgotten is booked in full (Redis)', async () => {
    const c = connectRedis({ url: REDIS_URL, keyPrefix: '' });
    await redisReady(c);
    await spendAfterForgetting(new RedisCounterStore(c, `${prefix}idle:`));
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
