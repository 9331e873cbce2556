import { after } from 'node:test';
import { TEST_DATABASE_URL, dropSchema, requirePostgres, uniqueSchema } from '../postgres/test-support.js';
import { keyStoreContract } from './key-store.contract.js';
import { PgKeyStore } from './pg-key-store.js';

const skip = await requirePostgres('pg-key-store.test');
const schemas: string[] = [];
after(async () => {
  if (!skip) for (const s of schemas) await dropSchema(s);
});

keyStoreContract(
  'postgres',
  async () => {
    const schema = uniqueSchema('penny_gov_keys');
    schemas.push(schema);
    return new PgKeyStore({ url: TEST_DATABASE_URL, schema });
  },
  { skip },
);
