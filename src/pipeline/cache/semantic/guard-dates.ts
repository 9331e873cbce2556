/**
 * Dates and times: written forms (ISO dates, d/m, 2pm, 14:00, Q3) are tagged and blanked out of the
 * normalised text before it is tokenised; date words (weekdays, months, "tomorrow", "next week") are
 * tagged token by token. Month names that are also common words ("may", "march") count only near a
 * number or after a date preposition.
 */
import {
  AMBIGUOUS_MONTHS,
  DATE_MODIFIERS,
  DATE_PREPOSITIONS,
  DATE_UNITS,
  DATE_WORDS,
  MONTHS,
  WEEKDAYS,
} from './guard-lexicon.js';

const DATE_PREP = new Set(DATE_PREPOSITIONS);
const AMBIG_MONTH = new Set(AMBIGUOUS_MONTHS);
const DATE_UNIT_SET = new Set(DATE_UNITS);
// Maps, not the records themselves: `"constructor" in record` is true for every object.
const WEEKDAY = new Map(Object.entries(WEEKDAYS));
const MONTH = new Map(Object.entries(MONTHS));
const DATE_WORD = new Map(Object.entries(DATE_WORDS));
const DATE_MODIFIER = new Map(Object.entries(DATE_MODIFIERS));

/** Tags the written dates and times of normalised text into `dates`; returns the text without them. */
export function extractWrittenDates(norm: string, dates: string[]): string {
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
  return norm.replace(/\bq([1-4])\b/g, (_m, q: string) => {
    dates.push(`quarter:${q}`);
    return ' ';
  });
}

/** The date tag of token i ("monday", "next:week", "march"), or null. */
export function dateTag(tokens: readonly string[], i: number): string | null {
  const t = tokens[i]!;
  const prev = tokens[i - 1];
  const next = tokens[i + 1];
  const mod = prev !== undefined ? DATE_MODIFIER.get(prev) : undefined;
  const day = WEEKDAY.get(t);
  const month = MONTH.get(t);
  if (day !== undefined && t !== 'sat' && t !== 'wed') return mod && mod !== 'this' ? `${mod}:${day}` : day;
  if (month !== undefined) {
    const nearNumber = /^\d/.test(prev ?? '') || /^\d/.test(next ?? '');
    return !AMBIG_MONTH.has(t) || nearNumber || (prev !== undefined && DATE_PREP.has(prev)) ? month : null;
  }
  if (DATE_WORD.has(t) && !DATE_UNIT_SET.has(t)) return DATE_WORD.get(t)!;
  if (DATE_UNIT_SET.has(t) || DATE_UNIT_SET.has(t.replace(/s$/, ''))) {
    const unit = DATE_WORD.get(t) ?? t.replace(/s$/, '');
    if (mod !== undefined) return `${mod}:${unit}`;
    if (DATE_WORD.has(t)) return unit;
  }
  return null;
}
