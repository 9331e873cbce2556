/**
 * Long repeated prefixes → provider prompt caching. A request whose stable prefix (tools + system
 * prompt) is at least the model's caching minimum (1024 tokens unless the price entry says otherwise)
 * and was seen before, yet read nothing from the cache, could have paid the cached-read rate for that
 * prefix. One cache-write premium is charged per distinct prefix (Anthropic 1.25×); prefix tokens are
 * estimated as characters / 4.
 */
import type { Money } from '../../core/money.js';
import type { PriceEntry } from '../../pricing/price.js';
import { totalInputTokens } from '../../core/usage.js';
import { BoundedCounter } from '../bounded-counter.js';
import { estimateTokens } from '../line-result.js';
import type { AuditRecord, Opportunity } from '../types.js';
import { type Scaler, type TacticContext, type TacticEstimator, snippet, usdText } from './tactic.js';

const MAX_EXAMPLES = 100;

export class PromptCacheEstimator implements TacticEstimator {
  readonly #ctx: TacticContext;
  readonly #seen: BoundedCounter;
  readonly #examples = new Map<number, { count: number; model: string; tokens: number; text: string }>();
  #longPrefix = 0;
  #distinct = 0;
  #repeats = 0;
  #alreadyCached = 0;
  #noCachePrice = 0;
  #savings: Money = 0n;
  #withPrompt = 0;

  constructor(ctx: TacticContext) {
    this.#ctx = ctx;
    this.#seen = new BoundedCounter(ctx.maxKeys);
  }

  observe(r: AuditRecord, _cost: Money | null, price: PriceEntry | undefined): void {
    const p = r.prompt;
    if (!p) return;
    this.#withPrompt++;
    if (!price) return;
    const min = price.promptCacheMinTokens ?? this.#ctx.thresholds.promptCacheMinTokens;
    const tokens = Math.min(estimateTokens(p.prefixChars), totalInputTokens(r.usage));
    if (tokens < min) return;
    this.#longPrefix++;
    const before = this.#seen.add(p.prefixKey);
    if (before === 0) {
      this.#distinct++;
      return;
    }
    if (r.usage.cacheRead > 0) {
      this.#alreadyCached++;
      return;
    }
    if (price.cacheRead === undefined) {
      this.#noCachePrice++;
      return;
    }
    const half = r.batch ? 2n : 1n;
    let saving = (BigInt(tokens) * (price.input - price.cacheRead)) / half;
    if (before === 1 && price.cacheWrite5m !== undefined && price.cacheWrite5m > price.input) {
      saving -= (BigInt(tokens) * (price.cacheWrite5m - price.input)) / half;
    }
    this.#repeats++;
    this.#savings += saving;
    const ex = this.#examples.get(p.prefixKey);
    if (ex) ex.count++;
    else if (this.#examples.size < MAX_EXAMPLES) {
      this.#examples.set(p.prefixKey, { count: before + 1, model: r.model, tokens, text: p.texts[0] ?? '' });
    }
  }

  finish(scale: Scaler): Opportunity {
    const evidence = [
      `${this.#longPrefix} requests have a prefix (tools + system prompt) at or above the caching minimum (${this.#ctx.thresholds.promptCacheMinTokens} tokens unless the model's entry says otherwise; tokens ≈ characters / 4)`,
      `${this.#distinct} distinct long prefixes; ${this.#repeats} repeats read nothing from the provider cache`,
      `savings = prefix tokens × (input − cached-input price) on those repeats, minus one cache-write premium per distinct prefix (${usdText(this.#savings)} in the log)`,
      'assumes repeats arrive within the cache TTL (5 min, refreshed on each hit) and the prefix is byte-identical',
    ];
    if (this.#alreadyCached > 0)
      evidence.push(`${this.#alreadyCached} repeats already read from the cache (not counted)`);
    if (this.#noCachePrice > 0) {
      evidence.push(
        `${this.#noCachePrice} repeats are on models without a cached-input price (no provider caching)`,
      );
    }
    const examples = [...this.#examples.values()]
      .sort((a, b) => b.count - a.count)
      .slice(0, 5)
      .map((e) => `${e.count}× ${e.model}, ~${e.tokens} prefix tokens: "${snippet(e.text)}"`);
    return {
      tactic: 'prompt-cache',
      title: 'Long repeated prefixes → provider prompt caching',
      monthly: scale.monthly(this.#savings),
      observed: this.#savings,
      requests: this.#repeats,
      evidence,
      examples,
      applicable: this.#withPrompt > 0,
    };
  }
}
