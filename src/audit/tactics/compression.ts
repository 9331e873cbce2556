/**
 * Verbose prompts → compression. Scans system and user text once for filler the model does not need —
 * politeness, role preambles ("You are a highly experienced…"), boilerplate instructions, intensifiers —
 * and runs of whitespace. One alternation regex keeps matches from overlapping. A role preamble counts
 * as removable minus ~40 characters for the short instruction that replaces it. Tokens ≈ characters / 4.
 */
import type { Money } from '../../core/money.js';
import type { PriceEntry } from '../../pricing/price.js';
import type { AuditRecord, Opportunity } from '../types.js';
import { type Scaler, type TacticEstimator, pct, snippet, usdText } from './tactic.js';

export const FILLER_KINDS = [
  'role preamble',
  'politeness',
  'boilerplate',
  'intensifiers',
  'whitespace',
] as const;
export type FillerKind = (typeof FILLER_KINDS)[number];

const FILLER = new RegExp(
  [
    // 1: role preamble sentence
    String.raw`(\byou are an? (?:highly |very |extremely |incredibly )?(?:experienced|skilled|knowledgeable|helpful|expert|world[- ]class|professional|friendly|seasoned)\b[^.!?\n]{0,300}[.!?]?)`,
    // 2: politeness
    String.raw`(\b(?:please|kindly|thank you(?: (?:very|so) much)?|thanks(?: in advance)?|if you (?:don't|do not) mind|i would (?:really )?appreciate (?:it )?if you could|could you please|would you please)\b[ ,]?)`,
    // 3: boilerplate instructions
    String.raw`(\b(?:as an ai(?: language model)?|it is (?:very |extremely )?important (?:that|to)|make sure (?:that |to )?|your task is to|i want you to|i would like you to|in this task,? you will|remember to)\b ?)`,
    // 4: intensifiers
    String.raw`(\b(?:very|really|extremely|highly|truly|incredibly|absolutely|deeply) )`,
    // 5: whitespace runs (spaces/tabs beyond one, blank lines beyond one)
    String.raw`([ \t]{2,}|\n{3,})`,
  ].join('|'),
  'gi',
);

const PREAMBLE_REPLACEMENT_CHARS = 40;
const MAX_PREFIX_SCANS = 20_000;

function emptyKinds(): Record<FillerKind, number> {
  return { 'role preamble': 0, politeness: 0, boilerplate: 0, intensifiers: 0, whitespace: 0 };
}

/** Removable characters by kind in one text. */
export function scanFiller(text: string, into: Record<FillerKind, number>): number {
  let total = 0;
  FILLER.lastIndex = 0;
  for (let m = FILLER.exec(text); m !== null; m = FILLER.exec(text)) {
    const len = m[0].length;
    let removable: number;
    let kind: FillerKind;
    if (m[1] !== undefined) {
      kind = 'role preamble';
      removable = Math.max(0, len - PREAMBLE_REPLACEMENT_CHARS);
    } else if (m[2] !== undefined) {
      kind = 'politeness';
      removable = len;
    } else if (m[3] !== undefined) {
      kind = 'boilerplate';
      removable = len;
    } else if (m[4] !== undefined) {
      kind = 'intensifiers';
      removable = len;
    } else {
      kind = 'whitespace';
      removable = m[0].startsWith('\n') ? len - 2 : len - 1;
    }
    into[kind] += removable;
    total += removable;
  }
  return total;
}

export class CompressionEstimator implements TacticEstimator {
  readonly #byKind = emptyKinds();
  readonly #examples: string[] = [];
  readonly #prefixScans = new Map<number, { total: number; byKind: Record<FillerKind, number> }>();
  #withPrompt = 0;
  #verbose = 0;
  #tokens = 0;
  #savings: Money = 0n;

  observe(r: AuditRecord, _cost: Money | null, price: PriceEntry | undefined): void {
    const p = r.prompt;
    if (!p) return;
    this.#withPrompt++;
    let chars = 0;
    if (p.prefixTexts > 0) {
      // A prefix (system prompt) repeats across requests: scan each distinct one once.
      let cached = this.#prefixScans.get(p.prefixKey);
      if (cached === undefined) {
        const byKind = emptyKinds();
        let total = 0;
        for (let i = 0; i < p.prefixTexts; i++) total += scanFiller(p.texts[i]!, byKind);
        cached = { total, byKind };
        if (this.#prefixScans.size < MAX_PREFIX_SCANS) this.#prefixScans.set(p.prefixKey, cached);
      }
      chars += cached.total;
      if (cached.total > 0) for (const k of FILLER_KINDS) this.#byKind[k] += cached.byKind[k];
    }
    for (let i = p.prefixTexts; i < p.texts.length; i++) chars += scanFiller(p.texts[i]!, this.#byKind);
    const tokens = Math.floor(chars / 4);
    if (tokens === 0) return;
    this.#verbose++;
    this.#tokens += tokens;
    if (price) this.#savings += (BigInt(tokens) * price.input) / (r.batch ? 2n : 1n);
    if (this.#examples.length < 5) {
      this.#examples.push(`line ${r.line}: ~${tokens} removable tokens: "${snippet(p.texts[0] ?? '')}"`);
    }
  }

  finish(scale: Scaler): Opportunity {
    const avg = this.#verbose === 0 ? 0 : Math.round(this.#tokens / this.#verbose);
    const kinds = FILLER_KINDS.filter((k) => this.#byKind[k] > 0)
      .map((k) => `${k} ~${Math.floor(this.#byKind[k] / 4)} tokens`)
      .join(', ');
    const evidence = [
      `${this.#verbose} of ${this.#withPrompt} prompts (${pct(this.#verbose, this.#withPrompt)}) carry filler; ~${avg} removable tokens each on average (characters / 4)`,
      `by kind: ${kinds || 'none found'}`,
      `savings = removable tokens × the model's uncached input price (${usdText(this.#savings)} in the log); a prompt template fixed once fixes every request`,
    ];
    return {
      tactic: 'compression',
      title: 'Verbose prompts → compression',
      monthly: scale.monthly(this.#savings),
      observed: this.#savings,
      requests: this.#verbose,
      evidence,
      examples: this.#examples,
      applicable: this.#withPrompt > 0,
    };
  }
}
