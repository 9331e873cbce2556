import { after } from 'node:test';
import { counterStoreContract } from './counter-store.contract.js';
import { RedisCounterStore, connectRedis, redisReady } from './redis-counter-store.js';
import { REDIS_URL, dropPrefix, redisUp, uniquePrefix } from './redis-test-support.js';

const up = await redisUp('redis-counter-store.test');
const base = uniquePrefix('counters');
let n = 0;
after(async () => {
  if (!up) return;
  const c = connectRedis({ url: REDIS_URL, keyPrefix: '' });
  await redisReady(c);
  await dropPrefix(c, base);
  c.disconnect();
});

counterStoreContract(
  'redis',
  async () => {
    const client = connectRedis({ url: REDIS_URL, keyPrefix: '' });
    await redisReady(client);
    return new RedisCounterStore(client, `${base}${n++}:`);
  },
  { skip: up ? false : `no Redis at ${REDIS_URL}` },
);
