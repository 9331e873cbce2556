/**
 * Virtual keys and CLI budgets in PostgreSQL (`governance.keyStore.postgres`): a key created by another
 * process (the CLI's way: its own handle on the store) works on the running gateway without a restart,
 * revoking it takes effect at once (keyCacheMs 0), a budget set in PostgreSQL refuses, and deleting it lets
 * requests through again. Two gateways sharing the schema migrate it once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { setBudget } from '../../src/governance/budget-admin.js';
import { createKey, revokeKey } from '../../src/governance/key-admin.js';
import { type Stores, openStores } from '../../src/governance/governance.js';
import {
  TEST_DATABASE_URL,
  dropSchema,
  requirePostgres,
  sql,
  uniqueSchema,
} from '../../src/postgres/test-support.js';
import { type Harness, startHarness } from './harness.js';

const skip = await requirePostgres('governance-pg-keys.test');
const schema = uniqueSchema('penny_gov_e2e');

describe('keys and budgets in PostgreSQL', { skip }, () => {
  let a: Harness;
  let b: Harness;
  let stores: Stores;
  const config = {
    governance: {
      keyCacheMs: 0,
      refreshMs: 0,
      requireKeys: true,
      keyStore: { postgres: { url: TEST_DATABASE_URL, schema } },
    },
  };
  const chat = (h: Harness, key: string) =>
    new OpenAI({ apiKey: key, baseURL: `${h.app.url}/v1`, maxRetries: 0 }).chat.completions.create({
      model: 'gpt-4o-mini',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'hello' }],
    });
  const status = async (p: Promise<unknown>) => {
    try {
      await p;
      return 200;
    } catch (e) {
      return (e as { status?: number }).status ?? 0;
    }
  };

  before(async () => {
    [a, b] = await Promise.all([startHarness({ config }), startHarness({ config })]);
    stores = openStores(a.app.loaded);
  });
  after(async () => {
    await stores?.keys.close();
    await stores?.counters.close();
    await a?.close();
    await b?.close();
    await dropSchema(schema);
  });

  test('a key created elsewhere works on both running gateways; revoked, it is refused at once', async () => {
    assert.equal(stores.keys.kind, 'postgres');
    const { key } = await createKey(stores.keys, { name: 'pg-team' });
    assert.equal(await status(chat(a, key)), 200);
    assert.equal(await status(chat(b, key)), 200);
    const e = (await a.entries()).at(-1)!;
    assert.equal(e.keyId, 'pg-team');
    await revokeKey(stores.keys, 'pg-team');
    assert.equal(await status(chat(a, key)), 401);
    assert.equal(await status(chat(b, key)), 401);
    const rows = await sql<{ n: string }>(
      `SELECT count(*) AS n FROM "${schema}".penny_migrations WHERE component = 'governance-keys'`,
    );
    assert.equal(Number(rows[0]!.n), 1, 'migrated once');
  });

  test('a budget set in PostgreSQL applies without a restart, and its removal too', async () => {
    const { key } = await createKey(stores.keys, { name: 'pg-budget' });
    assert.equal(await status(chat(a, key)), 200);
    await setBudget(stores.keys, 'pg-zero', { limit: '0', key: 'pg-budget', window: 'day' });
    assert.equal(await status(chat(a, key)), 429);
    await stores.keys.deleteBudget('pg-zero');
    assert.equal(await status(chat(a, key)), 200);
  });
});
