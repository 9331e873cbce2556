/**
 * Entities visible in the original (cased) text: emails, URLs, codes, dotted identifiers and capitalised
 * names. Capitalisation only counts away from the start of a sentence, and an abbreviation's period
 * does not start one.
 */
import {
  ABBREVIATIONS,
  DATE_WORDS,
  ENTITY_ALIASES,
  MONTHS,
  NUMBER_WORDS,
  ORDINAL_WORDS,
  WEEKDAYS,
} from './guard-lexicon.js';

const ABBR = new Set(ABBREVIATIONS);
// Maps, not the records themselves: `"constructor" in record` is true for every object.
const ALIAS = new Map(Object.entries(ENTITY_ALIASES));
const NUMBER_WORD = new Map(Object.entries(NUMBER_WORDS));
const ORDINAL = new Map(Object.entries(ORDINAL_WORDS));
const WEEKDAY = new Map(Object.entries(WEEKDAYS));
const MONTH = new Map(Object.entries(MONTHS));
const DATE_WORD = new Map(Object.entries(DATE_WORDS));

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
const URL = /\b(?:https?:\/\/|www\.)[^\s"'<>]+/gi;
const RAW_WORD = /#?[A-Za-z0-9]+(?:[._'+#-][A-Za-z0-9]+)*[+#]*/g;
const NUMBER_WITH_SUFFIX =
  /^\d+(?:\.\d+)?(?:st|nd|rd|th|am|pm|k|m|x|bn|gb|mb|kb|tb|kg|km|ms|s|h|d|yr|yrs|min|mins|hr|hrs|g|l|ml|cm|mm|px|fps)$/i;

/** The canonical name of a lowercase entity ("js" → "javascript"). */
export function alias(w: string): string {
  return ALIAS.get(w) ?? w;
}

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

/** A word mixing letters and digits is a code ("A12", "#42b") unless it is a number with a unit or suffix. */
function codeEntity(w: string, lower: string): string | null {
  if (NUMBER_WITH_SUFFIX.test(w) || /^q[1-4]$/i.test(w) || /^\d+(?:st|nd|rd|th)$/i.test(w) || lower === '2fa')
    return null;
  return `code:${lower.replace(/^#/, '')}`;
}

/** An acronym, camelCase word or capital away from a sentence start names something; dates and numbers do not. */
function nameEntity(word: string, lower: string, text: string, at: number): string | null {
  const w = word.replace(/^#/, '');
  const acronym = /^[A-Z][A-Z0-9]+$/.test(w) && w.length >= 2;
  const camel = /^[a-z]+[A-Z]/.test(w);
  const capital = /^[A-Z]/.test(w);
  const single = /^[A-Z]$/.test(w) && w !== 'A';
  let entity: string | null = null;
  if (acronym || camel) entity = alias(lower);
  else if ((capital || single) && !isSentenceStart(text, at)) entity = alias(lower);
  if (entity !== null && (isDateWord(lower) || NUMBER_WORD.has(lower) || ORDINAL.has(lower))) return null;
  return entity;
}

function wordEntity(raw: string, text: string, at: number): string | null {
  const w = raw.replace(/'s$/i, '');
  if (w === 'I' || w.startsWith("I'")) return null;
  const lower = w.toLowerCase();
  const hasDigit = /\d/.test(w);
  const hasLetter = /[A-Za-z]/.test(w);
  if (hasDigit && hasLetter) return codeEntity(w, lower);
  if (w.startsWith('#') && hasDigit) return `code:${lower.slice(1)}`;
  if (hasLetter && /[a-z]\.[a-z]/i.test(w) && !ABBR.has(lower) && !/^[a-z]\.[a-z]$/i.test(w))
    return alias(lower);
  if (hasLetter) return nameEntity(w, lower, text, at);
  return null;
}

/**
 * Pushes the entities of the original text onto `out` and returns the text with emails and URLs blanked
 * out (the rest of the analysis reads that).
 */
export function rawEntities(text: string, out: string[]): string {
  let rest = text.replace(EMAIL, (m) => {
    out.push(`email:${m.toLowerCase()}`);
    return ' ';
  });
  rest = rest.replace(URL, (m) => {
    out.push(`url:${m.toLowerCase().replace(/[.,;:!?)]+$/, '')}`);
    return ' ';
  });
  for (const m of rest.matchAll(RAW_WORD)) {
    const entity = wordEntity(m[0], rest, m.index ?? 0);
    if (entity !== null) out.push(entity);
  }
  return rest;
}
