import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeEntry } from '../ledger/entry-fixtures.js';
import { MemoryLedger } from '../ledger/memory-ledger.js';
import { NO_BUDGETS } from './budget-status.js';
import { demoEntries } from './demo-entries.js';
import { buildOverview } from './overview.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 8, 10, 12);

function ledgerWith(entries: Parameters<typeof makeEntry>[0][]): MemoryLedger {
  const l = new MemoryLedger();
  for (const e of entries) l.append(makeEntry(e));
  return l;
}

describe('buildOverview', () => {
  test('totals, per-group rows and the days axis, with money as exact decimal strings', async () => {
    const ledger = ledgerWith([
      { ts: T0 - 2 * DAY, feature: 'chat', user: 'u1', cost: 1_000_000_000n, baselineCost: 1_000_000_000n },
      {
        ts: T0,
        feature: 'chat',
        user: 'u2',
        cost: 2_000_000_001n,
        baselineCost: 3_000_000_001n,
        savings: { route: 1_000_000_000n },
      },
      { ts: T0, feature: 'search', user: 'u1', servedModel: 'llama-local', cost: null, baselineCost: null },
    ]);
    const ov = await buildOverview(ledger, {}, { now: T0, budgets: NO_BUDGETS });
    assert.equal(ov.totals.requests, 3);
    assert.equal(ov.totals.cost, '0.003000000001');
    assert.equal(ov.totals.savings, '0.001');
    assert.equal(ov.totals.unpriced, 1);
    assert.deepEqual(
      ov.days.map((d) => [d.day, d.requests]),
      [
        ['2025-09-08', 1],
        ['2025-09-09', 0],
        ['2025-09-10', 2],
      ],
      'empty days are filled in',
    );
    assert.deepEqual(
      ov.byFeature.map((r) => [r.key, r.cost, r.unpriced]),
      [
        ['chat', '0.003000000001', 0],
        ['search', '0', 1],
      ],
    );
    assert.deepEqual(
      ov.byModel.map((r) => r.key),
      ['gpt-4o', 'llama-local'],
    );
    assert.deepEqual(ov.savingsByTactic, [{ tactic: 'route', amount: '0.001' }]);
    assert.deepEqual(
      ov.savingsByDay.map((d) => d.tactics),
      [{}, {}, { route: '0.001' }],
    );
    assert.equal(ov.topRequests[0]?.cost, '0.002000000001', 'most expensive first');
    assert.equal(ov.topRequests.at(-1)?.cost, null, 'unpriced last');
    assert.equal(ov.cascade, null);
    assert.deepEqual(ov.budgets, NO_BUDGETS);
  });

  test('the range filters every part', async () => {
    const ledger = ledgerWith([
      { ts: T0 - 10 * DAY, feature: 'old' },
      { ts: T0 - 1000, feature: 'new' },
    ]);
    const ov = await buildOverview(ledger, { from: T0 - DAY }, { now: T0, budgets: NO_BUDGETS });
    assert.equal(ov.totals.requests, 1);
    assert.deepEqual(
      ov.byFeature.map((r) => r.key),
      ['new'],
    );
    assert.deepEqual(
      ov.days.map((d) => d.day),
      ['2025-09-09', '2025-09-10'],
      'an open range runs from its start to today',
    );
    assert.equal(ov.range.from, T0 - DAY);
  });

  test('cache hit rates and cascade escalation come from the entries; empty ledger is all zeros', async () => {
    const ledger = ledgerWith([
      { savings: { 'cache.exact': 5n }, cost: 0n },
      { cacheRead: 100, inputUncached: 300 },
      { meta: { cascade: { escalated: true } } },
      { meta: { cascade: { escalated: false } } },
    ]);
    const ov = await buildOverview(ledger, {}, { now: T0, budgets: NO_BUDGETS });
    assert.equal(ov.cache.responseHits, 1);
    assert.equal(ov.cache.responseHitRate, 0.25);
    assert.deepEqual(ov.cache.hitsByKind, { exact: 1 });
    assert.equal(ov.cache.promptCacheHits, 1);
    assert.equal(ov.cache.cacheReadShare, 100 / (300 + 3 * 1000 + 100));
    assert.deepEqual(ov.cascade, { cascaded: 2, escalated: 1, escalationRate: 0.5 });

    const empty = await buildOverview(new MemoryLedger(), {}, { now: T0, budgets: NO_BUDGETS });
    assert.equal(empty.totals.requests, 0);
    assert.equal(empty.totals.cost, '0');
    assert.deepEqual(empty.days, []);
    assert.equal(empty.cache.responseHitRate, 0);
    assert.equal(empty.cache.cacheReadShare, 0);
  });

  test('the scan limit is reported when the range holds more entries', async () => {
    const ledger = ledgerWith([{}, {}, {}]);
    const ov = await buildOverview(ledger, {}, { now: T0, budgets: NO_BUDGETS, scanLimit: 2 });
    assert.deepEqual(ov.scan, { scanned: 2, limit: 2, truncated: true });
    assert.equal(ov.totals.requests, 3, 'totals stay exact');
  });

  test('the demo ledger gives every chart something to draw', async () => {
    const now = Date.UTC(2025, 8, 30, 18);
    const ledger = new MemoryLedger();
    for (const e of demoEntries({ now })) ledger.append(e);
    const ov = await buildOverview(ledger, { from: now - 7 * DAY }, { now, budgets: NO_BUDGETS });
    assert.ok(ov.byFeature.length >= 4);
    assert.ok(
      ov.byModel.some((m) => m.unpriced > 0),
      'an unpriced model',
    );
    assert.ok(ov.savingsByTactic.length >= 3);
    assert.ok(ov.cache.responseHits > 0 && ov.cache.promptCacheHits > 0);
    assert.ok(ov.cascade && ov.cascade.escalated > 0);
    assert.ok(ov.totals.errors > 0);
  });
});

test('simulated requests are counted apart, for the dashboard banner', async () => {
  const ledger = ledgerWith([
    { ts: T0, provider: 'openai', cost: 1_000_000n },
    { ts: T0, provider: 'simulated', simulated: true, cost: 2_000_000n },
  ]);
  const ov = await buildOverview(ledger, {}, { now: T0, budgets: NO_BUDGETS });
  assert.equal(ov.simulated.requests, 1);
  assert.equal(ov.simulated.cost, '0.000002');
  assert.equal(ov.totals.requests, 2);
});
