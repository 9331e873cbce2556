/**
 * `max_tokens` far above real outputs → caps. Per feature and model, compares the cap that requests set
 * with the p99 of the outputs they got. Honest about money: a tighter cap is risk-free but only lowers
 * the budget RESERVED per request — the bill drops only when answers get shorter, so the $/month here
 * is the expected effect of a brevity instruction (an assumed share of output, stated in the evidence).
 */
import type { Money } from '../../core/money.js';
import type { PriceEntry } from '../../pricing/price.js';
import { CappedMap } from '../bounded-counter.js';
import { TokenHistogram } from '../histogram.js';
import type { AuditRecord, Opportunity } from '../types.js';
import { type Scaler, type TacticContext, type TacticEstimator, fraction, usdText } from './tactic.js';

interface Group {
  feature: string;
  model: string;
  hist: TokenHistogram;
  withCap: number;
  capSum: number;
  capMax: number;
  truncated: number;
  outputCost: Money;
  outputPrice: Money;
}

export interface CapSuggestion {
  feature: string;
  model: string;
  requests: number;
  averageCap: number;
  p99: number;
  maxOutput: number;
  suggestedCap: number;
  truncated: number;
  reservedPerRequestNow: Money;
  reservedPerRequestSuggested: Money;
  outputCost: Money;
}

/** A cap 20% above the p99 output, rounded up to a multiple of 16 tokens. */
export function suggestCap(p99: number): number {
  return Math.max(16, Math.ceil((p99 * 1.2) / 16) * 16);
}

export class CapsEstimator implements TacticEstimator {
  readonly #ctx: TacticContext;
  readonly #groups = new CappedMap<Group>(2000, '(other)\u0000(other)');
  #withCap = 0;
  #withoutCap = 0;

  constructor(ctx: TacticContext) {
    this.#ctx = ctx;
  }

  observe(r: AuditRecord, _cost: Money | null, price: PriceEntry | undefined): void {
    if (r.maxTokens === null) {
      this.#withoutCap++;
      return;
    }
    this.#withCap++;
    const feature = r.feature ?? '(none)';
    const g = this.#groups.slot(`${feature}\u0000${r.model}`, () => ({
      feature,
      model: r.model,
      hist: new TokenHistogram(),
      withCap: 0,
      capSum: 0,
      capMax: 0,
      truncated: 0,
      outputCost: 0n,
      outputPrice: price?.output ?? 0n,
    }));
    const out = r.usage.outputText + r.usage.reasoning;
    g.hist.add(out);
    g.withCap++;
    g.capSum += r.maxTokens;
    if (r.maxTokens > g.capMax) g.capMax = r.maxTokens;
    if (r.truncated) g.truncated++;
    if (price) {
      const outRate = r.batch ? (price.batchOutput ?? price.output / 2n) : price.output;
      const reasoningRate = r.batch ? outRate : (price.reasoning ?? price.output);
      g.outputCost += BigInt(r.usage.outputText) * outRate + BigInt(r.usage.reasoning) * reasoningRate;
    }
  }

  suggestions(): CapSuggestion[] {
    const t = this.#ctx.thresholds;
    const out: CapSuggestion[] = [];
    for (const [, g] of this.#groups.entries()) {
      if (g.withCap < t.capMinRequests) continue;
      const p99 = g.hist.quantile(0.99);
      const averageCap = Math.round(g.capSum / g.withCap);
      if (averageCap < t.capRatio * Math.max(1, p99)) continue;
      const suggestedCap = suggestCap(p99);
      if (suggestedCap >= averageCap) continue;
      out.push({
        feature: g.feature,
        model: g.model,
        requests: g.withCap,
        averageCap,
        p99,
        maxOutput: g.hist.max,
        suggestedCap,
        truncated: g.truncated,
        reservedPerRequestNow: BigInt(averageCap) * g.outputPrice,
        reservedPerRequestSuggested: BigInt(suggestedCap) * g.outputPrice,
        outputCost: g.outputCost,
      });
    }
    return out.sort((a, b) => (a.outputCost !== b.outputCost ? (a.outputCost > b.outputCost ? -1 : 1) : 0));
  }

  finish(scale: Scaler): Opportunity {
    const t = this.#ctx.thresholds;
    const list = this.suggestions();
    let outputCost = 0n;
    let requests = 0;
    let reservedFreed = 0n;
    for (const s of list) {
      outputCost += s.outputCost;
      requests += s.requests;
      reservedFreed += (s.reservedPerRequestNow - s.reservedPerRequestSuggested) * BigInt(s.requests);
    }
    const savings = fraction(outputCost, t.brevityReduction);
    const evidence = [
      `${list.length} feature/model groups set max_tokens at ≥ ${t.capRatio}× the p99 of their real outputs (groups with ≥ ${t.capMinRequests} capped requests)`,
      `a cap 20% above p99 is risk-free for those answers, but it lowers only the budget RESERVED per request (${usdText(reservedFreed)} less reserved over the log), not the bill`,
      `$/month shown = expected effect of a brevity instruction, assumed to remove ${Math.round(t.brevityReduction * 100)}% of output tokens in those groups (output cost ${usdText(outputCost)} in the log) — verify with an A/B test`,
      `${this.#withCap} requests set max_tokens, ${this.#withoutCap} did not`,
    ];
    const examples = list
      .slice(0, 5)
      .map(
        (s) =>
          `${s.feature} / ${s.model}: cap ${s.averageCap} (avg) vs p99 output ${s.p99} (max ${s.maxOutput}, ${s.truncated} truncated of ${s.requests}) → suggest max_tokens ${s.suggestedCap}`,
      );
    return {
      tactic: 'max-tokens',
      title: 'max_tokens far above real outputs → caps + brevity',
      monthly: scale.monthly(savings),
      observed: savings,
      requests,
      evidence,
      examples,
      applicable: this.#withCap > 0,
    };
  }
}
