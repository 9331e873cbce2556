/**
 * FAQ-like repeats → shortcut. The last user message is normalised (case, punctuation, spacing) and
 * counted per feature; a question asked at least N times could be answered by a stored FAQ answer
 * without an LLM call. Savings = cost of all occurrences but the first (which seeds the answer).
 */
import type { Money } from '../../core/money.js';
import { BoundedCounter } from '../bounded-counter.js';
import { Hash53, hashString } from '../hash.js';
import type { AuditRecord, Opportunity } from '../types.js';
import { type Scaler, type TacticContext, type TacticEstimator, pct, snippet, usdText } from './tactic.js';

const MAX_QUESTION_CHARS = 200;

/** A question seen at least twice: the cost of its repeats (occurrences after the first). */
interface Slot {
  repeats: number;
  cost: Money;
  text: string | null;
}

/** Lower-case, ASCII punctuation and whitespace runs turned into single spaces, trimmed (for display and tests). */
export function normaliseQuestion(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\s!-/:-@[-`{-~]+/g, ' ')
    .trim();
}

/** True for ASCII whitespace and punctuation (the characters normalisation turns into one space). */
function isSeparator(c: number): boolean {
  return (
    c <= 32 || (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 127)
  );
}

let normalisedLength = 0;

/**
 * Hash of `normaliseQuestion(text)` computed in one pass without building the string (the hot path);
 * sets `normalisedLength`. Equal to hashString(normaliseQuestion(text), seed) for ASCII case folding.
 */
export function hashNormalised(text: string, seed: number): number {
  const h = new Hash53(seed);
  let len = 0;
  let pendingSpace = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSeparator(c)) {
      if (len > 0) pendingSpace = true;
      continue;
    }
    if (pendingSpace) {
      h.addCode(32);
      len++;
      pendingSpace = false;
    }
    if (c >= 65 && c <= 90) h.addCode(c + 32);
    else if (c < 128) h.addCode(c);
    else h.add(text[i]!.toLowerCase());
    len++;
  }
  normalisedLength = len;
  return h.digest();
}

export class ShortcutEstimator implements TacticEstimator {
  readonly #seen: BoundedCounter;
  readonly #slots = new Map<number, Slot>();
  readonly #ctx: TacticContext;
  #considered = 0;
  #untracked = 0;
  #lastFeature = '';
  #lastFeatureHash = hashString('');

  constructor(ctx: TacticContext) {
    this.#ctx = ctx;
    this.#seen = new BoundedCounter(ctx.maxKeys);
  }

  observe(r: AuditRecord, cost: Money | null): void {
    const q = r.prompt?.lastUser;
    if (q === undefined || q.length === 0 || q.length > MAX_QUESTION_CHARS * 2) return;
    const feature = r.feature ?? '';
    if (feature !== this.#lastFeature) {
      this.#lastFeature = feature;
      this.#lastFeatureHash = hashString(feature);
    }
    const key = hashNormalised(q, this.#lastFeatureHash);
    if (normalisedLength < 3 || normalisedLength > MAX_QUESTION_CHARS) return;
    this.#considered++;
    // Most questions are asked once: count them in the bounded counter, and only give a question a
    // slot (with money) from its second occurrence on.
    const before = this.#seen.add(key);
    if (before === 0) return;
    let slot = this.#slots.get(key);
    if (!slot) {
      if (this.#slots.size >= this.#ctx.maxKeys) {
        this.#untracked++;
        return;
      }
      slot = { repeats: 0, cost: 0n, text: null };
      this.#slots.set(key, slot);
    }
    slot.repeats++;
    if (cost !== null) slot.cost += cost;
    // Keep the text only for questions that become frequent, so memory goes to the ones reported.
    if (before + 1 === this.#ctx.thresholds.shortcutMinRepeats) slot.text = q;
  }

  finish(scale: Scaler): Opportunity {
    const min = this.#ctx.thresholds.shortcutMinRepeats;
    let savings = 0n;
    let requests = 0;
    let questions = 0;
    const frequent: Slot[] = [];
    for (const s of this.#slots.values()) {
      if (s.repeats + 1 < min) continue;
      questions++;
      requests += s.repeats;
      savings += s.cost;
      frequent.push(s);
    }
    const evidence = [
      `${questions} distinct questions asked ≥ ${min} times (normalised: case, punctuation and spacing ignored; per feature)`,
      `${requests} of ${this.#considered} short questions (${pct(requests, this.#considered)}) could be answered by a stored answer`,
      `savings = cost of every occurrence after the first (${usdText(savings)} in the log)`,
    ];
    if (this.#untracked > 0)
      evidence.push(`${this.#untracked} questions past the distinct-question limit were not tracked`);
    const examples = frequent
      .sort((a, b) => b.repeats - a.repeats)
      .slice(0, 5)
      .map((s) => `${s.repeats + 1}× "${snippet(s.text ?? '')}"`);
    return {
      tactic: 'shortcut',
      title: 'FAQ-like repeats → shortcut answers',
      monthly: scale.monthly(savings),
      observed: savings,
      requests,
      evidence,
      examples,
      applicable: this.#considered > 0,
    };
  }
}
