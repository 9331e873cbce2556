import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PennyConfig } from '../config/schema.js';
import { makeEntry } from '../ledger/entry-fixtures.js';
import { MemoryLedger } from '../ledger/memory-ledger.js';
import { budgetStatus, NO_BUDGETS, periodStart } from './budget-status.js';

const NOW = Date.UTC(2025, 8, 10, 15); // a Wednesday

describe('budgetStatus', () => {
  test('no budgets section → "no budgets configured"', async () => {
    assert.deepEqual(await budgetStatus({} as PennyConfig, new MemoryLedger(), NOW), NO_BUDGETS);
    assert.deepEqual(
      await budgetStatus({ budgets: {} } as unknown as PennyConfig, new MemoryLedger(), NOW),
      NO_BUDGETS,
    );
  });

  test('spend over the period and scope against the limit', async () => {
    const ledger = new MemoryLedger();
    ledger.append(makeEntry({ ts: NOW - 1000, feature: 'chat', cost: 2_000_000_000_000n }));
    ledger.append(makeEntry({ ts: Date.UTC(2025, 7, 30), feature: 'chat', cost: 9_000_000_000_000n }));
    ledger.append(makeEntry({ ts: NOW - 1000, feature: 'other', cost: 5_000_000_000_000n }));
    const config = {
      budgets: { chat: { limitUsd: '10', feature: 'chat' }, broken: { max: 3 } },
    } as unknown as PennyConfig;
    const s = await budgetStatus(config, ledger, NOW);
    assert.equal(s.configured, true);
    if (!s.configured) return;
    assert.deepEqual(s.budgets, [
      { name: 'chat', period: 'month', feature: 'chat', user: null, limit: '10', spent: '2', used: 0.2 },
    ]);
    assert.deepEqual(s.unreadable, ['broken']);
  });

  test('period starts (UTC)', () => {
    assert.equal(periodStart('day', NOW), Date.UTC(2025, 8, 10));
    assert.equal(periodStart('week', NOW), Date.UTC(2025, 8, 8));
    assert.equal(periodStart('month', NOW), Date.UTC(2025, 8, 1));
  });
});
