import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeEntry } from '../ledger/entry-fixtures.js';
import { MemoryLedger } from '../ledger/memory-ledger.js';
import {
  cacheSummary,
  isEmptyCacheSummary,
  renderBreakers,
  renderCacheSection,
  summarizeCache,
} from './cache-section.js';

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
    savings: { 'cache.semantic': 1_000_000_000n },
    meta: { cache: { status: 'hit', kind: 'semantic' } },
  }),
  makeEntry({
    feature: 'faq',
    cost: 0n,
    savings: { 'cache.dedupe': 2_000_000_000n },
    meta: { cache: { status: 'dedupe' } },
  }),
  makeEntry({ feature: 'faq', meta: { cache: { status: 'bypass', reason: 'sampling' } } }),
  makeEntry({ feature: 'trial', meta: { cache: { status: 'shadow-hit' } } }),
  makeEntry({
    feature: 'support',
    savings: { 'cache.prompt': -500n, route: 7n },
    meta: {
      promptCache: {
        placed: [{ kind: 'system' }],
        breaker: { kind: 'timestamp', lostTokens: 1500, lostCost: '0.00405', before: 'Now: ' },
      },
    },
  }),
  makeEntry({
    feature: 'support',
    meta: {
      promptCache: { breaker: { kind: 'timestamp', lostTokens: 1500, lostCost: '0.00405', before: 'Now: ' } },
    },
  }),
];

test('cache summary: hit rates per feature, savings by cache tactic, breakers with their cost', () => {
  const s = summarizeCache(entries());
  const faq = s.features.find((f) => f.feature === 'faq')!;
  assert.deepEqual(
    [faq.cacheable, faq.exactHits, faq.semanticHits, faq.dedupe, faq.bypassed, faq.hitRate],
    [4, 1, 1, 1, 1, 0.75],
  );
  assert.equal(faq.saved, 7_500_000_000n);
  assert.equal(s.features.find((f) => f.feature === 'trial')!.shadowHits, 1);
  assert.deepEqual(
    s.byTactic.map((t) => [t.tactic, t.amount]),
    [
      ['cache.exact', 4_500_000_000n],
      ['cache.dedupe', 2_000_000_000n],
      ['cache.semantic', 1_000_000_000n],
      ['cache.prompt', -500n],
    ],
    'other tactics are not counted here',
  );
  assert.equal(s.promptCached, 1);
  assert.deepEqual(s.breakers, [
    {
      feature: 'support',
      kind: 'timestamp',
      requests: 2,
      lostTokens: 3000,
      lostCost: 8_100_000_000n,
      before: 'Now: ',
    },
  ]);
  const text = renderCacheSection(s);
  assert.match(text, /faq\s+│\s+4\s+│\s+1\s+│\s+1\s+│\s+1\s+│\s+75\.0%/);
  assert.match(text, /cache\.exact\s+│\s+\$0\.0045/);
  assert.match(renderBreakers(s), /support\s+│\s+timestamp\s+│\s+2\s+│\s+3,000\s+│\s+\$0\.0081/);
});

test('cache summary from a ledger; empty when nothing was cached', async () => {
  const ledger = new MemoryLedger();
  assert.equal(isEmptyCacheSummary(await cacheSummary(ledger)), true);
  assert.match(renderCacheSection(await cacheSummary(ledger)), /nothing cached/);
  for (const e of entries()) ledger.append(e);
  const s = await cacheSummary(ledger);
  assert.equal(s.features.length, 2);
  assert.match(renderBreakers(summarizeCache([])), /No prefix breakers/);
});

test('penny report (table) ends with the caching section when anything was cached', async () => {
  const { reportCommand } = await import('../cli/report.js');
  const ledger = new MemoryLedger();
  for (const e of entries()) ledger.append({ ...e, ts: Date.UTC(2025, 8, 1) });
  const text = await reportCommand({ ledger, format: 'table', from: '2025-09-01', to: '2025-09-02' });
  assert.match(text, /\nCaching\n/);
  assert.match(text, /Prefix breakers/);
  const plain = new MemoryLedger();
  plain.append({ ...entries()[0]!, meta: {} });
  const none = await reportCommand({ ledger: plain, format: 'table', from: '2025-09-01', to: '2025-09-02' });
  assert.doesNotMatch(none, /\nCaching\n/);
});
