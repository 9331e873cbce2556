/**
 * The shape every opportunity estimator shares: `observe` sees each priced record once (in bounded
 * memory), `finish` turns what it saw into an Opportunity with its evidence, scaled to $/month.
 * Thresholds are in one place so the report can print the ones it used.
 */
import type { Money } from '../../core/money.js';
import { formatUsd } from '../../core/money.js';
import type { PriceEntry } from '../../pricing/price.js';
import type { AuditPricing, AuditRecord, AuditSpan, Opportunity } from '../types.js';

export interface Thresholds {
  /** Normalised questions repeated at least this often count as FAQ candidates. */
  shortcutMinRepeats: number;
  /** Prefix tokens needed for provider prompt caching, when the price entry does not say. */
  promptCacheMinTokens: number;
  /** A cap is "far above" outputs when it is at least this multiple of the p99 output. */
  capRatio: number;
  /** Requests with a cap needed in a feature/model group before a cap is suggested. */
  capMinRequests: number;
  /** Assumed share of output a brevity instruction removes (stated in the report). */
  brevityReduction: number;
  /** "Short" requests for routing: at most this many input and output tokens. */
  routingMaxInput: number;
  routingMaxOutput: number;
  /** Classification-like prompts qualify for routing up to this many output tokens. */
  classifyMaxOutput: number;
  /** A feature whose requests fall at night (00:00–05:59 UTC) at least this share is a batch candidate. */
  nightShare: number;
  nightMinRequests: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  shortcutMinRepeats: 5,
  promptCacheMinTokens: 1024,
  capRatio: 2,
  capMinRequests: 20,
  brevityReduction: 0.2,
  routingMaxInput: 600,
  routingMaxOutput: 80,
  classifyMaxOutput: 200,
  nightShare: 0.8,
  nightMinRequests: 20,
};

export interface TacticContext {
  pricing: AuditPricing;
  /** Memoised price lookup. */
  priceOf(model: string, provider?: string | null): PriceEntry | undefined;
  thresholds: Thresholds;
  /** Distinct keys an estimator may hold exactly. */
  maxKeys: number;
}

export interface Scaler {
  span: AuditSpan;
  monthly(amount: Money): Money;
}

export interface TacticEstimator {
  observe(record: AuditRecord, cost: Money | null, price: PriceEntry | undefined): void;
  finish(scale: Scaler): Opportunity;
}

export const EXAMPLE_CHARS = 80;

/** A one-line, truncated example text. */
export function snippet(text: string, max = EXAMPLE_CHARS): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

export function usdText(m: Money): string {
  return formatUsd(m, 4);
}

/** Applies a fraction (0..1, 0.1% resolution) to money exactly. */
export function fraction(m: Money, share: number): Money {
  return (m * BigInt(Math.round(share * 1000))) / 1000n;
}

export function pct(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${((100 * part) / whole).toFixed(1)}%`;
}
