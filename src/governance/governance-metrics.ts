/**
 * Governance on /metrics: per-budget gauges (limit, spent, reserved in USD, read from the counters at scrape
 * time; at most 20 scope rows per budget, so a per-user budget cannot explode the label set) and counters of
 * refusals by reason, store errors, fail-open passes and the leased allowances' store calls and waits.
 */
import { Counter, Gauge, type Registry } from '../metrics/prom.js';
import type { BudgetRow } from './budget-report.js';
import type { Governance } from './governance.js';

const LABEL_MAX = 120;
const bound = (s: string) => (s.length > LABEL_MAX ? `${s.slice(0, LABEL_MAX - 1)}…` : s);

export function registerGovernanceMetrics(registry: Registry, gov: Governance): void {
  const labelNames = ['budget', 'scope', 'window', 'policy'] as const;
  // One store read per scrape, shared by the three gauges' collects (prom-client runs them concurrently).
  let shared: { at: number; rows: Promise<BudgetRow[]> } | null = null;
  const rows = (): Promise<BudgetRow[]> => {
    if (shared && Date.now() - shared.at < 1000) return shared.rows;
    const p = gov.rows(20).catch((e) => {
      gov.storeError('reading budgets for metrics', e);
      return [] as BudgetRow[];
    });
    shared = { at: Date.now(), rows: p };
    return p;
  };
  const gauge = (name: string, help: string, value: (r: BudgetRow) => string) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of await rows())
          this.set(
            { budget: bound(r.name), scope: bound(r.scope), window: r.window, policy: r.policy },
            Number(value(r)),
          );
      },
    });
  gauge('penny_budget_limit_usd', 'Budget limit, USD.', (r) => r.limit);
  gauge('penny_budget_spent_usd', 'Settled spend in the budget window, USD.', (r) => r.spent);
  gauge('penny_budget_reserved_usd', 'Worst-case cost reserved by calls in flight, USD.', (r) => r.reserved);
  new Counter({
    name: 'penny_governance_refusals_total',
    help: 'Requests or calls refused by governance, by reason (budget, rate, key, unavailable).',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(gov.stats.refusals)) this.inc({ reason }, n);
    },
  });
  new Counter({
    name: 'penny_governance_store_errors_total',
    help: 'Failed operations on the governance store (Redis unreachable, timeouts, SQLite errors).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(gov.stats.storeErrors);
    },
  });
  const allowance = (
    name: string,
    help: string,
    value: (a: ReturnType<Governance['allowanceStats']>) => number,
  ) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(value(gov.allowanceStats()));
      },
    });
  allowance(
    'penny_governance_allowance_store_calls_total',
    'Store calls made by leased budget/rate allowances (leases, top-ups, spend written behind).',
    (a) => a.storeCalls,
  );
  allowance(
    'penny_governance_allowance_ahead_total',
    'Store calls started to top up an allowance before it ran out (no admission waited for them).',
    (a) => a.aheadCalls,
  );
  allowance(
    'penny_governance_admissions_waited_total',
    'Budget/rate admissions that waited for a store call (the rest were admitted in process).',
    (a) => a.waited,
  );
  new Counter({
    name: 'penny_governance_fail_open_total',
    help: 'Calls served without a budget or rate check because the store failed and failMode is open.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(gov.stats.failOpen);
    },
  });
}
