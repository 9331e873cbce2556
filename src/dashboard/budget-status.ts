/**
 * Budget status for the dashboard: the governance budgets (config, `penny budgets set`, keys' own) with
 * spent, reserved, limit and reset in their current window, read from the same counters that enforce them
 * (src/governance/budget-report.ts). With no budget anywhere the panel says "no budgets configured".
 */
import type { BudgetRow } from '../governance/budget-report.js';

export type { BudgetRow };

export type BudgetStatus =
  | { configured: false; message: string }
  | { configured: true; budgets: BudgetRow[] };

export const NO_BUDGETS: BudgetStatus = { configured: false, message: 'no budgets configured' };

export async function budgetStatus(read: (() => Promise<BudgetRow[]>) | undefined): Promise<BudgetStatus> {
  const rows = read ? await read() : [];
  return rows.length === 0 ? NO_BUDGETS : { configured: true, budgets: rows };
}
