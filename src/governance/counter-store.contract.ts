/**
 * The counter store contract: every backend (SQLite, Redis) must pass this suite unchanged. It pins the
 * behaviour the budget promise rests on — all-or-nothing reservations, exact settlement, expiry of
 * abandoned reservations, and no overspend under concurrency.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { CounterStore, ReserveLine, WindowSpec } from './counter-store.js';

const TOTAL: WindowSpec = { kind: 'total' };

export function counterStoreContract(
  name: string,
  make: () => Promise<CounterStore>,
  opts: { skip?: string | false } = {},
): void {
  describe(`counter store contract: ${name}`, { skip: opts.skip ?? false }, () => {
    const open: CounterStore[] = [];
    const fresh = async () => {
      const s = await make();
      open.push(s);
      return s;
    };
    after(async () => {
      for (const s of open) await s.close();
    });
    const line = (key: string, amount: number, limit: number | null, window = TOTAL): ReserveLine => ({
      key,
      amount,
      limit,
      window,
    });

    test('a reservation that fits is held; settle replaces it by the actual amount', async () => {
      const s = await fresh();
      const r = await s.reserve('r1', [line('a', 300, 1000)], 60_000);
      assert.equal(r.ok, true);
      assert.deepEqual(r.ok && r.lines[0], { spent: 0, reserved: 300, resetAt: null });
      const [after] = await s.settle('r1', [{ key: 'a', window: TOTAL, actual: 120 }]);
      assert.deepEqual(after, { spent: 120, reserved: 0, resetAt: null });
      const [read] = await s.read([{ key: 'a', window: TOTAL }]);
      assert.deepEqual(read, { spent: 120, reserved: 0, resetAt: null });
    });

    test('a reservation that does not fit is refused with the numbers, and nothing is held on any line', async () => {
      const s = await fresh();
      assert.equal((await s.reserve('r1', [line('g', 600, 1000), line('f', 600, 1000)], 60_000)).ok, true);
      await s.settle('r1', [
        { key: 'g', window: TOTAL, actual: 500 },
        { key: 'f', window: TOTAL, actual: 500 },
      ]);
      assert.equal((await s.reserve('r2', [line('g', 100, 1000), line('f', 100, 700)], 60_000)).ok, true);
      const r = await s.reserve('r3', [line('g', 150, 1000), line('f', 150, 700)], 60_000);
      assert.equal(r.ok, false);
      assert.ok(!r.ok && r.reason === 'over');
      if (!r.ok && r.reason === 'over') {
        assert.equal(r.index, 1);
        assert.deepEqual(r.snapshot, { spent: 500, reserved: 100, resetAt: null });
      }
      const [g, f] = await s.read([
        { key: 'g', window: TOTAL },
        { key: 'f', window: TOTAL },
      ]);
      assert.deepEqual([g!.reserved, f!.reserved], [100, 100], 'the refused reservation held nothing');
    });

    test('exactly filling the limit fits; one unit more does not', async () => {
      const s = await fresh();
      assert.equal((await s.reserve('a', [line('x', 1000, 1000)], 60_000)).ok, true);
      assert.equal((await s.reserve('b', [line('x', 1, 1000)], 60_000)).ok, false);
      await s.settle('a', [{ key: 'x', window: TOTAL, actual: 999 }]);
      assert.equal((await s.reserve('c', [line('x', 1, 1000)], 60_000)).ok, true);
      assert.equal((await s.reserve('d', [line('x', 1, 1000)], 60_000)).ok, false);
    });

    test('a retried reservation (same id) is held once', async () => {
      const s = await fresh();
      assert.equal((await s.reserve('same', [line('idem', 40, 100)], 60_000)).ok, true);
      const again = await s.reserve('same', [line('idem', 40, 100)], 60_000);
      assert.ok(again.ok);
      assert.equal(again.ok && again.lines[0]!.reserved, 40);
      const [after] = await s.settle('same', [{ key: 'idem', window: TOTAL, actual: 30 }]);
      assert.deepEqual(after, { spent: 30, reserved: 0, resetAt: null });
    });

    test('settling with 0 releases; a null limit tracks without refusing', async () => {
      const s = await fresh();
      await s.reserve('a', [line('x', 50, 100)], 60_000);
      const [x] = await s.settle('a', [{ key: 'x', window: TOTAL, actual: 0 }]);
      assert.deepEqual(x, { spent: 0, reserved: 0, resetAt: null });
      const r = await s.reserve('b', [line('y', 10 ** 12, null)], 60_000);
      assert.equal(r.ok, true);
    });

    test('many concurrent reservations never exceed the limit', async () => {
      const s = await fresh();
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => s.reserve(`c${i}`, [line('conc', 7, 350)], 60_000)),
      );
      assert.equal(results.filter((r) => r.ok).length, 50);
      const [c] = await s.read([{ key: 'conc', window: TOTAL }]);
      assert.equal(c!.reserved, 350);
    });

    test('an abandoned reservation expires and is released; settling it later still books the spend', async () => {
      const s = await fresh();
      // The TTL is long enough that a loaded machine cannot let it lapse between the first two calls.
      await s.reserve('lost', [line('e', 80, 100)], 1_000);
      assert.equal((await s.reserve('n1', [line('e', 30, 100)], 60_000)).ok, false);
      await new Promise((r) => setTimeout(r, 1_300));
      const ok = await s.reserve('n2', [line('e', 30, 100)], 60_000);
      assert.equal(ok.ok, true);
      assert.deepEqual(ok.ok && ok.lines[0], { spent: 0, reserved: 30, resetAt: null });
      const [e] = await s.settle('lost', [{ key: 'e', window: TOTAL, actual: 20 }]);
      assert.deepEqual(e, { spent: 20, reserved: 30, resetAt: null });
    });

    test('a budget lowered while requests are in flight refuses new ones until settlement frees room', async () => {
      const s = await fresh();
      assert.equal((await s.reserve('a', [line('low', 60, 100)], 60_000)).ok, true);
      assert.equal((await s.reserve('b', [line('low', 10, 50)], 60_000)).ok, false);
      await s.settle('a', [{ key: 'low', window: TOTAL, actual: 35 }]);
      assert.equal((await s.reserve('c', [line('low', 10, 50)], 60_000)).ok, true);
      assert.equal((await s.reserve('d', [line('low', 10, 50)], 60_000)).ok, false);
    });

    test('fixed windows: reset at the end; a window that does not contain the store time is a clock error', async () => {
      const s = await fresh();
      const now = await s.now();
      const cur: WindowSpec = { kind: 'fixed', startsAt: now - 1000, endsAt: now + 60_000 };
      const r = await s.reserve('a', [line('fx', 5, 10, cur)], 60_000);
      assert.ok(r.ok);
      assert.equal(r.ok && r.lines[0]!.resetAt, now + 60_000);
      const stale: WindowSpec = { kind: 'fixed', startsAt: now - 120_000, endsAt: now - 60_000 };
      const c = await s.reserve('b', [line('fx-old', 5, 10, stale)], 60_000);
      assert.ok(!c.ok && c.reason === 'clock');
      assert.equal(!c.ok && c.index, 0);
    });

    test('rolling windows count recent spend and say when the oldest spend leaves', async () => {
      const s = await fresh();
      const w: WindowSpec = { kind: 'rolling', lengthMs: 3_600_000, bucketMs: 150_000 };
      await s.reserve('a', [line('roll', 40, 100, w)], 60_000);
      const [after] = await s.settle('a', [{ key: 'roll', window: w, actual: 40 }]);
      assert.equal(after!.spent, 40);
      const now = await s.now();
      const bucket = Math.floor(now / 150_000) * 150_000;
      assert.equal(after!.resetAt, bucket + 150_000 + 3_600_000);
      const r = await s.reserve('b', [line('roll', 61, 100, w)], 60_000);
      assert.ok(!r.ok && r.reason === 'over');
    });

    test('scan lists live counters under a prefix; once() is true only the first time', async () => {
      const s = await fresh();
      await s.reserve(
        'a',
        [line('p:one', 1, null), line('p:two', 2, null), line('q:three', 3, null)],
        60_000,
      );
      const rows = await s.scan('p:');
      assert.deepEqual(
        rows.map((r) => [r.key, r.snapshot.reserved]),
        [
          ['p:one', 1],
          ['p:two', 2],
        ],
      );
      assert.equal(await s.once('alert-1', 60_000), true);
      assert.equal(await s.once('alert-1', 60_000), false);
      assert.equal(await s.once('alert-2', 60_000), true);
    });

    test('settleMany settles a batch in order, the same as one settle each; lines shared across settlements add up', async () => {
      const s = await fresh();
      assert.ok((await s.reserve('m1', [line('m:a', 400, 1000), line('m:b', 400, null)], 60_000)).ok);
      assert.ok((await s.reserve('m2', [line('m:a', 500, 1000)], 60_000)).ok);
      assert.ok((await s.reserve('m3', [line('m:c', 9, 10)], 60_000)).ok);
      const out = await s.settleMany([
        {
          id: 'm1',
          lines: [
            { key: 'm:a', window: TOTAL, actual: 100 },
            { key: 'm:b', window: TOTAL, actual: 7 },
          ],
        },
        { id: 'm2', lines: [{ key: 'm:a', window: TOTAL, actual: 250 }] },
        { id: 'none', lines: [] },
        { id: 'm3', lines: [{ key: 'm:c', window: TOTAL, actual: 0 }] },
      ]);
      assert.deepEqual(out, [
        [
          { spent: 100, reserved: 500, resetAt: null },
          { spent: 7, reserved: 0, resetAt: null },
        ],
        [{ spent: 350, reserved: 0, resetAt: null }],
        [],
        [{ spent: 0, reserved: 0, resetAt: null }],
      ]);
      assert.deepEqual(await s.settleMany([]), []);
      // Settling an id twice books its spend twice but releases its reservation once.
      const again = await s.settleMany([{ id: 'm2', lines: [{ key: 'm:a', window: TOTAL, actual: 1 }] }]);
      assert.deepEqual(again, [[{ spent: 351, reserved: 0, resetAt: null }]]);
    });

    const lease = (
      key: string,
      spentTotal: number,
      keep: number,
      want: number,
      limit: number | null,
      window = TOTAL,
      epoch = 1,
    ) => ({
      key,
      window,
      spentTotal,
      epoch,
      keep,
      want,
      limit,
    });

    test('lease: holds the largest amount in [keep, want] that fits, counted in reserved for everyone', async () => {
      const s = await fresh();
      assert.ok((await s.reserve('r', [line('L', 300, 1000)], 60_000)).ok);
      const a = await s.lease('A', [lease('L', 0, 0, 500, 1000)], 60_000);
      assert.deepEqual(a.lines[0], { spent: 0, reserved: 800, resetAt: null, held: 500, clock: false });
      const b = await s.lease('B', [lease('L', 0, 0, 500, 1000)], 60_000);
      assert.equal(b.lines[0]!.held, 200, 'only the room left is granted');
      assert.equal(b.lines[0]!.reserved, 1000);
      assert.equal((await s.reserve('r2', [line('L', 1, 1000)], 60_000)).ok, false, 'leases hold the room');
      // No more room: what it held still fits, nothing more; keep is held even when it does not fit.
      const b2 = await s.lease('B', [lease('L', 0, 150, 400, 1000)], 60_000);
      assert.equal(b2.lines[0]!.held, 200);
      assert.ok((await s.reserve('r3', [line('L', 0, 1000)], 60_000)).ok);
      const b3 = await s.lease('B', [lease('L', 0, 150, 400, 700)], 60_000);
      assert.equal(b3.lines[0]!.held, 150, 'a lowered limit leaves only keep');
      // Returning a lease (keep = want = 0) frees its room.
      const a2 = await s.lease('A', [lease('L', 0, 0, 0, 1000)], 60_000);
      assert.deepEqual(a2.lines[0], { spent: 0, reserved: 450, resetAt: null, held: 0, clock: false });
      const [r] = await s.read([{ key: 'L', window: TOTAL }]);
      assert.equal(r!.reserved, 450);
    });

    test('lease: spend is booked from the cumulative total once, however often a call is retried', async () => {
      const s = await fresh();
      await s.lease('A', [lease('S', 0, 0, 100, 1000)], 60_000);
      const one = await s.lease('A', [lease('S', 30, 70, 70, 1000)], 60_000);
      assert.deepEqual(one.lines[0], { spent: 30, reserved: 70, resetAt: null, held: 70, clock: false });
      const again = await s.lease('A', [lease('S', 30, 70, 70, 1000)], 60_000);
      assert.equal(again.lines[0]!.spent, 30, 'a retried call books nothing twice');
      const more = await s.lease('A', [lease('S', 45, 0, 0, 1000)], 60_000);
      assert.deepEqual(more.lines[0], { spent: 45, reserved: 0, resetAt: null, held: 0, clock: false });
      // Another holder's totals are its own.
      const b = await s.lease('B', [lease('S', 5, 0, 0, 1000)], 60_000);
      assert.equal(b.lines[0]!.spent, 50);
      // An older total arriving late books nothing.
      const late = await s.lease('A', [lease('S', 30, 0, 0, 1000)], 60_000);
      assert.equal(late.lines[0]!.spent, 50);
      // A holder that forgot the counter counts again from 0 under a new epoch: that total is all new spend
      // (compared with the old epoch's 45 it would book nothing), and its retries book nothing twice.
      const anew = await s.lease('A', [lease('S', 20, 0, 0, 1000, TOTAL, 2)], 60_000);
      assert.equal(anew.lines[0]!.spent, 70, 'a new epoch books its total in full');
      const anewAgain = await s.lease('A', [lease('S', 20, 0, 0, 1000, TOTAL, 2)], 60_000);
      assert.equal(anewAgain.lines[0]!.spent, 70);
      const anewMore = await s.lease('A', [lease('S', 26, 0, 0, 1000, TOTAL, 2)], 60_000);
      assert.equal(anewMore.lines[0]!.spent, 76);
    });

    test('lease: lines are independent; a null limit grants want; a lease expires like a reservation', async () => {
      const s = await fresh();
      const r = await s.lease(
        'A',
        [lease('I1', 0, 0, 50, 40), lease('I2', 0, 0, 50, 100), lease('I3', 0, 0, 10 ** 12, null)],
        40,
      );
      assert.deepEqual(
        r.lines.map((l) => l.held),
        [40, 50, 10 ** 12],
      );
      await new Promise((res) => setTimeout(res, 120));
      const [i1] = await s.read([{ key: 'I1', window: TOTAL }]);
      assert.equal(i1!.reserved, 0, 'the expired lease was released');
      assert.equal((await s.reserve('x', [line('I1', 40, 40)], 60_000)).ok, true);
    });

    test('lease: a fixed window that does not contain the store time grants nothing new (clock) but still books spend', async () => {
      const s = await fresh();
      const now = await s.now();
      const stale: WindowSpec = { kind: 'fixed', startsAt: now - 120_000, endsAt: now - 60_000 };
      const r = await s.lease('A', [lease('old', 12, 0, 100, 1000, stale)], 60_000);
      assert.equal(r.lines[0]!.clock, true);
      assert.equal(r.lines[0]!.held, 0);
      assert.equal(r.lines[0]!.spent, 12);
      const cur: WindowSpec = { kind: 'fixed', startsAt: now - 1000, endsAt: now + 60_000 };
      const ok = await s.lease('A', [lease('cur', 0, 0, 100, 1000, cur)], 60_000);
      assert.deepEqual(ok.lines[0], {
        spent: 0,
        reserved: 100,
        resetAt: now + 60_000,
        held: 100,
        clock: false,
      });
    });

    test('lease: many holders leasing at once never hold more than the limit', async () => {
      const s = await fresh();
      const grants = await Promise.all(
        Array.from({ length: 40 }, (_, i) => s.lease(`h${i}`, [lease('many', 0, 0, 30, 500)], 60_000)),
      );
      const held = grants.reduce((a, g) => a + g.lines[0]!.held, 0);
      assert.equal(held, 500);
      const [m] = await s.read([{ key: 'many', window: TOTAL }]);
      assert.equal(m!.reserved, 500);
    });

    test('large amounts stay exact (nanodollars of a $5M budget)', async () => {
      const s = await fresh();
      const limit = 5_000_000 * 1e9;
      const r = await s.reserve('big', [line('big', limit - 1, limit)], 60_000);
      assert.ok(r.ok);
      const [b] = await s.settle('big', [{ key: 'big', window: TOTAL, actual: limit - 7 }]);
      assert.deepEqual(b, { spent: limit - 7, reserved: 0, resetAt: null });
      assert.equal((await s.reserve('b2', [line('big', 7, limit)], 60_000)).ok, true);
      assert.equal((await s.reserve('b3', [line('big', 1, limit)], 60_000)).ok, false);
    });
  });
}
