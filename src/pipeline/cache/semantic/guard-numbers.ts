/**
 * Numbers in a token stream: digits with an optional scale ("3 million") and unit ("5 kg", "$ 5" read as
 * "usd 5"), ordinals ("3rd"), bare years (a date, not a count) and number words ("twenty five"). "one"
 * used as a pronoun ("which one", "one of") is not a count.
 */
import { NUMBER_SCALES, NUMBER_WORDS, ONE_PRONOUN_BEFORE, ORDINAL_WORDS, UNITS } from './guard-lexicon.js';
import { canonicalWord } from './text-normalize.js';

export interface NumberMention {
  /** The value as a canonical decimal string ("1000", "9.99"); ordinals are "ord:3". */
  value: string;
  unit: string | null;
}

/** Where the numbers of a text go while it is read. */
export interface NumberSink {
  numbers: NumberMention[];
  dates: string[];
  /** [token index, key] of every salient item, for the word-order check. */
  salientAt: Array<[number, string]>;
  surface: Set<string>;
  words: Set<string>;
}

const ONE_PRONOUN = new Set(ONE_PRONOUN_BEFORE);
const ORDINAL_SUFFIX = new Set(['st', 'nd', 'rd', 'th']);
const CURRENCY_UNITS = new Set(['usd', 'eur', 'gbp', 'jpy']);
// Maps, not the records themselves: `"constructor" in record` is true for every object.
const NUMBER_WORD = new Map(Object.entries(NUMBER_WORDS));
const NUMBER_SCALE = new Map(Object.entries(NUMBER_SCALES));
const ORDINAL = new Map(Object.entries(ORDINAL_WORDS));

/** Surface unit word → canonical unit ("kilos" → "kg"). */
export const UNIT_OF: ReadonlyMap<string, string> = new Map(
  Object.entries(UNITS).flatMap(([canon, list]) => list.map((w) => [w, canon] as const)),
);

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1e6) / 1e6);
}

function unitAt(tokens: readonly string[], j: number): string | null {
  const t = tokens[j];
  return t !== undefined ? (UNIT_OF.get(t) ?? null) : null;
}

/** "which one", "one of", "into one", "one … another": a pronoun or a merge target, not a count. */
function isPronounOne(tokens: readonly string[], i: number): boolean {
  const prev = tokens[i - 1];
  if (prev !== undefined && ONE_PRONOUN.has(prev)) return true;
  if (tokens[i + 1] === 'of') return true;
  for (let k = i + 1; k < Math.min(tokens.length, i + 6); k++)
    if (tokens[k] === 'another' || tokens[k] === 'other') return true;
  return false;
}

/** A number written in digits at token i; returns the index of its last token. */
function readDigits(tokens: readonly string[], i: number, sink: NumberSink): number {
  const t = tokens[i]!;
  const prev = tokens[i - 1];
  let value = Number(t.replace(/,/g, ''));
  let j = i + 1;
  const scale = tokens[j] !== undefined ? NUMBER_SCALE.get(tokens[j]!) : undefined;
  if (scale !== undefined) {
    value *= scale;
    j++;
  }
  if (tokens[j] !== undefined && ORDINAL_SUFFIX.has(tokens[j]!)) {
    sink.numbers.push({ value: `ord:${formatNumber(value)}`, unit: null });
    sink.salientAt.push([i, `n:${formatNumber(value)}`]);
    return j;
  }
  let unit = unitAt(tokens, j);
  if (unit !== null) j++;
  if (unit === null && prev !== undefined && CURRENCY_UNITS.has(prev)) unit = prev;
  if (unit === null && Number.isInteger(value) && value >= 1900 && value <= 2100 && !t.includes(',')) {
    sink.dates.push(`year:${value}`);
  } else {
    sink.numbers.push({ value: formatNumber(value), unit });
    sink.salientAt.push([i, `n:${formatNumber(value)}`]);
  }
  return j - 1;
}

/** A number written in words starting at token i ("two hundred and five"); returns its last token. */
function readWords(tokens: readonly string[], i: number, sink: NumberSink): number {
  const t = tokens[i]!;
  let total = 0;
  let current = 0;
  let j = i;
  if (NUMBER_SCALE.has(t)) current = 1;
  for (; j < tokens.length; j++) {
    const w = tokens[j]!;
    if (w === 'and' && j > i && NUMBER_WORD.has(tokens[j + 1] ?? '')) continue;
    const small = NUMBER_WORD.get(w);
    const big = w.length > 2 ? NUMBER_SCALE.get(w) : undefined;
    if (small !== undefined) current += small;
    else if (big === 100) current = (current || 1) * 100;
    else if (big !== undefined) {
      total += (current || 1) * big;
      current = 0;
    } else break;
  }
  const value = total + current;
  sink.numbers.push({ value: formatNumber(value), unit: unitAt(tokens, j) });
  sink.salientAt.push([i, `n:${formatNumber(value)}`]);
  for (let k = i + 1; k < j; k++) {
    sink.surface.add(tokens[k]!);
    sink.words.add(canonicalWord(tokens[k]!));
  }
  return j - 1;
}

/**
 * Reads the number that starts at token i, if any, into the sink. Returns the index of the last token
 * it covers (the caller resumes after it), or undefined when token i starts no number. A pronoun "one"
 * covers itself and records nothing.
 */
export function readNumber(tokens: readonly string[], i: number, sink: NumberSink): number | undefined {
  const t = tokens[i]!;
  if (/^\d/.test(t)) return readDigits(tokens, i, sink);
  if (NUMBER_WORD.has(t) || (NUMBER_SCALE.has(t) && t.length > 2 && tokens[i - 1] === 'a')) {
    if (t === 'one' && isPronounOne(tokens, i)) return i;
    return readWords(tokens, i, sink);
  }
  return undefined;
}

/** An ordinal word ("third") as a number mention, or null. */
export function ordinalWord(t: string): NumberMention | null {
  const ord = ORDINAL.get(t);
  return ord !== undefined ? { value: `ord:${ord}`, unit: null } : null;
}
