/**
 * The contract every flight board backend must pass: one suite, run on memory and on the real Redis.
 * Lease expiry is checked with a short lease and a wait well past it (no timing assertions).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FlightBoard, type FlightBoardBackend, type StreamOp } from './flight-board.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const never = new AbortController().signal;

export function flightBoardContract(
  name: string,
  open: () => Promise<FlightBoardBackend>,
  opts: { skip?: string | false } = {},
): void {
  describe(`flight board contract: ${name}`, { skip: opts.skip ?? false }, () => {
    async function board(o: ConstructorParameters<typeof FlightBoard>[1] = {}) {
      return new FlightBoard(await open(), { pollMs: 20, ...o });
    }

    test('one leader per key; the lease is free again once released', async () => {
      const b = await board();
      try {
        const a = await b.lead('k');
        assert.ok(a, 'the first instance leads');
        assert.equal(await b.lead('k'), null, 'a second one follows');
        assert.ok(await b.lead('other'), 'another key is independent');
        await a.release(null);
        const again = await b.lead('k');
        assert.ok(again, 'released lease can be taken');
        await again.release(null);
      } finally {
        await b.close();
      }
    });

    test('a follower gets the result the leader publishes', async () => {
      const b = await board();
      try {
        const lease = (await b.lead('k'))!;
        const waiting = b.wait('k', never, 10_000);
        await sleep(30);
        await lease.release('{"answer":"é😀"}');
        assert.equal(await waiting, '{"answer":"é😀"}');
        assert.equal(await b.wait('k', never, 10_000), '{"answer":"é😀"}', 'a late follower reads it too');
      } finally {
        await b.close();
      }
    });

    test('a failed leader publishes nothing: followers stop waiting at once', async () => {
      const b = await board();
      try {
        const lease = (await b.lead('k'))!;
        const waiting = b.wait('k', never, 60_000);
        await sleep(30);
        await lease.release(null);
        assert.equal(await waiting, null);
      } finally {
        await b.close();
      }
    });

    test('a leader that dies (stops renewing) loses its lease; followers give up and may lead', async () => {
      const b = await board({ leaseMs: 150 });
      try {
        const lease = (await b.lead('k'))!;
        lease.abandon();
        assert.equal(await b.wait('k', never, 60_000), null);
        const next = await b.lead('k');
        assert.ok(next, 'the lapsed lease can be taken');
        // The dead leader's late release neither frees the new lease nor blocks it.
        await lease.release('stale');
        assert.equal(await b.lead('k'), null);
        await next.release(null);
      } finally {
        await b.close();
      }
    });

    test('a live leader keeps its lease past leaseMs by renewing it', async () => {
      const b = await board({ leaseMs: 150 });
      try {
        const lease = (await b.lead('k'))!;
        await sleep(500);
        assert.equal(await b.lead('k'), null, 'still held');
        await lease.release('done');
        assert.equal(await b.wait('k', never, 1000), 'done');
      } finally {
        await b.close();
      }
    });

    test('waiting ends on abort and on maxWaitMs with null', async () => {
      const b = await board();
      try {
        const lease = (await b.lead('k'))!;
        const ac = new AbortController();
        const w = b.wait('k', ac.signal, 60_000);
        ac.abort();
        assert.equal(await w, null);
        assert.equal(await b.wait('k', never, 50), null);
        await lease.release(null);
      } finally {
        await b.close();
      }
    });

    test('the first flight of a fresh board hears a watch sent the moment it leads (no renewal needed)', async () => {
      // Renewals (which also catch a missed watch) come every leaseMs / 3 = 200 s; the test gives up after 15 s
      // (a liveness bound, not a timing: a heard watch arrives within a round trip).
      const b = await board({ leaseMs: 600_000 });
      let timer: NodeJS.Timeout | undefined;
      try {
        const lease = (await b.lead('first'))!;
        const watched = new Promise<boolean>((r) => lease.onWatched(() => r(true)));
        await b.backend.watch('first', 60_000);
        const missed = new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), 15_000);
        });
        assert.equal(await Promise.race([watched, missed]), true, 'the leader heard the watch');
        await lease.release(null);
      } finally {
        clearTimeout(timer);
        await b.close();
      }
    });

    test('a streaming follower gets the leader’s logged ops as they come, before the result', async () => {
      const b = await board();
      try {
        const lease = (await b.lead('k'))!;
        const watched = new Promise<void>((r) => lease.onWatched(r));
        const got: StreamOp[] = [];
        const following = b.follow('k', never, 10_000, (op) => got.push(op));
        await watched;
        lease.log({ t: 'start', dialect: 'openai', usage: true });
        lease.log({ t: 'write', chunk: 'data: é😀\n\n' });
        while (got.length < 2) await sleep(5);
        assert.deepEqual(got, [
          { t: 'start', dialect: 'openai', usage: true },
          { t: 'write', chunk: 'data: é😀\n\n' },
        ]);
        lease.log({ t: 'end' });
        await lease.release('result');
        assert.deepEqual(await following, { result: 'result', ended: true });
        assert.equal(got.length, 3);
        assert.deepEqual(got[2], { t: 'end' });
      } finally {
        await b.close();
      }
    });

    test('a streaming follower whose leader fails or dies mid-stream stops waiting, with no result', async () => {
      const b = await board({ leaseMs: 150 });
      try {
        for (const how of ['fails', 'dies'] as const) {
          const key = `k-${how}`;
          const lease = (await b.lead(key))!;
          const watched = new Promise<void>((r) => lease.onWatched(r));
          const got: StreamOp[] = [];
          const following = b.follow(key, never, 60_000, (op) => got.push(op));
          await watched;
          lease.log({ t: 'start', dialect: 'anthropic', usage: null });
          lease.log({ t: 'write', chunk: 'event: x\ndata: {}\n\n' });
          while (got.length < 2) await sleep(5);
          if (how === 'fails') await lease.release(null);
          else lease.abandon();
          assert.deepEqual(await following, { result: null, ended: false }, how);
        }
      } finally {
        await b.close();
      }
    });

    test('each flight of a key has its own stream log: a later flight never replays an earlier one', async () => {
      const b = await board();
      try {
        const first = (await b.lead('k'))!;
        const watched = new Promise<void>((r) => first.onWatched(r));
        const following = b.follow('k', never, 10_000, () => {});
        await watched;
        first.log({ t: 'start', dialect: 'openai', usage: null });
        first.log({ t: 'write', chunk: 'old' });
        first.log({ t: 'end' });
        await first.release(null);
        assert.deepEqual(await following, { result: null, ended: true });
        const second = (await b.lead('k'))!;
        const watched2 = new Promise<void>((r) => second.onWatched(r));
        const got: StreamOp[] = [];
        const following2 = b.follow('k', never, 10_000, (op) => got.push(op));
        await watched2;
        second.log({ t: 'start', dialect: 'openai', usage: null });
        second.log({ t: 'write', chunk: 'new' });
        second.log({ t: 'end' });
        await second.release('second');
        assert.deepEqual(await following2, { result: 'second', ended: true });
        assert.deepEqual(
          got.map((o) => (o.t === 'write' ? o.chunk : o.t)),
          ['start', 'new', 'end'],
        );
      } finally {
        await b.close();
      }
    });

    test('two streaming followers of one flight, one joining mid-stream, each get the whole log', async () => {
      const b = await board();
      try {
        const lease = (await b.lead('k'))!;
        const watched = new Promise<void>((r) => lease.onWatched(r));
        const early: StreamOp[] = [];
        const late: StreamOp[] = [];
        const first = b.follow('k', never, 10_000, (op) => early.push(op));
        await watched;
        lease.log({ t: 'start', dialect: 'openai', usage: null });
        for (let i = 0; i < 20; i++) lease.log({ t: 'write', chunk: `a${i}` });
        while (early.length < 21) await sleep(5);
        const second = b.follow('k', never, 10_000, (op) => late.push(op));
        while (late.length < 21) await sleep(5);
        for (let i = 0; i < 20; i++) lease.log({ t: 'write', chunk: `b${i}` });
        lease.log({ t: 'end' });
        await lease.release('whole');
        assert.deepEqual(await first, { result: 'whole', ended: true });
        assert.deepEqual(await second, { result: 'whole', ended: true });
        const want = [
          'start',
          ...Array.from({ length: 20 }, (_, i) => `a${i}`),
          ...Array.from({ length: 20 }, (_, i) => `b${i}`),
          'end',
        ];
        assert.deepEqual(
          early.map((o) => (o.t === 'write' ? o.chunk : o.t)),
          want,
        );
        assert.deepEqual(
          late.map((o) => (o.t === 'write' ? o.chunk : o.t)),
          want,
        );
      } finally {
        await b.close();
      }
    });

    test('a streaming follower of a leader that does not stream gets its result', async () => {
      const b = await board();
      try {
        const lease = (await b.lead('k'))!;
        const got: StreamOp[] = [];
        const following = b.follow('k', never, 10_000, (op) => got.push(op));
        await sleep(30);
        await lease.release('whole');
        assert.deepEqual(await following, { result: 'whole', ended: false });
        assert.deepEqual(got, []);
      } finally {
        await b.close();
      }
    });
  });
}
