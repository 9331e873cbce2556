import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { dropSchema, requirePostgres, TEST_DATABASE_URL, uniqueSchema } from '../postgres/test-support.js';
import { PgResponseStore } from './pg-response-store.js';
import { responseStoreContract } from './response-store.contract.js';

const skip = await requirePostgres('pg-response-store.test');
const schemas: string[] = [];
after(async () => {
  for (const s of schemas) await dropSchema(s);
});

responseStoreContract(
  'postgres',
  async (ttlMs, now) => {
    const schema = uniqueSchema('penny_test_resp');
    schemas.push(schema);
    return PgResponseStore.open({ url: TEST_DATABASE_URL, schema, ttlMs, now, missRetryMs: 0 });
  },
  { skip },
);

test('postgres: two stores on one schema (two instances) see each other’s responses', { skip }, async () => {
  const schema = uniqueSchema('penny_test_resp');
  schemas.push(schema);
  const [a, b] = await Promise.all([
    PgResponseStore.open({ url: TEST_DATABASE_URL, schema, ttlMs: 60_000 }),
    // A generous retry pause: a's write surely lands within it, however loaded the machine.
    PgResponseStore.open({ url: TEST_DATABASE_URL, schema, ttlMs: 60_000, missRetryMs: 2000 }),
  ]);
  try {
    const rec = {
      id: 'resp_shared',
      createdAt: Date.now(),
      input: [{ role: 'user', content: 'quote " and \\u0000 and ✓' }],
      response: { id: 'resp_shared', z: 1, a: 2, output: [] },
    };
    // b asks first: the miss is retried once, and a's write lands in between.
    const pending = b.get('resp_shared');
    await a.put(rec);
    assert.deepEqual(await pending, rec);
    // Key order is the client's, not JSONB's.
    assert.deepEqual(Object.keys((await b.get('resp_shared'))!.response), ['id', 'z', 'a', 'output']);
    assert.equal(await b.delete('resp_shared'), true);
    assert.equal(await a.get('resp_shared'), null);
  } finally {
    await a.close();
    await b.close();
  }
});
