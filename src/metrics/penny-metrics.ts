/**
 * Prometheus metrics of the gateway, fed by the gateway's settle observer (one call per ledger entry).
 * A private registry (not prom-client's global one), so several gateways in one process never mix counts.
 * Money is exported as float USD: Prometheus has no other type, and the ledger stays the exact record.
 * Labels are capped (see BoundedLabel). The per-request counters (requests ok, tokens, cost, baseline,
 * unpriced) are summed in plain fields of a cached per-(feature, model) series and handed to prom-client when
 * a scrape collects them: prom-client hashes the label set on every `inc`, even through a child from
 * `labels()`, which was most of the metrics' CPU per request. Money is summed exactly (picodollars) until then.
 * The two latency histograms are BucketHistograms for the same reason: their series are kept in the
 * (feature, model) series, and an observation is a bucket search, not a label hash.
 */
import { Counter, Registry } from './prom.js';
import type { LedgerEntry } from '../core/ledger-entry.js';
import { moneyToNumber } from '../core/money.js';
import { effectiveModel } from '../ledger/group-keys.js';
import { BoundedLabel } from './bounded-label.js';
import { BucketHistogram, type HistogramSeries } from './bucket-histogram.js';
import { cascadeSignal, promptCacheHit, responseCacheHit } from './entry-signals.js';

export interface MetricsOptions {
  /** Distinct feature label values kept before "other" (default 50). */
  maxFeatures?: number;
  /** Distinct model label values kept before "other" (default 30). */
  maxModels?: number;
  /** Distinct tactic / error-class / cache-kind values kept before "other" (default 30 each). */
  maxOtherValues?: number;
}

export const TOKEN_KINDS = [
  'input_uncached',
  'cache_read',
  'cache_write_5m',
  'cache_write_1h',
  'output',
  'reasoning',
] as const;

const LATENCY_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const TTFB_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** One (feature, model) pair: what its requests added since the last scrape, and its histogram series. */
interface Series {
  feature: string;
  model: string;
  /** penny_requests_total{status="ok"} since the last collect. */
  requestsOk: number;
  /** Tokens by TOKEN_KINDS index since the last collect. */
  tokens: number[];
  /** Picodollars since the last collect. */
  cost: bigint;
  baseline: bigint;
  unpriced: number;
  latency: HistogramSeries;
  ttfb: HistogramSeries;
}

export class PennyMetrics {
  readonly registry = new Registry();
  readonly #features: BoundedLabel;
  readonly #models: BoundedLabel;
  readonly #tactics: BoundedLabel;
  readonly #errorClasses: BoundedLabel;
  readonly #cacheKinds: BoundedLabel;
  readonly #series = new Map<string, Series>();

  readonly #requests: Counter<'feature' | 'model' | 'status'>;
  readonly #tokens: Counter<'feature' | 'model' | 'kind'>;
  readonly #cost: Counter<'feature' | 'model'>;
  readonly #baseline: Counter<'feature' | 'model'>;
  readonly #unpriced: Counter<'feature' | 'model'>;
  readonly #savings: Counter<'feature' | 'tactic'>;
  readonly #cacheHits: Counter<'feature' | 'model' | 'cache'>;
  readonly #cascades: Counter<'feature' | 'escalated'>;
  readonly #errors: Counter<'feature' | 'model' | 'class'>;
  readonly #latency: BucketHistogram<'feature' | 'model'>;
  readonly #ttfb: BucketHistogram<'feature' | 'model'>;

  constructor(opts: MetricsOptions = {}) {
    this.#features = new BoundedLabel(opts.maxFeatures ?? 50);
    this.#models = new BoundedLabel(opts.maxModels ?? 30);
    const otherMax = opts.maxOtherValues ?? 30;
    this.#tactics = new BoundedLabel(otherMax);
    this.#errorClasses = new BoundedLabel(otherMax);
    this.#cacheKinds = new BoundedLabel(otherMax);
    const registers = [this.registry];
    const fm = ['feature', 'model'] as const;
    // The counters summed in the series are handed over whenever any of them is collected (a scrape).
    const collect = () => this.#flush();
    this.#requests = new Counter({
      name: 'penny_requests_total',
      help: 'Requests settled, by feature, model and status (ok, error, aborted).',
      labelNames: [...fm, 'status'],
      registers,
      collect,
    });
    this.#tokens = new Counter({
      name: 'penny_tokens_total',
      help: 'Tokens by kind: input_uncached, cache_read, cache_write_5m, cache_write_1h, output, reasoning.',
      labelNames: [...fm, 'kind'],
      registers,
      collect,
    });
    this.#cost = new Counter({
      name: 'penny_cost_usd_total',
      help: 'Actual cost in USD of priced requests (the ledger holds the exact amounts).',
      labelNames: fm,
      registers,
      collect,
    });
    this.#baseline = new Counter({
      name: 'penny_baseline_cost_usd_total',
      help: 'What the requests as sent would have cost without Penny, in USD.',
      labelNames: fm,
      registers,
      collect,
    });
    this.#unpriced = new Counter({
      name: 'penny_unpriced_requests_total',
      help: 'Requests whose cost is unknown (no price for the model); not included in the cost.',
      labelNames: fm,
      registers,
      collect,
    });
    this.#savings = new Counter({
      name: 'penny_savings_usd_total',
      help: 'Savings in USD attributed to each tactic (cache.exact, route, compress …).',
      labelNames: ['feature', 'tactic'],
      registers,
    });
    this.#cacheHits = new Counter({
      name: 'penny_cache_hits_total',
      help: 'Cache hits: response caches (exact, semantic, dedupe …) and provider prompt caching (prompt).',
      labelNames: [...fm, 'cache'],
      registers,
    });
    this.#cascades = new Counter({
      name: 'penny_cascade_requests_total',
      help: 'Cascaded requests, by whether they escalated past the first model.',
      labelNames: ['feature', 'escalated'],
      registers,
    });
    this.#errors = new Counter({
      name: 'penny_errors_total',
      help: 'Failed requests by error class (the error code Penny reports).',
      labelNames: [...fm, 'class'],
      registers,
    });
    this.#latency = new BucketHistogram({
      name: 'penny_request_duration_seconds',
      help: 'Total request latency through Penny, seconds.',
      labelNames: fm,
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#ttfb = new BucketHistogram({
      name: 'penny_time_to_first_token_seconds',
      help: 'Time to the first streamed content byte, seconds (streams only).',
      labelNames: fm,
      buckets: TTFB_BUCKETS,
      registers,
    });
  }

  /** The settle observer: records one ledger entry. */
  observe(e: LedgerEntry): void {
    const feature = this.#features.value(e.feature);
    const model = this.#models.value(effectiveModel(e));
    const s = this.#seriesFor(feature, model);
    if (e.status === 'ok') s.requestsOk++;
    else this.#requests.labels(feature, model, e.status).inc();
    const t = s.tokens;
    // TOKEN_KINDS order; a kind never seen stays absent from the exposition, as with prom-client's own inc.
    if (e.inputUncached > 0) t[0]! += e.inputUncached;
    if (e.cacheRead > 0) t[1]! += e.cacheRead;
    if (e.cacheWrite5m > 0) t[2]! += e.cacheWrite5m;
    if (e.cacheWrite1h > 0) t[3]! += e.cacheWrite1h;
    if (e.outputText > 0) t[4]! += e.outputText;
    if (e.reasoning > 0) t[5]! += e.reasoning;
    if (e.cost === null) s.unpriced++;
    else if (e.cost > 0n) s.cost += e.cost;
    if (e.baselineCost !== null && e.baselineCost > 0n) s.baseline += e.baselineCost;
    for (const [tactic, amount] of Object.entries(e.savings)) {
      // Counters only go up; a tactic that cost money (negative saving) is visible in the ledger.
      if (amount > 0n) this.#savings.labels(feature, this.#tactics.value(tactic)).inc(moneyToNumber(amount));
    }
    const hit = responseCacheHit(e);
    if (hit) this.#cacheHits.labels(feature, model, this.#cacheKinds.value(hit)).inc();
    if (promptCacheHit(e)) this.#cacheHits.labels(feature, model, 'prompt').inc();
    const cascade = cascadeSignal(e);
    if (cascade) this.#cascades.labels(feature, String(cascade.escalated)).inc();
    if (e.status === 'error')
      this.#errors.labels(feature, model, this.#errorClasses.value(e.errorClass ?? 'unknown')).inc();
    s.latency.observe(e.latencyMs / 1000);
    if (e.ttftMs !== null) s.ttfb.observe(e.ttftMs / 1000);
  }

  /** The exposition text for a scrape. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  #seriesFor(feature: string, model: string): Series {
    const key = `${feature}\u0000${model}`;
    let s = this.#series.get(key);
    if (!s) {
      s = {
        feature,
        model,
        requestsOk: 0,
        tokens: TOKEN_KINDS.map(() => 0),
        cost: 0n,
        baseline: 0n,
        unpriced: 0,
        latency: this.#latency.series({ feature, model }),
        ttfb: this.#ttfb.series({ feature, model }),
      };
      this.#series.set(key, s);
    }
    return s;
  }

  /** Hands what the series summed since the last collect to prom-client's counters, and zeroes it. */
  #flush(): void {
    for (const s of this.#series.values()) {
      const { feature, model } = s;
      if (s.requestsOk > 0) this.#requests.inc({ feature, model, status: 'ok' }, s.requestsOk);
      for (let i = 0; i < TOKEN_KINDS.length; i++) {
        const n = s.tokens[i]!;
        if (n > 0) this.#tokens.inc({ feature, model, kind: TOKEN_KINDS[i]! }, n);
        s.tokens[i] = 0;
      }
      if (s.cost > 0n) this.#cost.inc({ feature, model }, moneyToNumber(s.cost));
      if (s.baseline > 0n) this.#baseline.inc({ feature, model }, moneyToNumber(s.baseline));
      if (s.unpriced > 0) this.#unpriced.inc({ feature, model }, s.unpriced);
      s.requestsOk = 0;
      s.cost = 0n;
      s.baseline = 0n;
      s.unpriced = 0;
    }
  }
}
