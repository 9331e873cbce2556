/**
 * Cheap, deterministic text features of a prompt, for the difficulty scorer and the trainable router.
 * Everything here is a pure function of the text (no locale, no clock, no randomness), so a model
 * trained offline scores the same prompt identically in the gateway. The word lists are in
 * cue-words.ts; hashed n-grams (and the stable hashes) in sparse-hash.ts, re-exported here.
 */
import { CREATIVE, DOMAIN_KEYWORDS, MULTI_STEP, NEGATION, QUESTION_WORDS, REASONING } from './cue-words.js';
import { countWords, tokenize } from './tokenize.js';

export { DOMAIN_KEYWORDS } from './cue-words.js';
export {
  fmix32,
  fnv1a,
  type HashOptions,
  hash32,
  hashedNgrams,
  type SparseVector,
  sparseDot,
} from './sparse-hash.js';
export { tokenize } from './tokenize.js';

export interface PromptFeatures {
  chars: number;
  words: number;
  sentences: number;
  /** Longest sentence, in words. */
  maxSentenceWords: number;
  meanWordLength: number;
  digits: number;
  /** Distinct number literals ("16", "2.5", "1,000"). */
  numbers: number;
  distinctNumbers: number;
  mathSymbols: number;
  /** Fenced code, braces/semicolons at line ends, keywords such as `def`, `function`, `return`. */
  codeMarkers: number;
  questionMarks: number;
  questionWords: number;
  /** "then", "after", "each", "total", "remaining", "twice", "percent", … */
  multiStepCues: number;
  /** Lines that look like "A. …", "(B) …", "C) …". */
  optionCount: number;
  /** "not", "except", "least", "false" inside a question: traps for a weak model. */
  negationCues: number;
  /** "explain", "prove", "derive", "compare", "analyze", … */
  reasoningVerbs: number;
  /** "write", "compose", "draft", "story", "poem", … */
  creativeCues: number;
  newlines: number;
  upperRatio: number;
  domainMath: number;
  domainCode: number;
  domainScience: number;
  domainLaw: number;
  domainMedicine: number;
  domainHumanities: number;
}

const NUMBER_RE = /(?<![\p{L}])\d+(?:[.,]\d+)*/gu;
const SENTENCE_RE = /[^.!?\n]+(?:[.!?]+|\n|$)/g;
const MATH_RE = /[+\-*/=^%√∑∫π×÷≤≥<>]|\\frac|\\sqrt|\$/g;
const OPTION_LINE_RE = /^\s*(?:\(?[A-Ja-j][).:]|\([A-Ja-j]\))\s+\S/gm;
const CODE_RE =
  /```|;\s*$|[{}]\s*$|=>|\b(?:def|function|return|class|import|const|var|print|console\.log|elif|lambda)\b/gm;

const DOMAIN_SETS = Object.fromEntries(
  Object.entries(DOMAIN_KEYWORDS).map(([k, v]) => [k, new Set<string>(v)]),
) as Record<keyof typeof DOMAIN_KEYWORDS, Set<string>>;

function countMatches(text: string, re: RegExp): number {
  re.lastIndex = 0;
  let n = 0;
  while (re.exec(text) !== null) n++;
  return n;
}

type Domain = keyof typeof DOMAIN_KEYWORDS;

interface WordCues {
  questionWords: number;
  multiStepCues: number;
  negationCues: number;
  reasoningVerbs: number;
  creativeCues: number;
  wordChars: number;
  domain: Record<Domain, number>;
}

/** Counts of cue words and domain keywords among the words, and their total length. */
function countWordCues(words: readonly string[]): WordCues {
  const c: WordCues = {
    questionWords: 0,
    multiStepCues: 0,
    negationCues: 0,
    reasoningVerbs: 0,
    creativeCues: 0,
    wordChars: 0,
    domain: { math: 0, code: 0, science: 0, law: 0, medicine: 0, humanities: 0 },
  };
  for (const w of words) {
    c.wordChars += w.length;
    if (QUESTION_WORDS.has(w)) c.questionWords++;
    if (MULTI_STEP.has(w)) c.multiStepCues++;
    if (NEGATION.has(w)) c.negationCues++;
    if (REASONING.has(w)) c.reasoningVerbs++;
    if (CREATIVE.has(w)) c.creativeCues++;
    for (const key of Object.keys(c.domain) as Domain[]) {
      if (DOMAIN_SETS[key].has(w)) c.domain[key]++;
    }
  }
  return c;
}

/** Non-empty sentences and the longest one, in words. */
function countSentences(text: string): { sentences: number; maxSentenceWords: number } {
  let sentences = 0;
  let maxSentenceWords = 0;
  for (const s of text.match(SENTENCE_RE) ?? []) {
    const n = countWords(s);
    if (n === 0) continue;
    sentences++;
    if (n > maxSentenceWords) maxSentenceWords = n;
  }
  return { sentences, maxSentenceWords };
}

/** ASCII digits, upper-case and all letters, and newlines. */
function countChars(text: string): { digits: number; upper: number; letters: number; newlines: number } {
  let digits = 0;
  let upper = 0;
  let letters = 0;
  let newlines = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c >= 65 && c <= 90) {
      upper++;
      letters++;
    } else if (c >= 97 && c <= 122) letters++;
    else if (c === 10) newlines++;
  }
  return { digits, upper, letters, newlines };
}

export function extractFeatures(text: string): PromptFeatures {
  const words = tokenize(text);
  const numbers = text.match(NUMBER_RE) ?? [];
  const cues = countWordCues(words);
  const { sentences, maxSentenceWords } = countSentences(text);
  const { digits, upper, letters, newlines } = countChars(text);
  return {
    chars: text.length,
    words: words.length,
    sentences,
    maxSentenceWords,
    meanWordLength: words.length === 0 ? 0 : cues.wordChars / words.length,
    digits,
    numbers: numbers.length,
    distinctNumbers: new Set(numbers).size,
    mathSymbols: countMatches(text, MATH_RE),
    codeMarkers: countMatches(text, CODE_RE),
    questionMarks: countMatches(text, /\?/g),
    questionWords: cues.questionWords,
    multiStepCues: cues.multiStepCues,
    optionCount: countMatches(text, OPTION_LINE_RE),
    negationCues: cues.negationCues,
    reasoningVerbs: cues.reasoningVerbs,
    creativeCues: cues.creativeCues,
    newlines,
    upperRatio: letters === 0 ? 0 : upper / letters,
    domainMath: cues.domain.math,
    domainCode: cues.domain.code,
    domainScience: cues.domain.science,
    domainLaw: cues.domain.law,
    domainMedicine: cues.domain.medicine,
    domainHumanities: cues.domain.humanities,
  };
}

/** Names of `numericVector`'s entries, in order (stored in trained models to detect drift). */
export const NUMERIC_FEATURE_NAMES = [
  'log_chars',
  'log_words',
  'log_sentences',
  'log_max_sentence_words',
  'mean_word_length',
  'log_digits',
  'log_numbers',
  'log_distinct_numbers',
  'log_math_symbols',
  'log_code_markers',
  'question_marks',
  'question_words',
  'log_multi_step',
  'option_count',
  'negation_cues',
  'reasoning_verbs',
  'creative_cues',
  'log_newlines',
  'upper_ratio',
  'domain_math',
  'domain_code',
  'domain_science',
  'domain_law',
  'domain_medicine',
  'domain_humanities',
] as const;

/** A dense, roughly unit-scaled numeric view of the features (logs for counts that grow with length). */
export function numericVector(f: PromptFeatures): number[] {
  const l = Math.log1p;
  return [
    l(f.chars),
    l(f.words),
    l(f.sentences),
    l(f.maxSentenceWords),
    f.meanWordLength,
    l(f.digits),
    l(f.numbers),
    l(f.distinctNumbers),
    l(f.mathSymbols),
    l(f.codeMarkers),
    Math.min(f.questionMarks, 5),
    Math.min(f.questionWords, 5),
    l(f.multiStepCues),
    Math.min(f.optionCount, 10),
    Math.min(f.negationCues, 5),
    Math.min(f.reasoningVerbs, 5),
    Math.min(f.creativeCues, 5),
    l(f.newlines),
    f.upperRatio,
    l(f.domainMath),
    l(f.domainCode),
    l(f.domainScience),
    l(f.domainLaw),
    l(f.domainMedicine),
    l(f.domainHumanities),
  ];
}
