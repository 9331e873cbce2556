/**
 * Cost-aware choice among a rule's targets: drop the models this request cannot run on (context window,
 * max output, tools, images, JSON mode), then order the rest by what THIS request would cost on each —
 * `estimateCost` applies the long-context tier the prompt would hit, so a long prompt goes to the model
 * that is cheapest at that length, not the one with the lowest list price. A capability the catalog does
 * not state is assumed present (only an explicit `false` excludes), and an unpriced model sorts last.
 */
import type { Money } from '../../core/money.js';
import { estimateCost, selectTier } from '../../pricing/cost.js';
import type { PriceEntry } from '../../pricing/price.js';

export interface RequestNeeds {
  promptTokens: number;
  /** Output tokens assumed for the price comparison. */
  expectedOutputTokens: number;
  /** The client's max_tokens, when it set one. */
  maxTokens?: number | undefined;
  tools: boolean;
  images: boolean;
  json: boolean;
}

export interface CandidateVerdict {
  model: string;
  fits: boolean;
  /** Why it does not fit. */
  reason?: string;
  /** Estimated cost of this request on the model; null when unpriced. */
  estCost: Money | null;
  /** The long-context tier the prompt would hit, when one. */
  tierAbove?: number;
}

export function assessCandidate(
  model: string,
  price: PriceEntry | undefined,
  n: RequestNeeds,
): CandidateVerdict {
  const outTokens = Math.min(n.expectedOutputTokens, n.maxTokens ?? Number.POSITIVE_INFINITY);
  const estCost = estimateCost(n.promptTokens, outTokens, price);
  const v: CandidateVerdict = { model, fits: true, estCost };
  const tier = price ? selectTier(price, n.promptTokens) : undefined;
  if (tier) v.tierAbove = tier.aboveInputTokens;
  const unfit = (reason: string): CandidateVerdict => ({ ...v, fits: false, reason });
  if (!price) return v;
  const needed = n.promptTokens + (n.maxTokens ?? n.expectedOutputTokens);
  if (price.contextWindow !== undefined && needed > price.contextWindow) {
    return unfit(`context window ${price.contextWindow} < ${needed} tokens (prompt + output)`);
  }
  if (n.maxTokens !== undefined && price.maxOutput !== undefined && n.maxTokens > price.maxOutput) {
    return unfit(`max output ${price.maxOutput} < max_tokens ${n.maxTokens}`);
  }
  const caps = price.capabilities;
  if (n.tools && caps?.tools === false) return unfit('no tool support');
  if (n.images && caps?.vision === false) return unfit('no image input');
  if (n.json && caps?.jsonMode === false) return unfit('no JSON mode');
  return v;
}

export interface CostChoice {
  /** Targets that fit, best first. */
  ordered: string[];
  verdicts: CandidateVerdict[];
}

export function chooseTargets(
  models: readonly string[],
  priceOf: (model: string) => PriceEntry | undefined,
  needs: RequestNeeds,
  mode: 'cheapest' | 'ordered',
): CostChoice {
  const verdicts = models.map((m) => assessCandidate(m, priceOf(m), needs));
  const fitting = verdicts.filter((v) => v.fits);
  if (mode === 'cheapest') {
    // Stable: equal (or unknown) costs keep the configured order.
    fitting.sort((a, b) => {
      if (a.estCost === null || b.estCost === null)
        return (a.estCost === null ? 1 : 0) - (b.estCost === null ? 1 : 0);
      return a.estCost < b.estCost ? -1 : a.estCost > b.estCost ? 1 : 0;
    });
  }
  return { ordered: fitting.map((v) => v.model), verdicts };
}
