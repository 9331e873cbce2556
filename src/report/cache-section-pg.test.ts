import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { makeEntry } from '../ledger/entry-fixtures.js';
import { PostgresLedger } from '../ledger/postgres/pg-ledger.js';
import { dropSchema, requirePostgres, TEST_DATABASE_URL, uniqueSchema } from '../postgres/test-support.js';
import { cacheSummary, summarizeCache } from './cache-section.js';

const skip = await requirePostgres('cache-section-pg.test');

const entries = () => [
  makeEntry({ feature: 'faq', meta: { cache: { status: 'miss' } } }),
  makeEntry({
    feature: 'faq',
    cost: 0n,
    savings: { 'cache.exact': 4_500_000_000n },
    meta: { cache: { status: 'hit', kind: 'exact' } },
  }),
  makeEntry({
    feature: 'faq',
    cost: 0n,
    savings: { 'cache.semantic': 1_000_000_000n, route: 3n },
    meta: { cache: { status: 'hit', kind: 'semantic' } },
  }),
  makeEntry({
    feature: 'faq',
    cost: 0n,
    savings: { 'cache.dedupe': 2_000_000_000n },
    meta: { cache: { status: 'dedupe' } },
  }),
  makeEntry({ feature: 'faq', meta: { cache: { status: 'bypass', reason: 'sampling' } } }),
  makeEntry({ feature: null, meta: { cache: { status: 'shadow-hit' } } }),
  makeEntry({ feature: 'plain' }),
  makeEntry({
    feature: 'support',
    ts: 1,
    savings: { 'cache.prompt': -500n, route: 7n },
    meta: {
      promptCache: {
        placed: [{ kind: 'system' }],
        breaker: { kind: 'timestamp', lostTokens: 1500, lostCost: '0.00405', before: 'Older: ' },
      },
    },
  }),
  makeEntry({
    feature: 'support',
    ts: 2,
    meta: {
      promptCache: {
        promptCacheKey: 'k1',
        breaker: { kind: 'timestamp', lostTokens: 1500, lostCost: '0.000000000001', before: 'Now: ' },
      },
    },
  }),
  makeEntry({ feature: 'support', meta: { promptCache: { placed: [] } } }),
];

test('PostgreSQL aggregates the caching section in SQL, equal to reading every entry', { skip }, async () => {
  const schema = uniqueSchema();
  const spillDir = fs.mkdtempSync(path.join(os.tmpdir(), 'penny-cache-pg-'));
  const ledger = await PostgresLedger.open({ url: TEST_DATABASE_URL, schema, spillDir });
  try {
    const data = entries();
    for (const e of data) ledger.append(e);
    const fromSql = await cacheSummary(ledger, {});
    const fromEntries = summarizeCache(await ledger.query());
    assert.deepEqual(fromSql, fromEntries);
    assert.equal(fromSql.promptCached, 2);
    assert.equal(fromSql.breakers[0]?.before, 'Now: ', 'the newest entry gives the example text');
  } finally {
    await ledger.close();
    await dropSchema(schema);
    fs.rmSync(spillDir, { recursive: true, force: true });
  }
});
