/**
 * Cheap, deterministic text features of a prompt, for the difficulty scorer and the trainable router.
 * Everything here is a pure function of the text (no locale, no clock, no randomness), so a model
 * trained offline scores the same prompt identically in the gateway. Hashed n-grams use 32-bit FNV-1a,
 * which is stable across Node versions and platforms (unlike any built-in string hash).
 */

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

const WORD_RE = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;
const NUMBER_RE = /(?<![\p{L}])\d+(?:[.,]\d+)*/gu;
const SENTENCE_RE = /[^.!?\n]+(?:[.!?]+|\n|$)/g;
const MATH_RE = /[+\-*/=^%√∑∫π×÷≤≥<>]|\\frac|\\sqrt|\$/g;
const OPTION_LINE_RE = /^\s*(?:\(?[A-Ja-j][).:]|\([A-Ja-j]\))\s+\S/gm;
const CODE_RE =
  /```|;\s*$|[{}]\s*$|=>|\b(?:def|function|return|class|import|const|var|print|console\.log|elif|lambda)\b/gm;

const QUESTION_WORDS = new Set(['what', 'which', 'who', 'whom', 'whose', 'when', 'where', 'why', 'how']);
const MULTI_STEP = new Set([
  'then',
  'after',
  'afterwards',
  'each',
  'every',
  'total',
  'remaining',
  'remainder',
  'left',
  'twice',
  'thrice',
  'half',
  'percent',
  'times',
  'per',
  'more',
  'less',
  'fewer',
  'average',
  'ratio',
  'difference',
  'altogether',
  'respectively',
  'if',
  'first',
  'second',
  'finally',
  'next',
]);
const NEGATION = new Set(['not', 'except', 'least', 'false', 'incorrect', 'never', 'neither', 'nor']);
const REASONING = new Set([
  'explain',
  'prove',
  'derive',
  'compare',
  'contrast',
  'analyze',
  'analyse',
  'evaluate',
  'justify',
  'calculate',
  'compute',
  'solve',
  'implement',
  'design',
  'optimize',
  'debug',
  'estimate',
]);
const CREATIVE = new Set([
  'write',
  'compose',
  'draft',
  'story',
  'poem',
  'essay',
  'blog',
  'rewrite',
  'email',
  'letter',
]);

/** Keyword lists per domain; hits are counted per word. */
export const DOMAIN_KEYWORDS = {
  math: [
    'equation',
    'integer',
    'polynomial',
    'derivative',
    'integral',
    'probability',
    'matrix',
    'prime',
    'function',
    'solve',
    'sum',
    'product',
    'algebra',
    'geometry',
    'triangle',
    'circle',
    'ring',
    'group',
    'field',
    'vector',
    'limit',
    'root',
    'modulo',
    'theorem',
  ],
  code: [
    'code',
    'python',
    'javascript',
    'function',
    'algorithm',
    'program',
    'compile',
    'array',
    'string',
    'variable',
    'loop',
    'recursion',
    'sql',
    'bug',
    'api',
    'complexity',
  ],
  science: [
    'energy',
    'force',
    'electron',
    'atom',
    'molecule',
    'reaction',
    'velocity',
    'mass',
    'charge',
    'quantum',
    'cell',
    'gene',
    'dna',
    'protein',
    'acid',
    'temperature',
    'pressure',
    'wavelength',
    'orbit',
    'entropy',
  ],
  law: [
    'court',
    'plaintiff',
    'defendant',
    'statute',
    'contract',
    'law',
    'legal',
    'overrule',
    'overruled',
    'holding',
    'jurisdiction',
    'tort',
    'liability',
    'constitutional',
    'amendment',
    'evidence',
    'trial',
    'appeal',
  ],
  medicine: [
    'patient',
    'disease',
    'symptom',
    'diagnosis',
    'treatment',
    'drug',
    'clinical',
    'syndrome',
    'nerve',
    'muscle',
    'blood',
    'infection',
    'dose',
    'artery',
    'tumor',
  ],
  humanities: [
    'history',
    'philosophy',
    'moral',
    'ethics',
    'religion',
    'war',
    'century',
    'empire',
    'author',
    'poem',
    'novel',
    'culture',
    'society',
    'economic',
    'political',
  ],
} as const satisfies Record<string, readonly string[]>;

const DOMAIN_SETS = Object.fromEntries(
  Object.entries(DOMAIN_KEYWORDS).map(([k, v]) => [k, new Set<string>(v)]),
) as Record<keyof typeof DOMAIN_KEYWORDS, Set<string>>;

/** Lower-cased word tokens (letters and digits), in order. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(WORD_RE) ?? [];
}

function countMatches(text: string, re: RegExp): number {
  re.lastIndex = 0;
  let n = 0;
  while (re.exec(text) !== null) n++;
  return n;
}

export function extractFeatures(text: string): PromptFeatures {
  const words = tokenize(text);
  const numbers = text.match(NUMBER_RE) ?? [];
  let questionWords = 0;
  let multiStepCues = 0;
  let negationCues = 0;
  let reasoningVerbs = 0;
  let creativeCues = 0;
  let wordChars = 0;
  const domain = { math: 0, code: 0, science: 0, law: 0, medicine: 0, humanities: 0 };
  for (const w of words) {
    wordChars += w.length;
    if (QUESTION_WORDS.has(w)) questionWords++;
    if (MULTI_STEP.has(w)) multiStepCues++;
    if (NEGATION.has(w)) negationCues++;
    if (REASONING.has(w)) reasoningVerbs++;
    if (CREATIVE.has(w)) creativeCues++;
    for (const key of Object.keys(domain) as (keyof typeof domain)[]) {
      if (DOMAIN_SETS[key].has(w)) domain[key]++;
    }
  }
  let sentences = 0;
  let maxSentenceWords = 0;
  for (const s of text.match(SENTENCE_RE) ?? []) {
    const n = tokenize(s).length;
    if (n === 0) continue;
    sentences++;
    if (n > maxSentenceWords) maxSentenceWords = n;
  }
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
  return {
    chars: text.length,
    words: words.length,
    sentences,
    maxSentenceWords,
    meanWordLength: words.length === 0 ? 0 : wordChars / words.length,
    digits,
    numbers: numbers.length,
    distinctNumbers: new Set(numbers).size,
    mathSymbols: countMatches(text, MATH_RE),
    codeMarkers: countMatches(text, CODE_RE),
    questionMarks: countMatches(text, /\?/g),
    questionWords,
    multiStepCues,
    optionCount: countMatches(text, OPTION_LINE_RE),
    negationCues,
    reasoningVerbs,
    creativeCues,
    newlines,
    upperRatio: letters === 0 ? 0 : upper / letters,
    domainMath: domain.math,
    domainCode: domain.code,
    domainScience: domain.science,
    domainLaw: domain.law,
    domainMedicine: domain.medicine,
    domainHumanities: domain.humanities,
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

/** 32-bit FNV-1a over UTF-16 code units. */
export function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Murmur3's 32-bit finaliser: spreads every input bit over the output (FNV-1a's low bit is only a parity). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A well-mixed 32-bit hash of a string. */
export function hash32(s: string): number {
  return fmix32(fnv1a(s));
}

/** A sparse vector: sorted unique indices with their values. */
export interface SparseVector {
  idx: Int32Array;
  val: Float64Array;
}

export interface HashOptions {
  /** Number of buckets; a power of two. */
  dim: number;
  /** Add word bigrams besides unigrams. Default true. */
  bigrams?: boolean;
  /** Scale to unit L2 norm. Default true. */
  normalize?: boolean;
}

/**
 * Hashed bag of words and bigrams with binary term presence, L2-normalised. Presence beats counts for
 * short prompts, and normalising keeps one long prompt from dominating a gradient step.
 */
export function hashedNgrams(text: string, opts: HashOptions): SparseVector {
  const mask = opts.dim - 1;
  if ((opts.dim & mask) !== 0 || opts.dim <= 0)
    throw new RangeError(`hash dim must be a power of two, got ${opts.dim}`);
  const words = tokenize(text);
  const seen = new Set<number>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    seen.add(fnv1a(w) & mask);
    if (opts.bigrams !== false && i > 0) seen.add(fnv1a(`${words[i - 1]!} ${w}`, 0x9747b28c) & mask);
  }
  const idx = Int32Array.from([...seen].sort((a, b) => a - b));
  const val = new Float64Array(idx.length);
  const v = opts.normalize === false || idx.length === 0 ? 1 : 1 / Math.sqrt(idx.length);
  val.fill(v);
  return { idx, val };
}

/** Dot product of two sparse vectors (both with sorted indices). */
export function sparseDot(a: SparseVector, b: SparseVector): number {
  let i = 0;
  let j = 0;
  let s = 0;
  while (i < a.idx.length && j < b.idx.length) {
    const ai = a.idx[i]!;
    const bj = b.idx[j]!;
    if (ai === bj) {
      s += a.val[i]! * b.val[j]!;
      i++;
      j++;
    } else if (ai < bj) i++;
    else j++;
  }
  return s;
}
