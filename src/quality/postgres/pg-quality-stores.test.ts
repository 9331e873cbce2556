import { TEST_DATABASE_URL, dropSchema, requirePostgres, uniqueSchema } from '../../postgres/test-support.js';
import { qualityStoresContract } from '../quality-stores.contract.js';
import { openPgQualityStores } from './pg-quality-stores.js';

const skip = await requirePostgres('pg-quality-stores.test.ts');

qualityStoresContract(
  'PostgreSQL',
  async () => {
    const schema = uniqueSchema('penny_quality');
    return {
      stores: await openPgQualityStores({ url: TEST_DATABASE_URL, schema }),
      cleanup: () => dropSchema(schema),
    };
  },
  { skip },
);
