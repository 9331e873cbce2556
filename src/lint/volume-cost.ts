/**
 * What a number of prompt tokens costs per month at a feature's real volume: requests per day from the
 * ledger (requests over the days that had traffic in the last 30) or given by hand, times 30 days, times
 * the model's input price. Exact money; the volume itself is an average, so the result is an estimate.
 */
import type { Money } from '../core/money.js';
import type { Ledger } from '../ledger/ledger.js';

const DAY_MS = 86_400_000;

export interface FeatureVolume {
  requestsPerDay: number;
  /** Days with traffic that the average is over. */
  days: number;
  /** The feature's most used model (by cost), when the ledger has one. */
  model?: string;
}

export async function featureVolume(
  ledger: Ledger,
  feature: string,
  now = Date.now(),
): Promise<FeatureVolume> {
  const filter = { feature, from: now - 30 * DAY_MS };
  const days = await ledger.summarize(filter, ['day']);
  const requests = days.reduce((a, r) => a + r.requests, 0);
  const models = await ledger.summarize(filter, ['model']);
  const out: FeatureVolume = { requestsPerDay: days.length ? requests / days.length : 0, days: days.length };
  const top = models[0]?.group.model;
  if (top && top !== '(none)') out.model = top;
  return out;
}

/** tokens × requests/day × 30 × rate, rounded to whole picodollars. */
export function monthlyCost(tokens: number, requestsPerDay: number, inputRate: Money): Money {
  const perMonth = Math.round(requestsPerDay * 30 * 1000);
  return (BigInt(Math.max(0, Math.round(tokens))) * inputRate * BigInt(perMonth)) / 1000n;
}
