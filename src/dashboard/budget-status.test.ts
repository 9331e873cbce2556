import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BudgetRow } from '../governance/budget-report.js';
import { budgetStatus, NO_BUDGETS } from './budget-status.js';

const row: BudgetRow = {
  name: 'chat',
  source: 'config',
  policy: 'reject',
  window: 'month',
  scope: 'feature=chat',
  limit: '10',
  spent: '2',
  reserved: '0.5',
  resetAt: '2025-10-01T00:00:00.000Z',
  used: 0.2,
};

describe('budgetStatus', () => {
  test('no governance or no budgets → "no budgets configured"', async () => {
    assert.deepEqual(await budgetStatus(undefined), NO_BUDGETS);
    assert.deepEqual(await budgetStatus(async () => []), NO_BUDGETS);
  });

  test('the rows of the governance budgets', async () => {
    assert.deepEqual(await budgetStatus(async () => [row]), { configured: true, budgets: [row] });
  });
});
