/**
 * The audit: stream a log once, price every record, and feed the spend aggregator and every tactic
 * estimator; then scale observed savings to $/month. Everything held across lines is bounded, so memory
 * does not grow with the log. The tactics overlap (a repeated FAQ is also an exact duplicate), so their
 * savings are listed side by side, never summed into one promise.
 */
import type { Money } from '../core/money.js';
import type { PriceEntry } from '../pricing/price.js';
import { DEFAULT_MAX_KEYS } from './bounded-counter.js';
import { detectFormat } from './detect.js';
import { readLog } from './read-log.js';
import { SpanTracker, toMonthly } from './scale.js';
import { SpendAggregator, pareto } from './spend.js';
import { BatchEstimator } from './tactics/batch.js';
import { CapsEstimator } from './tactics/caps.js';
import { CompressionEstimator } from './tactics/compression.js';
import { PromptCacheEstimator } from './tactics/prompt-cache.js';
import { ResponseCacheEstimator } from './tactics/response-cache.js';
import { RoutingEstimator } from './tactics/routing.js';
import { ShortcutEstimator } from './tactics/shortcut.js';
import {
  DEFAULT_THRESHOLDS,
  type Scaler,
  type TacticContext,
  type TacticEstimator,
  type Thresholds,
} from './tactics/tactic.js';
import type { AuditPricing, AuditRecord, AuditReport } from './types.js';

export interface AuditOptions {
  pricing: AuditPricing;
  onProgress?(bytesRead: number, totalBytes: number): void;
  thresholds?: Partial<Thresholds>;
  /** Distinct keys held exactly per estimator (default 200k). */
  maxKeys?: number;
}

const MAX_UNPRICED_MODELS = 1000;

export async function runAudit(file: string, opts: AuditOptions): Promise<AuditReport> {
  const detection = await detectFormat(file);
  const thresholds = { ...DEFAULT_THRESHOLDS, ...opts.thresholds };
  const prices = new Map<string, Map<string, PriceEntry | undefined>>();
  let lastModel = '';
  let lastProvider: string | null | undefined = null;
  let lastPrice: PriceEntry | undefined;
  const priceOf = (model: string, provider?: string | null): PriceEntry | undefined => {
    // Consecutive records mostly share a model: answer those without touching the maps.
    if (model === lastModel && provider === lastProvider) return lastPrice;
    let byModel = prices.get(provider ?? '');
    if (!byModel) {
      byModel = new Map();
      prices.set(provider ?? '', byModel);
    }
    let p: PriceEntry | undefined;
    if (byModel.has(model)) p = byModel.get(model);
    else {
      p = opts.pricing.lookup(model, provider ?? undefined);
      if (byModel.size < 10_000) byModel.set(model, p);
    }
    lastModel = model;
    lastProvider = provider;
    lastPrice = p;
    return p;
  };
  const ctx: TacticContext = {
    pricing: opts.pricing,
    priceOf,
    thresholds,
    maxKeys: opts.maxKeys ?? DEFAULT_MAX_KEYS,
  };
  const responseCache = new ResponseCacheEstimator(ctx);
  const promptCache = new PromptCacheEstimator(ctx);
  const caps = new CapsEstimator(ctx);
  const routing = new RoutingEstimator(ctx);
  const compression = new CompressionEstimator();
  const shortcut = new ShortcutEstimator(ctx);
  const batch = new BatchEstimator(ctx);
  const estimators: TacticEstimator[] = [
    responseCache,
    promptCache,
    caps,
    routing,
    compression,
    shortcut,
    batch,
  ];
  const spend = new SpendAggregator(ctx.maxKeys);
  const span = new SpanTracker();
  const unpriced = new Map<string, number>();

  const onRecord = (r: AuditRecord) => {
    const price = priceOf(r.model, r.provider);
    let cost: Money | null;
    if (r.cost !== undefined) cost = r.cost;
    else cost = opts.pricing.cost(r.usage, price, { batch: r.batch });
    if (cost === null && (unpriced.has(r.model) || unpriced.size < MAX_UNPRICED_MODELS)) {
      unpriced.set(r.model, (unpriced.get(r.model) ?? 0) + 1);
    }
    span.add(r.ts);
    spend.add(r, cost);
    // One call site per estimator keeps each call monomorphic on the per-line path.
    responseCache.observe(r, cost);
    promptCache.observe(r, cost, price);
    caps.observe(r, cost, price);
    routing.observe(r, cost, price);
    compression.observe(r, cost, price);
    shortcut.observe(r, cost);
    batch.observe(r, cost, price);
  };

  const read = await readLog(
    file,
    opts.onProgress ? { onRecord, onProgress: opts.onProgress } : { onRecord },
    detection,
  );
  const auditSpan = span.span();
  const scaler: Scaler = { span: auditSpan, monthly: (m) => toMonthly(m, auditSpan) };
  const opportunities = estimators.map((e) => e.finish(scaler));
  opportunities.sort((a, b) => (a.monthly !== b.monthly ? (a.monthly > b.monthly ? -1 : 1) : 0));

  const notes: string[] = [];
  if (auditSpan.assumed) {
    notes.push(
      read.records > 0 && span.withoutTimestamps < read.records
        ? 'the log holds a single point in time: assumed it covers 30 days ($/month = amounts in the log)'
        : 'no timestamps in the log: assumed it covers 30 days ($/month = amounts in the log)',
    );
  } else if (auditSpan.days < 1) {
    notes.push(
      `the log spans only ${(auditSpan.days * 24).toFixed(1)} hours; $/month extrapolates it to 30 days`,
    );
  }
  if (span.withoutTimestamps > 0 && !auditSpan.assumed)
    notes.push(`${span.withoutTimestamps} records have no timestamp`);
  if (spend.estimatedUsage > 0) {
    notes.push(
      `${spend.estimatedUsage} records had no usage; their tokens are estimated as characters / 4 (flagged)`,
    );
  }
  if (spend.unpriced > 0)
    notes.push(`${spend.unpriced} records are on models with no known price; their cost is unknown, not $0`);
  for (const [reason, n] of Object.entries(read.skipped)) notes.push(`${n} lines skipped: ${reason}`);
  if (read.unmatchedBatchInputs > 0)
    notes.push(`${read.unmatchedBatchInputs} batch input lines had no output line`);
  const capped = spend.capped;
  if (capped.users || capped.features || capped.models)
    notes.push('too many distinct keys: the rest are summed under "(other)"');
  notes.push(
    'tactics overlap (e.g. a repeated FAQ is also an exact duplicate): their savings are not additive',
  );

  const byFeature = spend.byFeature();
  return {
    file,
    format: detection.format,
    formats: read.formats,
    lines: read.lines,
    records: read.records,
    malformed: read.malformed,
    span: auditSpan,
    total: {
      cost: spend.total,
      monthly: toMonthly(spend.total, auditSpan),
      requests: spend.requests,
      unpriced: spend.unpriced,
      estimatedUsage: spend.estimatedUsage,
    },
    byFeature,
    byUser: spend.byUser(),
    byModel: spend.byModel(),
    pareto: pareto(byFeature),
    unpricedModels: [...unpriced.entries()]
      .map(([model, requests]) => ({ model, requests }))
      .sort((a, b) => b.requests - a.requests),
    opportunities,
    notes,
  };
}
