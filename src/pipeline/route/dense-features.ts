/**
 * The dense feature vector the gradient-boosted (`dual-gbdt`) router splits on: the numeric prompt features
 * of features.ts plus signals of difficulty that do not name a topic — the largest number's digits,
 * decimals, percentages, money, fractions, vocabulary spread, sentence length, the final question's
 * length, proper nouns, the answer options' length and whether they hold numbers, quotes and brackets.
 * A pure function of the text, like features.ts, so a model trained offline scores the gateway's prompts
 * identically; the names are stored in trained models to detect drift.
 */
import { extractFeatures, NUMERIC_FEATURE_NAMES, numericVector } from './features.js';
import { countWords, tokenize } from './tokenize.js';

const EXTRA_NAMES = [
  'log_max_number_digits',
  'log_decimals',
  'log_percent',
  'log_money',
  'log_fractions',
  'type_token_ratio',
  'long_word_share',
  'words_per_sentence',
  'log_last_sentence_words',
  'log_proper_nouns',
  'log_option_mean_words',
  'log_option_max_words',
  'option_digit_share',
  'log_quotes',
  'log_brackets',
  'log_distinct_words',
] as const;

export const DENSE_FEATURE_NAMES: readonly string[] = [...NUMERIC_FEATURE_NAMES, ...EXTRA_NAMES];

const NUMBER_RE = /\d+(?:[.,]\d+)*/g;
const OPTION_RE = /^\s*(?:\(?[A-Ja-j][).:]|\([A-Ja-j]\))\s+(.*)$/gm;
const count = (t: string, re: RegExp) => (t.match(re) ?? []).length;

function optionStats(text: string): { mean: number; max: number; digitShare: number } {
  const opts: string[] = [];
  OPTION_RE.lastIndex = 0;
  for (let m = OPTION_RE.exec(text); m !== null; m = OPTION_RE.exec(text)) opts.push(m[1]!);
  if (opts.length === 0) return { mean: 0, max: 0, digitShare: 0 };
  const lens = opts.map(countWords);
  return {
    mean: lens.reduce((a, b) => a + b, 0) / lens.length,
    max: Math.max(...lens),
    digitShare: opts.filter((o) => /\d/.test(o)).length / opts.length,
  };
}

/** `DENSE_FEATURE_NAMES.length` finite numbers for one prompt. */
export function denseVector(text: string): number[] {
  const words = tokenize(text);
  let maxDigits = 0;
  for (const n of text.match(NUMBER_RE) ?? []) maxDigits = Math.max(maxDigits, n.replace(/\D/g, '').length);
  const distinct = new Set(words).size;
  const sentences = text.split(/[.!?\n]+/).filter((s) => s.trim() !== '');
  const lastWords = sentences.length > 0 ? countWords(sentences[sentences.length - 1]!) : 0;
  const opt = optionStats(text);
  const l = Math.log1p;
  const n = words.length;
  return [
    ...numericVector(extractFeatures(text)),
    l(maxDigits),
    l(count(text, /\d\.\d/g)),
    l(count(text, /%|\bpercent/gi)),
    l(count(text, /\$/g)),
    l(count(text, /\d\s*\/\s*\d/g)),
    n === 0 ? 0 : distinct / n,
    n === 0 ? 0 : words.filter((w) => w.length >= 9).length / n,
    sentences.length === 0 ? 0 : n / sentences.length,
    l(lastWords),
    l(count(text, /(?<=[a-z,;] )[A-Z][a-z]+/g)),
    l(opt.mean),
    l(opt.max),
    opt.digitShare,
    l(count(text, /["“”]/g)),
    l(count(text, /[()[\]]/g)),
    l(distinct),
  ];
}
