import { flightBoardContract } from './flight-board.contract.js';
import { RedisFlightBoard } from './redis-flight-board.js';
import { openTestRedis, redisSkip } from './test-redis.js';

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
  { skip: await redisSkip('redis-flight-board.test') },
);
