/**
 * Extracts from one text what the hit guards compare: polarity, numbers with units, dates and times,
 * named entities, quoted literals, the task and output format asked for, the question word, and the
 * canonical words. Entries are analysed once when stored, so a lookup only analyses the query.
 * Capitalisation is read from the original text (a capital at the start of a sentence means nothing).
 */
import {
  ABBREVIATIONS,
  AMBIGUOUS_MONTHS,
  DATE_MODIFIERS,
  DATE_PREPOSITIONS,
  DATE_UNITS,
  DATE_WORDS,
  ENTITY_ALIASES,
  FORMAT_WORDS,
  GAZETTEER,
  MONTHS,
  NEGATORS,
  NUMBER_SCALES,
  NUMBER_WORDS,
  PURPOSE_WORDS,
  ONE_PRONOUN_BEFORE,
  ORDINAL_WORDS,
  QUESTION_WORDS,
  STANDALONE_UNITS,
  TASK_VERBS,
  UNITS,
  WEAK_FORMATS,
  WEEKDAYS,
} from './guard-lexicon.js';
import { canonicalWord, contentTokens, foldPhrases, normalizeText, stem } from './text-normalize.js';

export interface NumberMention {
  /** The value as a canonical decimal string ("1000", "9.99"); ordinals are "ord:3". */
  value: string;
  unit: string | null;
}

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
const ONE_PRONOUN = new Set(ONE_PRONOUN_BEFORE);
const ABBR = new Set(ABBREVIATIONS);
const DATE_PREP = new Set(DATE_PREPOSITIONS);
const AMBIG_MONTH = new Set(AMBIGUOUS_MONTHS);
const DATE_UNIT_SET = new Set(DATE_UNITS);
const STANDALONE_UNIT_SET = new Set(STANDALONE_UNITS);
const WEAK_FORMAT_SET = new Set(WEAK_FORMATS);
const ORDINAL_SUFFIX = new Set(['st', 'nd', 'rd', 'th']);
const CURRENCY_UNITS = new Set(['usd', 'eur', 'gbp', 'jpy']);

// Maps, not the records themselves: `"constructor" in record` is true for every object.
const NUMBER_WORD = new Map(Object.entries(NUMBER_WORDS));
const NUMBER_SCALE = new Map(Object.entries(NUMBER_SCALES));
const ORDINAL = new Map(Object.entries(ORDINAL_WORDS));
const QUESTION = new Map(Object.entries(QUESTION_WORDS));
const WEEKDAY = new Map(Object.entries(WEEKDAYS));
const MONTH = new Map(Object.entries(MONTHS));
const DATE_WORD = new Map(Object.entries(DATE_WORDS));
const DATE_MODIFIER = new Map(Object.entries(DATE_MODIFIERS));
const ALIAS = new Map(Object.entries(ENTITY_ALIASES));

const UNIT_OF = new Map<string, string>();
for (const [canon, list] of Object.entries(UNITS)) for (const w of list) UNIT_OF.set(w, canon);

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

function alias(w: string): string {
  return ALIAS.get(w) ?? w;
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

/** "which one", "one of", "into one", "one … another": a pronoun or a merge target, not a count. */
function isPronounOne(tokens: readonly string[], i: number): boolean {
  const prev = tokens[i - 1];
  if (prev !== undefined && ONE_PRONOUN.has(prev)) return true;
  if (tokens[i + 1] === 'of') return true;
  for (let k = i + 1; k < Math.min(tokens.length, i + 6); k++)
    if (tokens[k] === 'another' || tokens[k] === 'other') return true;
  return false;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1e6) / 1e6);
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
const URL = /\b(?:https?:\/\/|www\.)[^\s"'<>]+/gi;
const LITERAL = /"([^"]{1,300})"|`([^`]{1,300})`/g;
const RAW_WORD = /#?[A-Za-z0-9]+(?:[._'+#-][A-Za-z0-9]+)*[+#]*/g;
const NUMBER_WITH_SUFFIX =
  /^\d+(?:\.\d+)?(?:st|nd|rd|th|am|pm|k|m|x|bn|gb|mb|kb|tb|kg|km|ms|s|h|d|yr|yrs|min|mins|hr|hrs|g|l|ml|cm|mm|px|fps)$/i;
const LOWER_TOKEN = /\d+(?:,\d{3})*(?:\.\d+)?|[a-z][a-z0-9]*(?:[.#+][a-z0-9]+)*[#+]*|%/g;

function isSentenceStart(text: string, index: number): boolean {
  let i = index - 1;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t' || text[i] === '"' || text[i] === '(')) i--;
  if (i < 0) return true;
  const c = text[i]!;
  if (c === '\n' || c === '!' || c === '?' || c === ':' || c === ';' || c === '-' || c === '*') return true;
  if (c !== '.') return false;
  let j = i - 1;
  while (j >= 0 && /[A-Za-z.]/.test(text[j]!)) j--;
  const prev = text.slice(j + 1, i).toLowerCase();
  return !ABBR.has(prev);
}

function isDateWord(lower: string): boolean {
  return WEEKDAY.has(lower) || MONTH.has(lower) || DATE_WORD.has(lower);
}

/** Entities visible in the original text: emails, URLs, codes, dotted identifiers and capitalised names. */
function rawEntities(text: string, out: string[]): string {
  let rest = text.replace(EMAIL, (m) => {
    out.push(`email:${m.toLowerCase()}`);
    return ' ';
  });
  rest = rest.replace(URL, (m) => {
    out.push(`url:${m.toLowerCase().replace(/[.,;:!?)]+$/, '')}`);
    return ' ';
  });
  for (const m of rest.matchAll(RAW_WORD)) {
    let w = m[0].replace(/'s$/i, '');
    const at = m.index ?? 0;
    if (w === 'I' || w.startsWith("I'")) continue;
    const lower = w.toLowerCase();
    const hasDigit = /\d/.test(w);
    const hasLetter = /[A-Za-z]/.test(w);
    let entity: string | null = null;
    if (hasDigit && hasLetter) {
      if (
        !NUMBER_WITH_SUFFIX.test(w) &&
        !/^q[1-4]$/i.test(w) &&
        !/^\d+(?:st|nd|rd|th)$/i.test(w) &&
        lower !== '2fa'
      ) {
        entity = `code:${lower.replace(/^#/, '')}`;
      }
    } else if (w.startsWith('#') && hasDigit) {
      entity = `code:${lower.slice(1)}`;
    } else if (hasLetter && /[a-z]\.[a-z]/i.test(w) && !ABBR.has(lower) && !/^[a-z]\.[a-z]$/i.test(w)) {
      entity = alias(lower);
    } else if (hasLetter) {
      w = w.replace(/^#/, '');
      const acronym = /^[A-Z][A-Z0-9]+$/.test(w) && w.length >= 2;
      const camel = /^[a-z]+[A-Z]/.test(w);
      const capital = /^[A-Z]/.test(w);
      const single = /^[A-Z]$/.test(w) && w !== 'A';
      if (acronym || camel) entity = alias(lower);
      else if ((capital || single) && !isSentenceStart(rest, at)) entity = alias(lower);
      if (entity !== null && (isDateWord(lower) || NUMBER_WORD.has(lower) || ORDINAL.has(lower)))
        entity = null;
    }
    if (entity !== null) out.push(entity);
  }
  return rest;
}

/** Extracts the features of one text. */
export function analyzeText(text: string): TextFeatures {
  const entities: string[] = [];
  const salientAt: Array<[number, string]> = [];
  const literals: string[][] = [];
  const quoted = text.normalize('NFKC').replace(/[\u201c\u201d\u201e]/g, '"');
  for (const m of quoted.matchAll(LITERAL)) {
    const words = contentTokens(m[1] ?? m[2] ?? '');
    if (words.length > 0) literals.push(words);
  }
  const rest = rawEntities(quoted, entities);

  const dates: string[] = [];
  let norm = normalizeText(rest);
  norm = norm.replace(/\b(\d{4})-(\d{1,2})-(\d{1,2})\b/g, (_m, y: string, mo: string, d: string) => {
    dates.push(`d:${y}-${mo.padStart(2, '0')}-${d.padStart(2, '0')}`);
    return ' ';
  });
  norm = norm.replace(/\b(\d{1,2})\/(\d{1,2})(?:\/(\d{2,4}))?\b/g, (m) => {
    dates.push(`d:${m}`);
    return ' ';
  });
  norm = norm.replace(
    /\b(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)(?![a-z])/g,
    (_m, h: string, mi: string, ap: string) => {
      let hour = Number(h) % 12;
      if (ap.startsWith('p')) hour += 12;
      dates.push(`t:${hour}:${mi ?? '00'}`);
      return ' ';
    },
  );
  norm = norm.replace(/\b(\d{1,2}):(\d{2})\b/g, (_m, h: string, mi: string) => {
    dates.push(`t:${Number(h)}:${mi}`);
    return ' ';
  });
  norm = norm.replace(/\bq([1-4])\b/g, (_m, q: string) => {
    dates.push(`quarter:${q}`);
    return ' ';
  });

  const folded = foldPhrases(norm);
  const tokens = folded.match(LOWER_TOKEN) ?? [];
  const unfolded = norm.match(LOWER_TOKEN) ?? [];

  const tasks = new Set<string>();
  const formats = new Set<string>();
  const purposes = new Set<string>();
  for (const { re, name } of TASKS.multi) if (re.test(folded)) tasks.add(name);
  for (const { re, name } of FORMATS.multi) if (re.test(folded)) formats.add(name);
  for (const c of [TASKS, FORMATS]) for (const { re } of c.multi) re.lastIndex = 0;

  let negations = 0;
  const numbers: NumberMention[] = [];
  const questions = new Set<string>();
  const words = new Set<string>();
  const stems = new Set<string>();
  const surface = new Set<string>();
  for (const w of unfolded) {
    surface.add(alias(w));
    stems.add(stem(w));
  }

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    surface.add(alias(t));
    if (NEGATOR_SET.has(t) || isNegatingVerb(tokens, i)) negations++;
    const q = QUESTION.get(t);
    if (q) questions.add(q);
    const canon = canonicalWord(t);
    words.add(canon);
    stems.add(stem(t));
    const task = TASKS.single.get(canon);
    if (task) tasks.add(task);
    const purpose = PURPOSES.single.get(canon);
    if (purpose) purposes.add(purpose);
    const fmt = FORMATS.single.get(canon);
    if (fmt) formats.add(fmt);
    const a = alias(t);
    if (GAZ.has(a)) entities.push(a);

    // numbers: digits, optional scale, optional unit
    if (/^\d/.test(t)) {
      let value = Number(t.replace(/,/g, ''));
      let j = i + 1;
      const scale = tokens[j] !== undefined ? NUMBER_SCALE.get(tokens[j]!) : undefined;
      if (scale !== undefined) {
        value *= scale;
        j++;
      }
      if (tokens[j] !== undefined && ORDINAL_SUFFIX.has(tokens[j]!)) {
        numbers.push({ value: `ord:${formatNumber(value)}`, unit: null });
        salientAt.push([i, `n:${formatNumber(value)}`]);
        i = j;
        continue;
      }
      let unit = tokens[j] !== undefined ? (UNIT_OF.get(tokens[j]!) ?? null) : null;
      if (unit !== null) j++;
      if (unit === null && prev !== undefined && CURRENCY_UNITS.has(prev)) unit = prev;
      if (unit === null && Number.isInteger(value) && value >= 1900 && value <= 2100 && !t.includes(',')) {
        dates.push(`year:${value}`);
      } else {
        numbers.push({ value: formatNumber(value), unit });
        salientAt.push([i, `n:${formatNumber(value)}`]);
      }
      i = j - 1;
      continue;
    }
    if (NUMBER_WORD.has(t) || (NUMBER_SCALE.has(t) && t.length > 2 && prev === 'a')) {
      if (t === 'one' && isPronounOne(tokens, i)) continue;
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
      const unit = tokens[j] !== undefined ? (UNIT_OF.get(tokens[j]!) ?? null) : null;
      numbers.push({ value: formatNumber(value), unit });
      salientAt.push([i, `n:${formatNumber(value)}`]);
      for (let k = i + 1; k < j; k++) {
        surface.add(tokens[k]!);
        words.add(canonicalWord(tokens[k]!));
      }
      i = j - 1;
      continue;
    }
    const ord = ORDINAL.get(t);
    if (ord !== undefined) numbers.push({ value: `ord:${ord}`, unit: null });

    // dates
    const mod = prev !== undefined ? DATE_MODIFIER.get(prev) : undefined;
    const day = WEEKDAY.get(t);
    const month = MONTH.get(t);
    if (day !== undefined && t !== 'sat' && t !== 'wed') {
      dates.push(mod && mod !== 'this' ? `${mod}:${day}` : day);
    } else if (month !== undefined) {
      const nearNumber = /^\d/.test(prev ?? '') || /^\d/.test(next ?? '');
      if (!AMBIG_MONTH.has(t) || nearNumber || (prev !== undefined && DATE_PREP.has(prev))) dates.push(month);
    } else if (DATE_WORD.has(t) && !DATE_UNIT_SET.has(t)) {
      dates.push(DATE_WORD.get(t)!);
    } else if (DATE_UNIT_SET.has(t) || DATE_UNIT_SET.has(t.replace(/s$/, ''))) {
      const unit = DATE_WORD.get(t) ?? t.replace(/s$/, '');
      if (mod !== undefined) dates.push(`${mod}:${unit}`);
      else if (DATE_WORD.has(t)) dates.push(unit);
    }
  }

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
  return {
    text,
    negations,
    numbers,
    dates: [...new Set(dates)].sort(),
    entities: [...new Set(entities)].sort(),
    literals,
    tasks,
    purposes,
    formats,
    questions,
    words,
    stems,
    surface,
    content: contentTokens(text),
    salient,
  };
}

export function isWeakFormat(name: string): boolean {
  return WEAK_FORMAT_SET.has(name);
}
