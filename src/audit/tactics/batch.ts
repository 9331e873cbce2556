/**
 * Traffic nobody waits for → Batch API (50% off). Two signals: requests tagged batch / offline / cron
 * (metadata, tags, or the feature's name), and features whose requests fall mostly at night (00:00–05:59
 * UTC), which suggests a scheduled job. Savings = cost today − the same usage at batch prices.
 */
import type { Money } from '../../core/money.js';
import type { PriceEntry } from '../../pricing/price.js';
import { CappedMap } from '../bounded-counter.js';
import type { AuditRecord, Opportunity } from '../types.js';
import { type Scaler, type TacticContext, type TacticEstimator, pct, usdText } from './tactic.js';

interface FeatureNight {
  total: number;
  night: number;
  nightSavings: Money;
}

export class BatchEstimator implements TacticEstimator {
  readonly #ctx: TacticContext;
  readonly #features = new CappedMap<FeatureNight>(20_000, '(other)');
  readonly #taggedFeatures = new Map<string, number>();
  #records = 0;
  #alreadyBatch = 0;
  #tagged = 0;
  #taggedSavings: Money = 0n;

  constructor(ctx: TacticContext) {
    this.#ctx = ctx;
  }

  #saving(r: AuditRecord, cost: Money | null, price: PriceEntry | undefined): Money {
    if (cost === null || !price) return 0n;
    const batchCost = this.#ctx.pricing.cost(r.usage, price, { batch: true });
    return batchCost === null || batchCost >= cost ? 0n : cost - batchCost;
  }

  observe(r: AuditRecord, cost: Money | null, price: PriceEntry | undefined): void {
    this.#records++;
    if (r.batch) {
      this.#alreadyBatch++;
      return;
    }
    if (r.deferrable) {
      this.#tagged++;
      this.#taggedSavings += this.#saving(r, cost, price);
      const f = r.feature ?? '(none)';
      if (this.#taggedFeatures.size < 50 || this.#taggedFeatures.has(f)) {
        this.#taggedFeatures.set(f, (this.#taggedFeatures.get(f) ?? 0) + 1);
      }
      return;
    }
    if (r.ts === null) return;
    const slot = this.#features.slot(r.feature ?? '(none)', () => ({ total: 0, night: 0, nightSavings: 0n }));
    slot.total++;
    const hour = Math.floor(r.ts / 3_600_000) % 24;
    if (hour < 6) {
      slot.night++;
      slot.nightSavings += this.#saving(r, cost, price);
    }
  }

  finish(scale: Scaler): Opportunity {
    const t = this.#ctx.thresholds;
    let nightRequests = 0;
    let nightSavings = 0n;
    const nightFeatures: string[] = [];
    for (const [feature, s] of this.#features.entries()) {
      if (s.total < t.nightMinRequests || s.night < t.nightShare * s.total) continue;
      nightRequests += s.night;
      nightSavings += s.nightSavings;
      nightFeatures.push(`${feature}: ${s.night} of ${s.total} requests at night (${pct(s.night, s.total)})`);
    }
    const savings = this.#taggedSavings + nightSavings;
    const evidence = [
      `${this.#tagged} requests tagged batch/offline/cron (metadata or feature name): ${usdText(this.#taggedSavings)} in the log`,
      `${nightRequests} night requests (00:00–05:59 UTC) in features with ≥ ${Math.round(t.nightShare * 100)}% of their traffic at night: ${usdText(nightSavings)} in the log`,
      'savings = cost today − the same usage at Batch API prices (50% off; results within 24 h)',
    ];
    if (this.#alreadyBatch > 0)
      evidence.push(`${this.#alreadyBatch} requests already use a Batch API (not counted)`);
    const named = [
      ...new Set([...this.#taggedFeatures.keys(), ...nightFeatures.map((f) => f.split(':')[0]!)]),
    ]
      .filter((f) => f !== '(none)')
      .slice(0, 3);
    evidence.push(
      `capture it in Penny: ${named.length ? named.map((f) => `features.${f}.defer: batch`).join(', ') : 'features.<name>.defer: batch'} (or the header x-penny-defer: batch on those requests)`,
    );
    const examples = [
      ...[...this.#taggedFeatures.entries()].slice(0, 3).map(([f, n]) => `${f}: ${n} tagged requests`),
      ...nightFeatures.slice(0, 3),
    ];
    return {
      tactic: 'batch',
      title: 'Traffic nobody waits for → Batch API',
      monthly: scale.monthly(savings),
      observed: savings,
      requests: this.#tagged + nightRequests,
      evidence,
      examples,
      applicable: this.#records > 0,
    };
  }
}
