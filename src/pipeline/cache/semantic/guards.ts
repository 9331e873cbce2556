/**
 * Hit guards: decide whether a cached entry may answer a query that is merely *similar*. Embedding
 * similarity cannot see that "cancel" and "don't cancel", "$50" and "$500" or "Paris" and "Lyon" ask for
 * different answers (negated pairs score 0.9+ on every embedder), so every candidate passes these checks
 * before it is served. Each check is one-sided conservative: a doubt rejects the hit, which costs a
 * cache miss, never a wrong answer.
 */
import type { TextFeatures } from './guard-features.js';
import { analyzeText, isWeakFormat } from './guard-features.js';
import {
  ANTONYM_POLES,
  NEGATING_PREFIXES,
  NEGATORS,
  NUMBER_WORDS,
  ORDINAL_WORDS,
  UNITS,
} from './guard-lexicon.js';
import { canonicalWord } from './text-normalize.js';

export type GuardKind =
  | 'negation'
  | 'number'
  | 'date'
  | 'entity'
  | 'literal'
  | 'instruction'
  | 'question'
  | 'antonym'
  | 'order'
  | 'substitution'
  | 'coverage';

export interface GuardVerdict {
  ok: boolean;
  /** Why the pair was rejected, e.g. "number: 50 vs 500". */
  reason?: string;
  kind?: GuardKind;
}

const POLES: ReadonlyArray<readonly [Set<string>, Set<string>]> = ANTONYM_POLES.map(
  ([a, b]) => [new Set(a.map(canonicalWord)), new Set(b.map(canonicalWord))] as const,
);

const OK: GuardVerdict = { ok: true };

function reject(kind: GuardKind, detail: string): GuardVerdict {
  return { ok: false, kind, reason: `${kind}: ${detail}` };
}

function hasAny(words: Set<string>, pole: Set<string>): boolean {
  for (const w of pole) if (words.has(w)) return true;
  return false;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function fmtSet(s: Iterable<string>): string {
  const list = [...s];
  return list.length === 0 ? '{}' : `{${list.join(', ')}}`;
}

function checkNegation(q: TextFeatures, c: TextFeatures): GuardVerdict {
  if (q.negations % 2 === c.negations % 2) return OK;
  return reject('negation', `${q.negations} negation(s) vs ${c.negations}`);
}

function checkDates(q: TextFeatures, c: TextFeatures): GuardVerdict {
  return sameList(q.dates, c.dates) ? OK : reject('date', `${fmtSet(q.dates)} vs ${fmtSet(c.dates)}`);
}

function checkQuestions(q: TextFeatures, c: TextFeatures): GuardVerdict {
  if (q.questions.size > 0 && c.questions.size > 0 && !sameSet(q.questions, c.questions)) {
    return reject('question', `${fmtSet(q.questions)} vs ${fmtSet(c.questions)}`);
  }
  return OK;
}

function checkNumbers(q: TextFeatures, c: TextFeatures): GuardVerdict {
  const qv = q.numbers.map((n) => n.value).sort();
  const cv = c.numbers.map((n) => n.value).sort();
  if (!sameList(qv, cv)) return reject('number', `${fmtSet(qv)} vs ${fmtSet(cv)}`);
  for (const n of q.numbers) {
    if (n.unit === null) continue;
    const other = c.numbers.filter((m) => m.value === n.value && m.unit !== null);
    if (other.length > 0 && !other.some((m) => m.unit === n.unit)) {
      return reject('number', `${n.value} ${n.unit} vs ${n.value} ${other[0]!.unit}`);
    }
  }
  return OK;
}

function present(entity: string, other: TextFeatures): boolean {
  if (other.entities.includes(entity) || other.surface.has(entity)) return true;
  const bare = entity.replace(/^(?:code|email|url):/, '');
  if (bare !== entity) return other.surface.has(bare);
  return other.words.has(canonicalWord(entity));
}

function checkEntities(q: TextFeatures, c: TextFeatures): GuardVerdict {
  for (const e of q.entities) if (!present(e, c)) return reject('entity', `"${e}" only in the query`);
  for (const e of c.entities) if (!present(e, q)) return reject('entity', `"${e}" only in the cached text`);
  return OK;
}

function checkLiterals(q: TextFeatures, c: TextFeatures): GuardVerdict {
  for (const [from, to, side] of [
    [q, c, 'query'],
    [c, q, 'cached text'],
  ] as const) {
    for (const lit of from.literals) {
      const missing = lit.find((w) => !to.words.has(w));
      if (missing !== undefined) return reject('literal', `quoted "${missing}" only in the ${side}`);
    }
  }
  return OK;
}

function checkInstructions(q: TextFeatures, c: TextFeatures): GuardVerdict {
  if (q.tasks.size > 0 && c.tasks.size > 0 && !sameSet(q.tasks, c.tasks)) {
    return reject('instruction', `task ${fmtSet(q.tasks)} vs ${fmtSet(c.tasks)}`);
  }
  if (q.purposes.size > 0 && c.purposes.size > 0 && ![...q.purposes].some((p) => c.purposes.has(p))) {
    return reject('instruction', `purpose ${fmtSet(q.purposes)} vs ${fmtSet(c.purposes)}`);
  }
  if (!sameSet(q.formats, c.formats)) {
    const strongDiff = [...q.formats, ...c.formats].some(
      (f) => !isWeakFormat(f) && !(q.formats.has(f) && c.formats.has(f)),
    );
    if (strongDiff || (q.formats.size > 0 && c.formats.size > 0)) {
      return reject('instruction', `format ${fmtSet(q.formats)} vs ${fmtSet(c.formats)}`);
    }
  }
  return OK;
}

function checkAntonyms(q: TextFeatures, c: TextFeatures): GuardVerdict {
  for (const [a, b] of POLES) {
    const qa = hasAny(q.words, a);
    const qb = hasAny(q.words, b);
    const ca = hasAny(c.words, a);
    const cb = hasAny(c.words, b);
    if ((qa && !qb && cb && !ca) || (qb && !qa && ca && !cb)) {
      return reject('antonym', `${fmtSet(qa ? a : b)} vs ${fmtSet(ca ? a : b)}`);
    }
  }
  for (const [x, y] of [
    [q, c],
    [c, q],
  ] as const) {
    for (const s of x.stems) {
      if (s.length < 3) continue;
      for (const p of NEGATING_PREFIXES) {
        if (y.stems.has(p + s) && !x.stems.has(p + s) && !y.stems.has(s))
          return reject('antonym', `"${s}" vs "${p}${s}"`);
      }
    }
  }
  return OK;
}

/** Two salient items (names, numbers, units) that appear in both texts in opposite order. */
function salientType(s: string): string {
  return s.startsWith('n:') ? 'number' : 'name';
}

const DIRECTION_WORDS = ['to', 'into', 'than', 'from', 'vs', 'versus', 'over', 'before', 'after', 'instead'];

/**
 * Two names (or two numbers) that appear in both texts in opposite order ("London to Paris" vs "Paris to
 * London"), or the same words rearranged around a direction word ("string to number" vs "number to string").
 */
function checkOrder(q: TextFeatures, c: TextFeatures): GuardVerdict {
  const shared = q.salient.filter((s) => c.salient.includes(s));
  for (let i = 0; i < shared.length; i++) {
    for (let j = i + 1; j < shared.length; j++) {
      const a = shared[i]!;
      const b = shared[j]!;
      if (salientType(a) !== salientType(b)) continue;
      if (c.salient.indexOf(a) > c.salient.indexOf(b)) return reject('order', `"${a}" and "${b}" swapped`);
    }
  }
  if (q.content.length >= 2 && q.content.length === c.content.length && !sameList(q.content, c.content)) {
    const directional =
      DIRECTION_WORDS.some((w) => q.surface.has(w)) && DIRECTION_WORDS.some((w) => c.surface.has(w));
    if (directional && sameList([...q.content].sort(), [...c.content].sort())) {
      return reject('order', 'same words in another order');
    }
  }
  return OK;
}

function editDistanceAtMostOne(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (a.length > b.length) i++;
    else if (b.length > a.length) j++;
    else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}

function isVariant(a: string, b: string): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (short.length >= 5 && long.startsWith(short)) return true;
  return short.length >= 5 && editDistanceAtMostOne(a, b);
}

const NOT_SUBSTITUTABLE = new Set(
  [
    ...NEGATORS,
    ...Object.keys(NUMBER_WORDS),
    ...Object.keys(ORDINAL_WORDS),
    ...Object.values(UNITS).flat(),
  ].map(canonicalWord),
);

/** Negators and numbers have guards of their own that understand them ("fifty" = "50"). */
function substitutable(w: string): boolean {
  return !NOT_SUBSTITUTABLE.has(w) && !/^\d/.test(w);
}

/**
 * Exactly one content word swapped for another ("sort by name" vs "sort by length"): the texts say the
 * same thing about different things. Morphological variants and typos are let through.
 */
function checkSubstitution(q: TextFeatures, c: TextFeatures): GuardVerdict {
  const count = new Map<string, number>();
  for (const w of c.content) if (substitutable(w)) count.set(w, (count.get(w) ?? 0) + 1);
  const onlyQ: string[] = [];
  let shared = 0;
  for (const w of q.content) {
    if (!substitutable(w)) continue;
    const n = count.get(w) ?? 0;
    if (n > 0) {
      count.set(w, n - 1);
      shared++;
    } else onlyQ.push(w);
  }
  const onlyC: string[] = [];
  for (const [w, n] of count) for (let i = 0; i < n; i++) onlyC.push(w);
  if (shared >= 1 && onlyQ.length === 1 && onlyC.length === 1 && !isVariant(onlyQ[0]!, onlyC[0]!)) {
    return reject('substitution', `"${onlyQ[0]}" vs "${onlyC[0]}"`);
  }
  return OK;
}

export interface GuardOptions {
  /** Checks to leave out (for measuring what each one contributes). */
  skip?: readonly GuardKind[];
}

const CHECKS: ReadonlyArray<readonly [GuardKind, (q: TextFeatures, c: TextFeatures) => GuardVerdict]> = [
  ['negation', checkNegation],
  ['date', checkDates],
  ['number', checkNumbers],
  ['entity', checkEntities],
  ['literal', checkLiterals],
  ['instruction', checkInstructions],
  ['antonym', checkAntonyms],
  ['order', checkOrder],
  ['question', checkQuestions],
  ['substitution', checkSubstitution],
  ['coverage', checkCoverage],
];

/** Share of the content words (of the longer text) that the two texts must have in common. */
export const MIN_COVERAGE = 0.3;

/**
 * Too few words in common: a similarity score of a bag-of-words embedder can come from one shared word
 * or a hash collision; two questions that share under 40% of their content words ask different things
 * more often than not.
 */
function checkCoverage(q: TextFeatures, c: TextFeatures): GuardVerdict {
  const qs = new Set(q.content);
  const cs = new Set(c.content);
  if (qs.size === 0 || cs.size === 0) return reject('coverage', 'no content words');
  let shared = 0;
  for (const w of qs) if (cs.has(w) || [...cs].some((x) => isVariant(w, x))) shared++;
  const coverage = shared / Math.max(qs.size, cs.size);
  if (coverage < MIN_COVERAGE)
    return reject('coverage', `${shared} of ${Math.max(qs.size, cs.size)} content words shared`);
  return OK;
}

/** Compares two analysed texts; `q` is the query, `c` the cached entry's text. */
export function compareFeatures(q: TextFeatures, c: TextFeatures, opts: GuardOptions = {}): GuardVerdict {
  for (const [kind, check] of CHECKS) {
    if (opts.skip?.includes(kind)) continue;
    const v = check(q, c);
    if (!v.ok) return v;
  }
  return OK;
}

/** Whether a cached entry whose text is `candidate` may answer `query`. */
export function compareForSemanticHit(
  query: string,
  candidate: string,
  opts: GuardOptions = {},
): GuardVerdict {
  return compareFeatures(analyzeText(query), analyzeText(candidate), opts);
}

export type { TextFeatures };
export { analyzeText };
