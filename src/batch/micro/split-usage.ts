/**
 * One call's usage split into the items' shares: input fields by each item's token weight, output fields
 * by each item's answer tokens (weight when no answer was read), each field by largest remainder so the
 * items' token columns add up exactly to the call's.
 */
import type { Usage } from '../../core/usage.js';
import { splitByWeight } from '../../pipeline/settle/split-share.js';

export function splitUsage(u: Usage, weights: readonly number[], outputWeights: readonly number[]): Usage[] {
  const outW = outputWeights.some((w) => w > 0) ? outputWeights : weights;
  const field = (v: number, w: readonly number[]) => splitByWeight(BigInt(v), w).map(Number);
  const input = field(u.inputUncached, weights);
  const read = field(u.cacheRead, weights);
  const w5 = field(u.cacheWrite5m, weights);
  const w1 = field(u.cacheWrite1h, weights);
  const out = field(u.outputText, outW);
  const reasoning = field(u.reasoning, outW);
  return weights.map((_, i) => ({
    inputUncached: input[i]!,
    cacheRead: read[i]!,
    cacheWrite5m: w5[i]!,
    cacheWrite1h: w1[i]!,
    outputText: out[i]!,
    reasoning: reasoning[i]!,
    ...(u.estimated ? { estimated: true } : {}),
  }));
}
