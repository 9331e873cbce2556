/**
 * The 80/20 view: features by known spend, with cumulative shares and the smallest set of costliest
 * features that reaches 80% of spend. Shares are computed from exact bigint ratios; the headline percent
 * is rounded down so "makes 81%" is never more than the truth.
 */
import type { Money } from '../core/money.js';
import type { SummaryRow } from '../ledger/ledger.js';
import type { ParetoFeature, ParetoView } from './report.js';

const SHARE_SCALE = 1_000_000n;

export function paretoView(featureRows: readonly SummaryRow[], threshold = 0.8): ParetoView {
  const sorted = [...featureRows].sort((a, b) => {
    if (a.cost !== b.cost) return a.cost > b.cost ? -1 : 1;
    const x = a.group.feature ?? '';
    const y = b.group.feature ?? '';
    return x < y ? -1 : x > y ? 1 : 0;
  });
  let total = 0n;
  for (const r of sorted) total += r.cost;
  // threshold as an exact fraction of SHARE_SCALE, so the comparison below is integer arithmetic.
  const thresholdScaled = BigInt(Math.round(threshold * Number(SHARE_SCALE)));

  const features: ParetoFeature[] = [];
  let cumulative = 0n;
  let coreCount = 0;
  let coreCost = 0n;
  let coreDone = total === 0n;
  for (const r of sorted) {
    cumulative += r.cost;
    const inCore = !coreDone && r.cost > 0n;
    if (inCore) {
      coreCount += 1;
      coreCost = cumulative;
      if (cumulative * SHARE_SCALE >= thresholdScaled * total) coreDone = true;
    }
    features.push({
      feature: r.group.feature ?? '',
      requests: r.requests,
      cost: r.cost,
      unpriced: r.unpriced,
      share: ratio(r.cost, total),
      cumulativeShare: ratio(cumulative, total),
      inCore,
    });
  }
  const corePercent = total === 0n ? 0 : Number((coreCost * 100n) / total);
  const n = features.length;
  const headline =
    total === 0n
      ? n === 0
        ? 'no requests in this range'
        : 'no priced spend in this range'
      : `${coreCount} of ${n} ${n === 1 ? 'feature' : 'features'} ${coreCount === 1 ? 'makes' : 'make'} ${corePercent}% of spend`;
  return { threshold, features, coreCount, totalCount: n, coreCost, corePercent, headline };
}

function ratio(part: Money, whole: Money): number {
  if (whole === 0n) return 0;
  return Number((part * SHARE_SCALE) / whole) / Number(SHARE_SCALE);
}
