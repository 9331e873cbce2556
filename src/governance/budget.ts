/**
 * Budgets as the guard uses them: compiled from the config, from `penny budgets set` (the key store) and
 * from a virtual key's own `--budget`, each with its limit in nanodollars and the prefix of its counters.
 * `budgetLine` turns a budget and a call's facts into the counter line to reserve against.
 */
import type { BudgetConfig, Dimension, ScopeMatch } from './config.js';
import type { ReserveLine } from './counter-store.js';
import { type VirtualKeyRecord, perRecord } from './key-store.js';
import { type Facts, counterKey, perSuffix } from './scope.js';
import { usdToNano } from './units.js';
import { resolveWindow } from './window.js';

export type BudgetSource = 'config' | 'cli' | 'key';

export interface CompiledBudget {
  name: string;
  source: BudgetSource;
  limitUsd: string;
  limitNano: number;
  window: string;
  match: ScopeMatch;
  per: readonly Dimension[];
  policy: 'reject' | 'downgrade' | 'warn';
  failMode: 'closed' | 'open';
  alertAt: readonly number[];
  /** Counters of this budget start with this. */
  prefix: string;
}

export function compileBudget(def: BudgetConfig, source: BudgetSource): CompiledBudget {
  const limitUsd = String(def.limit);
  return {
    name: def.name,
    source,
    limitUsd,
    limitNano: usdToNano(limitUsd),
    window: def.window,
    match: def.match,
    per: def.per,
    policy: def.policy,
    failMode: def.failMode ?? (def.policy === 'warn' ? 'open' : 'closed'),
    alertAt: [...def.alertAt].sort((a, b) => a - b),
    prefix: `b:${def.name}:`,
  };
}

/** The budget a virtual key carries (`penny keys create --budget 50/month`), if any; compiled once per record. */
export const keyBudget = perRecord(compileKeyBudget);

function compileKeyBudget(rec: VirtualKeyRecord): CompiledBudget | null {
  if (!rec.budget) return null;
  return {
    name: `key:${rec.name}`,
    source: 'key',
    limitUsd: rec.budget.limitUsd,
    limitNano: usdToNano(rec.budget.limitUsd),
    window: rec.budget.window,
    match: { key: rec.name },
    per: [],
    policy: 'reject',
    failMode: 'closed',
    alertAt: [50, 80, 100],
    prefix: `k:${rec.name}:`,
  };
}

export interface BudgetLine {
  budget: CompiledBudget;
  line: ReserveLine;
}

export function budgetLine(
  b: CompiledBudget,
  facts: Facts,
  now: number,
  timeZone: string,
  amount: number,
): BudgetLine {
  return { budget: b, line: budgetReserveLine(b, facts, now, timeZone, amount) };
}

/** The counter line alone (the guard stage's combined reservation needs no BudgetLine per budget). */
export function budgetReserveLine(
  b: CompiledBudget,
  facts: Facts,
  now: number,
  timeZone: string,
  amount: number,
): ReserveLine {
  const w = resolveWindow(b.window, now, timeZone);
  return {
    key: counterKey(b, '', w.id, perSuffix(b.per, facts)),
    window: w.spec,
    amount,
    limit: b.policy === 'warn' ? null : b.limitNano,
  };
}
