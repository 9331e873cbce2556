/**
 * Duplicate prompts → response cache. A request whose model + full prompt was seen before could have been
 * answered from a cache; the savings are the cost of every repeat (the first occurrence is paid).
 * Past 200k distinct prompts, "seen before" comes from a count-min sketch and may slightly overcount.
 */
import type { Money } from '../../core/money.js';
import { BoundedCounter } from '../bounded-counter.js';
import type { AuditRecord, Opportunity } from '../types.js';
import { type Scaler, type TacticContext, type TacticEstimator, pct, snippet, usdText } from './tactic.js';

const MAX_EXAMPLES = 200;

export class ResponseCacheEstimator implements TacticEstimator {
  readonly #seen: BoundedCounter;
  readonly #examples = new Map<number, { count: number; model: string; text: string; line: number }>();
  #considered = 0;
  #repeats = 0;
  #unpricedRepeats = 0;
  #savings: Money = 0n;

  constructor(ctx: TacticContext) {
    this.#seen = new BoundedCounter(ctx.maxKeys);
  }

  observe(r: AuditRecord, cost: Money | null): void {
    if (r.promptKey === null) return;
    this.#considered++;
    const before = this.#seen.add(r.promptKey);
    if (before === 0) return;
    this.#repeats++;
    if (cost === null) this.#unpricedRepeats++;
    else this.#savings += cost;
    const ex = this.#examples.get(r.promptKey);
    if (ex) ex.count++;
    else if (this.#examples.size < MAX_EXAMPLES) {
      const text = r.prompt ? r.prompt.lastUser : `prompt hash ${r.promptKey.toString(16)}`;
      this.#examples.set(r.promptKey, { count: before + 1, model: r.model, text, line: r.line });
    }
  }

  finish(scale: Scaler): Opportunity {
    const evidence = [
      `${this.#repeats} of ${this.#considered} requests (${pct(this.#repeats, this.#considered)}) repeat an earlier request exactly (same model and messages)`,
      `savings = cost of every repeat (${usdText(this.#savings)} in the log); the first occurrence is still paid`,
      'assumes repeats may get the same answer (deterministic prompts, e.g. temperature 0); exact and FAQ repeats overlap with the shortcut estimate',
    ];
    if (this.#unpricedRepeats > 0)
      evidence.push(`${this.#unpricedRepeats} repeats are on unpriced models (not counted)`);
    if (this.#seen.approximate) {
      evidence.push(
        'more than the exact-key limit of distinct prompts: later repeats estimated with a count-min sketch',
      );
    }
    const examples = [...this.#examples.values()]
      .sort((a, b) => b.count - a.count)
      .slice(0, 5)
      .map((e) => `${e.count}× ${e.model} (first repeat line ${e.line}): "${snippet(e.text)}"`);
    return {
      tactic: 'response-cache',
      title: 'Duplicate prompts → response cache',
      monthly: scale.monthly(this.#savings),
      observed: this.#savings,
      requests: this.#repeats,
      evidence,
      examples,
      applicable: this.#considered > 0,
    };
  }
}
