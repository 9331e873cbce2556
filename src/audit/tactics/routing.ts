/**
 * Simple tasks on expensive models → routing. A request on a GPT-4-class / o-series / GPT-5 (not mini
 * or nano) or Opus / Sonnet model that is short (few tokens in and out) or reads like classification or
 * extraction is priced again, with the same usage, on the cheapest priced model of the same provider
 * from a short list. The savings are an upper bound: quality must be checked (shadow test) first.
 */
import type { Money } from '../../core/money.js';
import { totalInputTokens, totalOutputTokens } from '../../core/usage.js';
import type { PriceEntry } from '../../pricing/price.js';
import type { AuditRecord, Opportunity } from '../types.js';
import { type Scaler, type TacticContext, type TacticEstimator, pct, snippet, usdText } from './tactic.js';

interface Route {
  provider: string;
  isExpensive(model: string): boolean;
  /** Cheaper models of the same provider, in order of preference. */
  targets: readonly string[];
}

const ROUTES: readonly Route[] = [
  {
    provider: 'openai',
    isExpensive: (m) => /^(?:openai\/)?(?:gpt-4|gpt-5|o1|o3|chatgpt-4o)/.test(m) && !/mini|nano/.test(m),
    targets: ['gpt-4o-mini', 'gpt-4.1-mini', 'gpt-3.5-turbo'],
  },
  {
    provider: 'anthropic',
    isExpensive: (m) => /claude/.test(m) && /opus|sonnet/.test(m),
    targets: ['claude-haiku-4-5', 'claude-3-5-haiku-latest', 'claude-3-5-haiku', 'claude-3-haiku'],
  },
];

const CLASSIFY =
  /\b(?:classify|classification|categori[sz]e|category|sentiment|label|yes or no|true or false|extract|which of the following|one word|intent)\b/i;

function providerOf(r: AuditRecord): string | null {
  if (r.provider) return r.provider;
  if (/^claude/.test(r.model)) return 'anthropic';
  if (/^(?:gpt|o\d|chatgpt)/.test(r.model)) return 'openai';
  return null;
}

export class RoutingEstimator implements TacticEstimator {
  readonly #ctx: TacticContext;
  readonly #targetOf = new Map<string, PriceEntry | null>();
  readonly #perModel = new Map<string, { target: string; requests: number; savings: Money }>();
  readonly #examples: string[] = [];
  #expensive = 0;
  #candidates = 0;
  #short = 0;
  #classify = 0;
  #savings: Money = 0n;

  constructor(ctx: TacticContext) {
    this.#ctx = ctx;
  }

  #target(r: AuditRecord, price: PriceEntry): PriceEntry | null {
    const cached = this.#targetOf.get(r.model);
    if (cached !== undefined) return cached;
    const provider = providerOf(r);
    const route = ROUTES.find((x) => x.provider === provider && x.isExpensive(r.model));
    let best: PriceEntry | null = null;
    if (route) {
      for (const name of route.targets) {
        const p = this.#ctx.priceOf(name, route.provider);
        if (p && p.input < price.input && p.output < price.output) {
          best = p;
          break;
        }
      }
    }
    this.#targetOf.set(r.model, best);
    return best;
  }

  observe(r: AuditRecord, cost: Money | null, price: PriceEntry | undefined): void {
    if (cost === null || !price) return;
    const target = this.#target(r, price);
    if (!target) return;
    this.#expensive++;
    const t = this.#ctx.thresholds;
    const input = totalInputTokens(r.usage);
    const output = totalOutputTokens(r.usage);
    const short = input <= t.routingMaxInput && output <= t.routingMaxOutput;
    let classify = false;
    if (!short && output <= t.classifyMaxOutput && r.prompt) {
      classify = CLASSIFY.test(r.prompt.lastUser) || CLASSIFY.test((r.prompt.texts[0] ?? '').slice(0, 2000));
    }
    if (!short && !classify) return;
    const cheaper = this.#ctx.pricing.cost(r.usage, target, { batch: r.batch });
    if (cheaper === null || cheaper >= cost) return;
    const saving = cost - cheaper;
    this.#candidates++;
    if (short) this.#short++;
    else this.#classify++;
    this.#savings += saving;
    let m = this.#perModel.get(r.model);
    if (!m) {
      m = { target: target.model, requests: 0, savings: 0n };
      this.#perModel.set(r.model, m);
    }
    m.requests++;
    m.savings += saving;
    if (this.#examples.length < 5) {
      const why = short ? 'short' : 'classification-like';
      const text = r.prompt ? `: "${snippet(r.prompt.lastUser, 60)}"` : '';
      this.#examples.push(
        `line ${r.line}: ${r.model} → ${target.model} (${why}, ${input} in / ${output} out)${text}`,
      );
    }
  }

  finish(scale: Scaler): Opportunity {
    const t = this.#ctx.thresholds;
    const evidence = [
      `${this.#candidates} of ${this.#expensive} requests on expensive models (${pct(this.#candidates, this.#expensive)}) look simple: ${this.#short} short (≤ ${t.routingMaxInput} tokens in and ≤ ${t.routingMaxOutput} out), ${this.#classify} classification/extraction-like (≤ ${t.classifyMaxOutput} out)`,
      `savings = their cost today − the same usage priced on a cheaper model of the same provider (${usdText(this.#savings)} in the log); an upper bound until a shadow test confirms quality`,
    ];
    for (const [model, m] of [...this.#perModel.entries()].sort((a, b) =>
      a[1].savings > b[1].savings ? -1 : 1,
    )) {
      evidence.push(`${model} → ${m.target}: ${m.requests} requests, ${usdText(m.savings)} in the log`);
    }
    return {
      tactic: 'routing',
      title: 'Simple tasks on expensive models → routing',
      monthly: scale.monthly(this.#savings),
      observed: this.#savings,
      requests: this.#candidates,
      evidence,
      examples: this.#examples,
      applicable: true,
    };
  }
}
