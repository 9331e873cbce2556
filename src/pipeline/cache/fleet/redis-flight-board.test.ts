import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { FlightBoard, type StreamOp } from './flight-board.js';
import { flightBoardContract } from './flight-board.contract.js';
import { RedisFlightBoard } from './redis-flight-board.js';
import { idBefore } from './redis-stream-mux.js';
import { openTestRedis, redisSkip, TEST_REDIS_URL } from './test-redis.js';

const skip = await redisSkip('redis-flight-board.test');
let n = 0;
const clients: Array<{ close(): Promise<void> }> = [];
flightBoardContract(
  'redis',
  async () => {
    const store = await openTestRedis(`penny:test:flight:${process.pid}:${n++}:`);
    const b = new RedisFlightBoard(store.client, store.prefix);
    const close = b.close.bind(b);
    b.close = async () => {
      await close();
      await store.close();
    };
    clients.push(b);
    return b;
  },
  { skip },
);

test('stream entry ids compare as numbers', () => {
  assert.ok(idBefore('0', '1-0'));
  assert.ok(idBefore('9-5', '10-0'));
  assert.ok(idBefore('10-9', '10-10'));
  assert.ok(!idBefore('10-10', '10-10'));
  assert.ok(!idBefore('11-0', '10-99'));
});

describe('streaming followers on one instance', { skip }, () => {
  const FOLLOWERS = 24;
  const name = `penny-test-followers-${process.pid}`;
  const prefix = `penny:test:flight-followers:${process.pid}:`;
  let leaderStore: Awaited<ReturnType<typeof openTestRedis>> | undefined;
  let followerClient: Redis | undefined;
  after(async () => {
    followerClient?.disconnect();
    await leaderStore?.close();
  });

  test(`${FOLLOWERS} concurrent followers share a bounded number of Redis connections`, async () => {
    leaderStore = await openTestRedis(prefix);
    const leaders = new FlightBoard(new RedisFlightBoard(leaderStore.client, prefix), { pollMs: 20 });
    // The follower instance's connections all carry its name (duplicates inherit it): counted in CLIENT LIST.
    followerClient = new Redis(TEST_REDIS_URL, { connectionName: name, maxRetriesPerRequest: 0 });
    const followers = new FlightBoard(new RedisFlightBoard(followerClient, prefix), { pollMs: 20 });
    const connections = async () =>
      ((await leaderStore!.client.client('LIST')) as string)
        .split('\n')
        .filter((l) => l.includes(` name=${name} `)).length;
    try {
      const never = new AbortController().signal;
      const flights = await Promise.all(
        Array.from({ length: FOLLOWERS }, async (_, i) => {
          const key = `k${i}`;
          const lease = (await leaders.lead(key))!;
          assert.ok(lease, `leads ${key}`);
          const watched = new Promise<void>((r) => lease.onWatched(r));
          const got: StreamOp[] = [];
          const following = followers.follow(key, never, 30_000, (op) => got.push(op));
          return { i, lease, watched, got, following };
        }),
      );
      await Promise.all(flights.map((f) => f.watched));
      for (const f of flights) {
        f.lease.log({ t: 'start', dialect: 'openai', usage: null });
        f.lease.log({ t: 'write', chunk: `data: first ${f.i}\n\n` });
      }
      // Every follower has its first chunk while every leader still streams: all are reading now.
      while (flights.some((f) => f.got.length < 2)) await new Promise((r) => setTimeout(r, 5));
      const open = await connections();
      assert.ok(open <= 2, `${open} connections for ${FOLLOWERS} followers (the main one and one reader)`);
      for (const f of flights) {
        f.lease.log({ t: 'write', chunk: `data: second ${f.i}\n\n` });
        f.lease.log({ t: 'end' });
        await f.lease.release(`result ${f.i}`);
      }
      for (const f of flights) {
        assert.deepEqual(await f.following, { result: `result ${f.i}`, ended: true });
        assert.deepEqual(f.got, [
          { t: 'start', dialect: 'openai', usage: null },
          { t: 'write', chunk: `data: first ${f.i}\n\n` },
          { t: 'write', chunk: `data: second ${f.i}\n\n` },
          { t: 'end' },
        ]);
      }
    } finally {
      await followers.close();
      await leaders.close();
    }
  });
});
