/**
 * A feature's real volumes from the ledger, for the break-even analyses: requests per day, average
 * tokens, the model it mostly uses and its measured cost per request. Without a time range, requests per
 * day are averaged over the days that had traffic (and the result says so).
 */
import { InvalidRequestError } from '../core/errors.js';
import type { Money } from '../core/money.js';
import type { Ledger, LedgerFilter } from '../ledger/ledger.js';

const DAY_MS = 86_400_000;

export interface FeatureVolumes {
  feature: string;
  requests: number;
  days: number;
  /** "range" when days come from from/to, "active-days" when from the days with traffic. */
  daysFrom: 'range' | 'active-days';
  requestsPerDay: number;
  avgInputTokens: number;
  avgOutputTokens: number;
  /** The model with the most requests. */
  model: string;
  /** Known cost / priced requests; null when no request was priced. */
  costPerRequest: Money | null;
}

export async function volumesFromLedger(
  ledger: Ledger,
  feature: string,
  opts: { from?: number; to?: number } = {},
): Promise<FeatureVolumes> {
  const filter: LedgerFilter = { feature };
  if (opts.from !== undefined) filter.from = opts.from;
  if (opts.to !== undefined) filter.to = opts.to;
  const rows = await ledger.summarize(filter, ['model']);
  let requests = 0;
  let unpriced = 0;
  let input = 0;
  let output = 0;
  let cost = 0n;
  let model = '';
  let modelRequests = -1;
  for (const r of rows) {
    requests += r.requests;
    unpriced += r.unpriced;
    input += r.inputTokens + r.cacheReadTokens + r.cacheWriteTokens;
    output += r.outputTokens + r.reasoningTokens;
    cost += r.cost;
    const m = r.group.model ?? '';
    if (r.requests > modelRequests || (r.requests === modelRequests && m < model)) {
      model = m;
      modelRequests = r.requests;
    }
  }
  if (requests === 0)
    throw new InvalidRequestError(`no requests for feature "${feature}" in the ledger`, 'feature');
  let days: number;
  let daysFrom: FeatureVolumes['daysFrom'];
  if (opts.from !== undefined && opts.to !== undefined && opts.to > opts.from) {
    days = (opts.to - opts.from) / DAY_MS;
    daysFrom = 'range';
  } else {
    days = Math.max(1, (await ledger.summarize(filter, ['day'])).length);
    daysFrom = 'active-days';
  }
  const priced = requests - unpriced;
  return {
    feature,
    requests,
    days,
    daysFrom,
    requestsPerDay: requests / days,
    avgInputTokens: input / requests,
    avgOutputTokens: output / requests,
    model,
    costPerRequest: priced > 0 ? cost / BigInt(priced) : null,
  };
}
