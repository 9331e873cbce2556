/**
 * Budget status for the dashboard. Budgets are configured under a top-level `budgets` section when the
 * guard stage that enforces them is present; until then (or when the section is empty) the dashboard says
 * "no budgets configured" rather than inventing limits. For each budget with a readable limit
 * (`limitUsd`), spend over its period (`day`, `week`, `month`; default month) and scope
 * (`feature` / `user`) comes from the ledger.
 */
import type { PennyConfig } from '../config/schema.js';
import { moneyToDecimal, usd } from '../core/money.js';
import type { Ledger, LedgerFilter } from '../ledger/ledger.js';

export interface BudgetRow {
  name: string;
  period: 'day' | 'week' | 'month';
  feature: string | null;
  user: string | null;
  /** Exact USD decimal strings. */
  limit: string;
  spent: string;
  /** spent / limit (display only). */
  used: number;
}

export type BudgetStatus =
  | { configured: false; message: string }
  | { configured: true; budgets: BudgetRow[]; unreadable: string[] };

export const NO_BUDGETS: BudgetStatus = { configured: false, message: 'no budgets configured' };

export async function budgetStatus(config: PennyConfig, ledger: Ledger, now: number): Promise<BudgetStatus> {
  const section = (config as unknown as Record<string, unknown>).budgets;
  if (!section || typeof section !== 'object' || Object.keys(section).length === 0) return NO_BUDGETS;
  const budgets: BudgetRow[] = [];
  const unreadable: string[] = [];
  for (const [name, raw] of Object.entries(section as Record<string, unknown>)) {
    const spec = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
    const limitText = spec.limitUsd;
    if (typeof limitText !== 'number' && typeof limitText !== 'string') {
      unreadable.push(name);
      continue;
    }
    let limit: bigint;
    try {
      limit = usd(String(limitText));
    } catch {
      unreadable.push(name);
      continue;
    }
    const period = spec.period === 'day' || spec.period === 'week' ? spec.period : 'month';
    const feature = typeof spec.feature === 'string' ? spec.feature : null;
    const user = typeof spec.user === 'string' ? spec.user : null;
    const filter: LedgerFilter = {
      from: periodStart(period, now),
      ...(feature ? { feature } : {}),
      ...(user ? { user } : {}),
    };
    const [row] = await ledger.summarize(filter, []);
    const spent = row?.cost ?? 0n;
    budgets.push({
      name,
      period,
      feature,
      user,
      limit: moneyToDecimal(limit),
      spent: moneyToDecimal(spent),
      used: limit > 0n ? Number((spent * 10_000n) / limit) / 10_000 : 0,
    });
  }
  return { configured: true, budgets, unreadable };
}

/** Start of the current UTC day, ISO week (Monday) or month. */
export function periodStart(period: 'day' | 'week' | 'month', now: number): number {
  const d = new Date(now);
  if (period === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (period === 'day') return day;
  return day - ((d.getUTCDay() + 6) % 7) * 86_400_000;
}
