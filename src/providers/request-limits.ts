/**
 * Bounds on the client-supplied values both dialects share, checked at the edge with messages that give
 * the real reason and the bounds (never "must be a number, got a number"). A model name becomes a header,
 * a metric label, a ledger field and part of error messages, so it is bounded here: at most
 * MAX_MODEL_LENGTH characters of printable, well-formed Unicode.
 */
import { InvalidRequestError } from '../core/errors.js';

export const MAX_MODEL_LENGTH = 256;
/** The largest max_tokens either dialect accepts (no model generates anywhere near it). */
export const MAX_TOKENS_LIMIT = 2 ** 31 - 1;

// C0 and C1 controls, DEL, and unpaired surrogates.
const BAD_MODEL_CHAR = new RegExp(
  [
    '[\\u0000-\\u001f\\u007f-\\u009f]',
    '[\\ud800-\\udbff](?![\\udc00-\\udfff])',
    '(?<![\\ud800-\\udbff])[\\udc00-\\udfff]',
  ].join('|'),
);

/** A short, safe description of any JSON value for an error message (strings are never echoed in full). */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v === '' ? 'an empty string' : 'a string';
  if (typeof v === 'number' && !Number.isFinite(v)) return 'a number out of range (it parses as infinity)';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Like describeValue, but a finite number is shown as itself (for range errors: "got -5"). */
export function showValue(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : describeValue(v);
}

/** A client string quoted for an error message, cut to `max` characters. */
export function quoteValue(v: unknown, max = 40): string {
  if (typeof v !== 'string') return describeValue(v);
  const s = v.length > max ? `${v.slice(0, max)}…` : v;
  return JSON.stringify(s);
}

export function readModel(v: unknown): string {
  if (v === undefined)
    throw new InvalidRequestError('model is required: the name of the model to call', 'model');
  if (typeof v !== 'string')
    throw new InvalidRequestError(`model must be a string, got ${describeValue(v)}`, 'model');
  if (v === '')
    throw new InvalidRequestError('model must not be empty: give the name of the model to call', 'model');
  if (v.length > MAX_MODEL_LENGTH)
    throw new InvalidRequestError(
      `model is ${v.length} characters long; model names are at most ${MAX_MODEL_LENGTH} characters`,
      'model',
    );
  const bad = BAD_MODEL_CHAR.exec(v);
  if (bad) {
    const cp = bad[0].codePointAt(0)!;
    throw new InvalidRequestError(
      `model contains ${cp >= 0xd800 && cp <= 0xdfff ? 'an unpaired surrogate' : 'a control character'} (U+${cp.toString(16).toUpperCase().padStart(4, '0')}) at position ${bad.index}; model names are printable text`,
      'model',
    );
  }
  return v;
}

export function readMaxTokens(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_TOKENS_LIMIT) {
    const why =
      typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v) ? ' (not a whole number)' : '';
    throw new InvalidRequestError(
      `${field} must be an integer from 1 to ${MAX_TOKENS_LIMIT}, got ${showValue(v)}${why}`,
      field,
    );
  }
  return v;
}

export function readFiniteNumber(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new InvalidRequestError(`${field} must be a finite number, got ${describeValue(v)}`, field);
  return v;
}
