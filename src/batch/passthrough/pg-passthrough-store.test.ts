import { after } from 'node:test';
import { TEST_DATABASE_URL, dropSchema, requirePostgres, uniqueSchema } from '../../postgres/test-support.js';
import { passthroughStoreContract } from './passthrough-store.contract.js';
import { PgPassthroughStore } from './pg-passthrough-store.js';

const skip = await requirePostgres('pg-passthrough-store.test');
const schemas: string[] = [];
after(async () => {
  if (!skip) for (const s of schemas) await dropSchema(s);
});
const fresh = () => {
  const schema = uniqueSchema('penny_batch_pt');
  schemas.push(schema);
  return schema;
};

passthroughStoreContract(
  'postgres',
  async () => new PgPassthroughStore({ url: TEST_DATABASE_URL, schema: fresh() }),
  {
    skip,
    shared: async () => {
      const schema = fresh();
      return [
        new PgPassthroughStore({ url: TEST_DATABASE_URL, schema }),
        new PgPassthroughStore({ url: TEST_DATABASE_URL, schema }),
      ];
    },
  },
);
