/**
 * Every budget's state in its current window — spent, reserved, limit, reset — for `penny budgets list`,
 * the dashboard's budget panel and the /metrics gauges. A budget counted `per` user (or feature …) has a
 * row per value seen this window, dearest first.
 */
import type { CompiledBudget } from './budget.js';
import type { CounterSnapshot, CounterStore } from './counter-store.js';
import { describeScope, parsePerSuffix } from './scope.js';
import { nanoToUsd } from './units.js';
import { resolveWindow } from './window.js';

export interface BudgetRow {
  name: string;
  source: CompiledBudget['source'];
  policy: CompiledBudget['policy'];
  window: string;
  scope: string;
  /** Exact USD decimal strings. */
  limit: string;
  spent: string;
  reserved: string;
  /** ISO time the window resets; null for total budgets. */
  resetAt: string | null;
  /** spent / limit (display only). */
  used: number;
}

export async function budgetRows(
  budgets: readonly CompiledBudget[],
  counters: Pick<CounterStore, 'read' | 'scan'> | null,
  now: number,
  timeZone: string,
  perBudget = 50,
): Promise<BudgetRow[]> {
  const rows: BudgetRow[] = [];
  for (const b of budgets) {
    const w = resolveWindow(b.window, now, timeZone);
    const key = `${b.prefix}${w.id}`;
    const row = (scope: string, s: CounterSnapshot | null): BudgetRow => {
      const spent = s?.spent ?? 0;
      const resetAt = s?.resetAt ?? (w.spec.kind === 'fixed' ? w.spec.endsAt : null);
      return {
        name: b.name,
        source: b.source,
        policy: b.policy,
        window: b.window,
        scope,
        limit: b.limitUsd,
        spent: nanoToUsd(spent),
        reserved: nanoToUsd(s?.reserved ?? 0),
        resetAt: resetAt === null ? null : new Date(resetAt).toISOString(),
        used: b.limitNano > 0 ? Math.round((spent / b.limitNano) * 10_000) / 10_000 : 0,
      };
    };
    if (!counters) {
      rows.push(row(describeScope(b, null), null));
      continue;
    }
    if (b.per.length === 0) {
      const [s] = await counters.read([{ key, window: w.spec }]);
      rows.push(row(describeScope(b, null), s ?? null));
      continue;
    }
    const found = (await counters.scan(`${key}|`)).sort((x, y) => y.snapshot.spent - x.snapshot.spent);
    if (found.length === 0) rows.push(row(describeScope(b, null), null));
    for (const f of found.slice(0, perBudget)) {
      const values = parsePerSuffix(f.key.slice(key.length));
      const facts = { provider: null, model: null, feature: null, key: null, user: null, ...values };
      rows.push(row(describeScope(b, facts), f.snapshot));
    }
  }
  return rows;
}
