/**
 * Prefix breakers: dynamic content early in a system prompt (a timestamp, a date, a request id or UUID,
 * a user's name or email) that changes on every request and so defeats prompt caching for everything
 * after it. Found by comparing a feature's consecutive system prompts: they differ in one short span and
 * agree again after it. The span is classified by what it looks like on both sides.
 */

export type BreakerKind = 'timestamp' | 'date' | 'uuid' | 'request_id' | 'email' | 'user_name' | 'dynamic';

export interface Breaker {
  kind: BreakerKind;
  /** Character offset where the dynamic span starts. */
  offset: number;
  /** Characters of the prompt after the span, which could have been cached. */
  charsAfter: number;
  /** Up to 40 characters of stable text just before the span, to find it in the prompt. */
  before: string;
}

/** Prompts longer than this are not compared (the detector keeps one per feature in memory). */
const MAX_CHARS = 65_536;
/** A dynamic span is short; a longer difference is an edit of the prompt, not a breaker. */
const MAX_SPAN = 80;
/** The prompts must agree again for at least this long after the span (else nothing much is lost). */
const MIN_AGREE_AFTER = 64;

const TOKEN_CHAR = /[A-Za-z0-9_\-:./+@]/;

const MONTHS =
  /\b(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?|nov(ember)?|dec(ember)?)\b/i;
const WEEKDAYS = /\b(mon|tues?|wed(nes)?|thu(rs)?|fri|sat(ur)?|sun)(day)?\b/i;
const NAME_CUE =
  /\b(user|name|customer|client|member|agent|hello|hi|dear|for|account|speaking with|talking to)\b[^.\n]{0,20}$/i;

function classify(span: string, before: string): BreakerKind | null {
  const s = span.trim().replace(/[.,;:!?)]+$/, '');
  if (s === '') return null;
  if (/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.test(s)) return 'uuid';
  if (/[\w.+-]+@[\w-]+\.[\w.-]+/.test(s)) return 'email';
  if (/\d{1,2}:\d{2}/.test(s) || /\d{4}-\d{2}-\d{2}T\d/.test(s)) return 'timestamp';
  if (
    /\d{4}-\d{2}-\d{2}|\d{1,2}\/\d{1,2}\/\d{2,4}|\d{1,2}\.\d{1,2}\.\d{4}/.test(s) ||
    MONTHS.test(s) ||
    WEEKDAYS.test(s)
  )
    return 'date';
  if (
    /^\d{5,}$/.test(s) ||
    /^[A-Za-z]{0,12}[_-]?(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{6,}$/.test(s) ||
    /^[0-9a-f]{8,}$/i.test(s)
  )
    return 'request_id';
  if (/^[A-Z][\p{L}'-]*( [A-Z][\p{L}'-]*){0,2}$/u.test(s) && NAME_CUE.test(before)) return 'user_name';
  return null;
}

/** The breaker between two consecutive system prompts of a feature, or null. */
export function findBreaker(a: string, b: string): Breaker | null {
  if (a === b || a.length > MAX_CHARS || b.length > MAX_CHARS) return null;
  const n = Math.min(a.length, b.length);
  let start = 0;
  while (start < n && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let suffix = 0;
  while (suffix < n - start && a.charCodeAt(a.length - 1 - suffix) === b.charCodeAt(b.length - 1 - suffix))
    suffix++;
  // Widen the span to whole tokens on both sides.
  while (start > 0 && TOKEN_CHAR.test(a[start - 1]!)) start--;
  let endA = a.length - suffix;
  let endB = b.length - suffix;
  while (endB < b.length && TOKEN_CHAR.test(b[endB]!)) {
    endA++;
    endB++;
  }
  const spanA = a.slice(start, endA);
  const spanB = b.slice(start, endB);
  if (spanA.length > MAX_SPAN || spanB.length > MAX_SPAN) return null;
  const charsAfter = b.length - endB;
  if (charsAfter < MIN_AGREE_AFTER) return null;
  const before = b.slice(Math.max(0, start - 40), start);
  const ka = classify(spanA, before);
  const kb = classify(spanB, before);
  const kind: BreakerKind = ka !== null && ka === kb ? ka : (ka ?? kb ?? 'dynamic');
  return { kind, offset: start, charsAfter, before };
}

/** Keeps the last system prompt per feature and reports a breaker against it. */
export class BreakerDetector {
  private readonly last = new Map<string, string>();

  constructor(private readonly maxFeatures = 1000) {}

  observe(feature: string, system: string): Breaker | null {
    const prev = this.last.get(feature);
    if (prev !== system) {
      this.last.delete(feature);
      this.last.set(feature, system);
      if (this.last.size > this.maxFeatures) this.last.delete(this.last.keys().next().value!);
    }
    return prev === undefined ? null : findBreaker(prev, system);
  }
}
