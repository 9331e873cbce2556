import { after } from 'node:test';
import { keyStoreContract } from './key-store.contract.js';
import { connectRedis, redisReady } from './redis-counter-store.js';
import { RedisKeyStore } from './redis-key-store.js';
import { REDIS_URL, dropPrefix, redisUp, uniquePrefix } from './redis-test-support.js';

const up = await redisUp('redis-key-store.test');
const base = uniquePrefix('keys');
let n = 0;
after(async () => {
  if (!up) return;
  const c = connectRedis({ url: REDIS_URL, keyPrefix: '' });
  await redisReady(c);
  await dropPrefix(c, base);
  c.disconnect();
});

keyStoreContract(
  'redis',
  async () => {
    const client = connectRedis({ url: REDIS_URL, keyPrefix: '' });
    await redisReady(client);
    return new RedisKeyStore(client, `${base}${n++}:`);
  },
  { skip: up ? false : `no Redis at ${REDIS_URL}` },
);
