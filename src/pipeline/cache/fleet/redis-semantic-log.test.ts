import { RedisSemanticLog } from './redis-semantic-log.js';
import { semanticLogContract } from './semantic-log.contract.js';
import { openTestRedis, redisSkip } from './test-redis.js';

let n = 0;
semanticLogContract(
  'redis',
  async (max) => {
    const r = await openTestRedis(`penny:test:semlog:${process.pid}:${n++}:`);
    const log = new RedisSemanticLog(r.client, `${r.prefix}semantic`, max);
    log.close = () => r.close();
    return log;
  },
  { skip: await redisSkip('redis-semantic-log.test') },
);
