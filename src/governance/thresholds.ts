/**
 * When to alert: a budget's settled spend crossing one of its `alertAt` percentages (once per window and
 * threshold), a budget refusing a call (once per window), and the spend rate — the last hour's spend above
 * `factor` × the average hour of the trailing period, checked at most once a minute. "Once" is decided by
 * the counter store (`once`), so several instances send one alert between them.
 */
import type { Alert, AlertSender } from './alerts.js';
import type { CompiledBudget } from './budget.js';
import type { GovernanceConfig } from './config.js';
import type { CounterSnapshot, CounterStore, ReserveLine, SettleLine } from './counter-store.js';
import { type Facts, describeScope } from './scope.js';
import { nanoToDisplay, nanoToUsd, usdToNano } from './units.js';

const TOTAL_TTL = 400 * 86_400_000;
/** No spend-rate lines (the usual case: one shared empty list rather than one per settlement). */
const NONE: readonly SettleLine[] = Object.freeze([]);

/** What thresholds need of the running governance (Governance provides it). */
export interface ThresholdHost {
  readonly config: GovernanceConfig;
  readonly counters: CounterStore | null;
  readonly alerts: AlertSender;
  now(): number;
  track(p: Promise<unknown>): void;
}

export class Thresholds {
  private readonly fired = new Set<string>();
  private lastRateCheck = 0;

  constructor(private readonly gov: ThresholdHost) {}

  /** The spend-rate counters every settlement adds to (empty when the spend-rate alert is off). */
  spendRateLines(actual: number): readonly SettleLine[] {
    const sr = this.gov.config.alerts.spendRate;
    if (!sr || actual <= 0) return NONE;
    return [
      { key: 'sr:1h', window: { kind: 'rolling', lengthMs: 3_600_000, bucketMs: 60_000 }, actual },
      {
        key: `sr:${sr.trailingHours + 1}h`,
        window: { kind: 'rolling', lengthMs: (sr.trailingHours + 1) * 3_600_000, bucketMs: 300_000 },
        actual,
      },
    ];
  }

  afterSettle(
    budgets: readonly CompiledBudget[],
    lines: readonly SettleLine[],
    snaps: readonly CounterSnapshot[],
    /** The scope of budget i in words (only asked when an alert is sent). */
    scopeOf: (i: number) => string,
  ): void {
    budgets.forEach((b, i) => {
      const s = snaps[i];
      if (s) this.checkBudget(b, lines[i]!.key, s, () => scopeOf(i));
    });
    if (this.gov.config.alerts.spendRate && lines.some((l) => l.key.startsWith('sr:'))) this.checkSpendRate();
  }

  /**
   * Counters settled through leased allowances are checked once per store call that writes them, not once per
   * settlement: a settlement only says which budget and scope its counter belongs to (the last one said
   * stands), and `written` checks each such counter after the store call — so nothing per request stays
   * alive until the spend is written (at a few thousand requests a second, hundreds of closures and their
   * plans survived into the old generation). The counter's key names its budget and per values, so one check
   * per counter sees what every settlement on it would have seen.
   */
  watch(key: string, budget: CompiledBudget, facts: Facts): void {
    const w = this.watched.get(key);
    if (w === undefined) this.watched.set(key, { budget, facts });
    else {
      w.budget = budget;
      w.facts = facts;
    }
  }

  /** After a store call wrote `keys`: checks the watched ones (then forgotten until settled again). */
  written(keys: readonly string[], view: (key: string) => CounterSnapshot): void {
    let rate = false;
    for (const key of keys) {
      if (key.startsWith('sr:')) rate = true;
      const w = this.watched.get(key);
      if (w === undefined) continue;
      this.watched.delete(key);
      this.checkBudget(w.budget, key, view(key), () => describeScope(w.budget, w.facts));
    }
    if (rate && this.gov.config.alerts.spendRate) this.checkSpendRate();
  }

  private readonly watched = new Map<string, { budget: CompiledBudget; facts: Facts }>();

  /** Alerts once per window and threshold when the settled spend `s` on budget `b`'s counter `key` crossed one. */
  private checkBudget(b: CompiledBudget, key: string, s: CounterSnapshot, scopeOf: () => string): void {
    if (b.limitNano <= 0) return;
    const pct = (s.spent / b.limitNano) * 100;
    const crossed = b.alertAt.filter((t) => pct >= t);
    if (crossed.length === 0) return;
    const t = crossed[crossed.length - 1]!;
    const id = `thr:${key}:${t}`;
    if (this.fired.has(id)) return;
    for (const c of crossed) this.fired.add(`thr:${key}:${c}`);
    const policy = b.policy === 'warn' && t >= 100 ? ' (policy warn: still serving)' : '';
    const scope = scopeOf();
    this.fire(id, s, {
      kind: 'budget_threshold',
      budget: b.name,
      scope,
      thresholdPct: t,
      message: `budget "${b.name}" (${scope}, ${b.window}) reached ${t}%: ${nanoToDisplay(s.spent)} of ${nanoToDisplay(b.limitNano)}${policy}`,
      limitUsd: b.limitUsd,
      spentUsd: nanoToUsd(s.spent),
      reservedUsd: nanoToUsd(s.reserved),
      resetAt: s.resetAt === null ? null : new Date(s.resetAt).toISOString(),
    });
  }

  refused(b: CompiledBudget, line: ReserveLine, s: CounterSnapshot, scope: string): void {
    const id = `ref:${line.key}`;
    if (this.fired.has(id)) return;
    this.fired.add(id);
    this.fire(id, s, {
      kind: 'budget_refused',
      budget: b.name,
      scope,
      message: `budget "${b.name}" (${scope}, ${b.window}) is refusing calls: ${nanoToDisplay(s.spent)} spent and ${nanoToDisplay(s.reserved)} reserved of ${nanoToDisplay(b.limitNano)}`,
      limitUsd: b.limitUsd,
      spentUsd: nanoToUsd(s.spent),
      reservedUsd: nanoToUsd(s.reserved),
      resetAt: s.resetAt === null ? null : new Date(s.resetAt).toISOString(),
    });
  }

  private fire(id: string, s: CounterSnapshot, a: Omit<Alert, 'id' | 'at'>): void {
    const counters = this.gov.counters;
    if (!counters) return;
    const ttl = s.resetAt === null ? TOTAL_TTL : Math.max(1000, s.resetAt - this.gov.now());
    this.gov.track(
      counters.once(`alert:${id}`, ttl).then((first) => {
        if (first) this.gov.alerts.emit({ ...a, id, at: new Date(this.gov.now()).toISOString() });
      }),
    );
  }

  private checkSpendRate(): void {
    const sr = this.gov.config.alerts.spendRate;
    const counters = this.gov.counters;
    if (!sr || !counters) return;
    const now = Date.now();
    if (now - this.lastRateCheck < 60_000) return;
    this.lastRateCheck = now;
    const lines = this.spendRateLines(1);
    this.gov.track(
      counters.read(lines).then(async ([hour, all]) => {
        if (!hour || !all) return;
        const trailing = (all.spent - hour.spent) / sr.trailingHours;
        if (hour.spent < usdToNano(sr.minHourlyUsd) || hour.spent <= sr.factor * trailing) return;
        const slot = Math.floor(this.gov.now() / 3_600_000);
        const id = `spend-rate:${slot}`;
        if (!(await counters.once(`alert:${id}`, 3_600_000))) return;
        this.gov.alerts.emit({
          id,
          kind: 'spend_rate',
          message: `spend rate: ${nanoToDisplay(hour.spent)} in the last hour, ${trailing > 0 ? `${(hour.spent / trailing).toFixed(1)}×` : 'far above'} the trailing ${sr.trailingHours}h average of ${nanoToDisplay(Math.round(trailing))} per hour`,
          lastHourUsd: nanoToUsd(hour.spent),
          trailingHourlyUsd: nanoToUsd(Math.round(trailing)),
          at: new Date(this.gov.now()).toISOString(),
        });
      }),
    );
  }
}
