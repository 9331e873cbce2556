import { after } from 'node:test';
import { TEST_DATABASE_URL, dropSchema, requirePostgres, uniqueSchema } from '../../postgres/test-support.js';
import { jobStoreContract } from './job-store.contract.js';
import { PgJobStore } from './pg-job-store.js';

const skip = await requirePostgres('pg-job-store.test');
const schemas: string[] = [];
after(async () => {
  if (!skip) for (const s of schemas) await dropSchema(s);
});
const fresh = () => {
  const schema = uniqueSchema('penny_batch_jobs');
  schemas.push(schema);
  return schema;
};

jobStoreContract('postgres', async () => new PgJobStore({ url: TEST_DATABASE_URL, schema: fresh() }), {
  skip,
  // Two stores (two pools) on one fresh schema: both migrate at once on first use, under the advisory lock.
  shared: async () => {
    const schema = fresh();
    return [
      new PgJobStore({ url: TEST_DATABASE_URL, schema }),
      new PgJobStore({ url: TEST_DATABASE_URL, schema }),
    ];
  },
});
