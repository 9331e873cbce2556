/**
 * Extracts from one text what the hit guards compare: polarity, numbers with units, dates and times,
 * named entities, quoted literals, the task and output format asked for, the question word, and the
 * canonical words. Entries are analysed once when stored, so a lookup only analyses the query.
 * Capitalisation is read from the original text (a capital at the start of a sentence means nothing).
 *
 * The reading is split by topic: guard-entities.ts (cased entities), guard-dates.ts, guard-numbers.ts;
 * this file runs them in order and adds the per-word features (polarity, task, format, question).
 */
import { dateTag, extractWrittenDates } from './guard-dates.js';
import { alias, rawEntities } from './guard-entities.js';
import {
  FORMAT_WORDS,
  GAZETTEER,
  NEGATORS,
  PURPOSE_WORDS,
  QUESTION_WORDS,
  STANDALONE_UNITS,
  TASK_VERBS,
  WEAK_FORMATS,
} from './guard-lexicon.js';
import { type NumberMention, type NumberSink, ordinalWord, readNumber, UNIT_OF } from './guard-numbers.js';
import { canonicalWord, contentTokens, foldPhrases, normalizeText, stem } from './text-normalize.js';

export type { NumberMention } from './guard-numbers.js';

export interface TextFeatures {
  text: string;
  negations: number;
  numbers: NumberMention[];
  /** Canonical date and time tags, sorted ("monday", "next:week", "year:2019", "t:14:00"). */
  dates: string[];
  /** Lowercase canonical entity names, sorted and unique. */
  entities: string[];
  /** Canonical content words of each quoted literal. */
  literals: string[][];
  tasks: Set<string>;
  purposes: Set<string>;
  formats: Set<string>;
  questions: Set<string>;
  /** Every canonical word of the text, stop words included (for presence and antonym checks). */
  words: Set<string>;
  /** Stems of every word (for negating-prefix checks). */
  stems: Set<string>;
  /** Lowercase surface words, phrase-folded and not, with entity aliases applied. */
  surface: Set<string>;
  /** Canonical content words in order (stop words removed). */
  content: string[];
  /** Entities, units and numbers in order of first appearance, for the word-order check. */
  salient: string[];
}

const NEGATOR_SET = new Set(NEGATORS);
const GAZ = new Set(GAZETTEER);
const STANDALONE_UNIT_SET = new Set(STANDALONE_UNITS);
const WEAK_FORMAT_SET = new Set(WEAK_FORMATS);
const QUESTION = new Map(Object.entries(QUESTION_WORDS));

function phraseRegex(list: readonly string[]): RegExp | null {
  if (list.length === 0) return null;
  const alt = [...list]
    .sort((a, b) => b.length - a.length)
    .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/[ -]/g, '[\\s-]+'))
    .join('|');
  return new RegExp(`(?<![a-z0-9])(?:${alt})(?![a-z0-9])`, 'g');
}

interface Category {
  single: Map<string, string>;
  multi: Array<{ re: RegExp; name: string }>;
}

function buildCategory(table: Readonly<Record<string, readonly string[]>>): Category {
  const single = new Map<string, string>();
  const multi: Array<{ re: RegExp; name: string }> = [];
  for (const [name, list] of Object.entries(table)) {
    const phrases = list.filter((w) => /[\s-]/.test(w));
    for (const w of list) if (!/[\s-]/.test(w)) single.set(canonicalWord(w), name);
    const re = phraseRegex(phrases);
    if (re) multi.push({ re, name });
  }
  return { single, multi };
}

const TASKS = buildCategory(TASK_VERBS);
const FORMATS = buildCategory(FORMAT_WORDS);
const PURPOSES = buildCategory(PURPOSE_WORDS);

/** Names of the multi-word entries of a category found in the text ("bullet points"). */
function phraseMatches(category: Category, folded: string, into: Set<string>): void {
  for (const { re, name } of category.multi) if (re.test(folded)) into.add(name);
  for (const { re } of category.multi) re.lastIndex = 0;
}

const STOP_VERBS = new Set(['stop', 'stops', 'stopping', 'quit', 'cease', 'avoid', 'avoiding']);
const PREVENT_VERBS = new Set(['prevent', 'prevents', 'keep', 'keeps', 'block', 'stop', 'stops', 'stopping']);

/** "stop renewing", "avoid eating", "keep it from being deleted": a verb that negates the action after it. */
function isNegatingVerb(tokens: readonly string[], i: number): boolean {
  const t = tokens[i]!;
  if (!STOP_VERBS.has(t) && !PREVENT_VERBS.has(t)) return false;
  for (let k = i + 1; k < Math.min(tokens.length, i + 5); k++) {
    const w = tokens[k]!;
    if (w === 'from' && PREVENT_VERBS.has(t)) return true;
    if (STOP_VERBS.has(t) && k <= i + 2 && w.length > 4 && w.endsWith('ing')) return true;
  }
  return false;
}

const LITERAL = /"([^"]{1,300})"|`([^`]{1,300})`/g;
const LOWER_TOKEN = /\d+(?:,\d{3})*(?:\.\d+)?|[a-z][a-z0-9]*(?:[.#+][a-z0-9]+)*[#+]*|%/g;

/** Canonical content words of each "double-quoted" or `backticked` literal. */
function quotedLiterals(quoted: string): string[][] {
  const literals: string[][] = [];
  for (const m of quoted.matchAll(LITERAL)) {
    const words = contentTokens(m[1] ?? m[2] ?? '');
    if (words.length > 0) literals.push(words);
  }
  return literals;
}

/** Everything the token loop accumulates. */
interface Reading extends NumberSink {
  entities: string[];
  negations: number;
  tasks: Set<string>;
  purposes: Set<string>;
  formats: Set<string>;
  questions: Set<string>;
  stems: Set<string>;
}

/** Polarity, question class, canonical word, task, purpose, format and gazetteer name of token i. */
function readWord(tokens: readonly string[], i: number, r: Reading): void {
  const t = tokens[i]!;
  r.surface.add(alias(t));
  if (NEGATOR_SET.has(t) || isNegatingVerb(tokens, i)) r.negations++;
  const q = QUESTION.get(t);
  if (q) r.questions.add(q);
  const canon = canonicalWord(t);
  r.words.add(canon);
  r.stems.add(stem(t));
  const task = TASKS.single.get(canon);
  if (task) r.tasks.add(task);
  const purpose = PURPOSES.single.get(canon);
  if (purpose) r.purposes.add(purpose);
  const fmt = FORMATS.single.get(canon);
  if (fmt) r.formats.add(fmt);
  const a = alias(t);
  if (GAZ.has(a)) r.entities.push(a);
}

function readTokens(tokens: readonly string[], r: Reading): void {
  for (let i = 0; i < tokens.length; i++) {
    readWord(tokens, i, r);
    const end = readNumber(tokens, i, r);
    if (end !== undefined) {
      i = end;
      continue;
    }
    const ord = ordinalWord(tokens[i]!);
    if (ord !== null) r.numbers.push(ord);
    const date = dateTag(tokens, i);
    if (date !== null) r.dates.push(date);
  }
}

/** Entities, standalone units and numbers in order of first appearance. */
function salientOrder(
  tokens: readonly string[],
  entities: readonly string[],
  salientAt: Array<[number, string]>,
) {
  const entitySet = new Set(entities);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const u = UNIT_OF.get(t);
    if (u !== undefined && STANDALONE_UNIT_SET.has(u) && t.length > 1) salientAt.push([i, `u:${u}`]);
    const a = alias(t);
    if (entitySet.has(a)) salientAt.push([i, a]);
    else if (entitySet.has(`code:${t}`)) salientAt.push([i, `code:${t}`]);
  }
  salientAt.sort((x, y) => x[0] - y[0]);
  const salient: string[] = [];
  for (const [, key] of salientAt) if (!salient.includes(key)) salient.push(key);
  return salient;
}

/** Extracts the features of one text. */
export function analyzeText(text: string): TextFeatures {
  const quoted = text.normalize('NFKC').replace(/[\u201c\u201d\u201e]/g, '"');
  const literals = quotedLiterals(quoted);
  const r: Reading = {
    entities: [],
    dates: [],
    numbers: [],
    salientAt: [],
    negations: 0,
    tasks: new Set(),
    purposes: new Set(),
    formats: new Set(),
    questions: new Set(),
    words: new Set(),
    stems: new Set(),
    surface: new Set(),
  };
  const rest = rawEntities(quoted, r.entities);
  const norm = extractWrittenDates(normalizeText(rest), r.dates);
  const folded = foldPhrases(norm);
  const tokens = folded.match(LOWER_TOKEN) ?? [];
  phraseMatches(TASKS, folded, r.tasks);
  phraseMatches(FORMATS, folded, r.formats);
  for (const w of norm.match(LOWER_TOKEN) ?? []) {
    r.surface.add(alias(w));
    r.stems.add(stem(w));
  }
  readTokens(tokens, r);
  return {
    text,
    negations: r.negations,
    numbers: r.numbers,
    dates: [...new Set(r.dates)].sort(),
    entities: [...new Set(r.entities)].sort(),
    literals,
    tasks: r.tasks,
    purposes: r.purposes,
    formats: r.formats,
    questions: r.questions,
    words: r.words,
    stems: r.stems,
    surface: r.surface,
    content: contentTokens(text),
    salient: salientOrder(tokens, r.entities, r.salientAt),
  };
}

export function isWeakFormat(name: string): boolean {
  return WEAK_FORMAT_SET.has(name);
}
