/**
 * Small readers for untrusted OpenAI JSON at the edge. Each one either returns the typed value or throws an
 * InvalidRequestError whose message and `param` name the exact field (e.g. "messages[2].content[0].text"),
 * so a client can fix its request without guessing.
 */
import { InvalidRequestError } from '../../core/errors.js';
import { describeValue, quoteValue, showValue } from '../request-limits.js';

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function describe(v: unknown): string {
  return describeValue(v);
}

export function fail(path: string, expected: string, v: unknown, note: string | null = null): never {
  if (v === undefined) throw new InvalidRequestError(`${path} is required and must be ${expected}`, path);
  const got = note === null ? describe(v) : showValue(v);
  throw new InvalidRequestError(`${path} must be ${expected}, got ${got}${note ?? ''}`, path);
}

export function readObject(v: unknown, path: string): JsonObject {
  if (!isObject(v)) fail(path, 'an object', v);
  return v;
}

export function readString(v: unknown, path: string): string {
  if (typeof v !== 'string') fail(path, 'a string', v);
  return v;
}

export function readNonEmptyString(v: unknown, path: string): string {
  if (typeof v !== 'string' || v === '') fail(path, 'a non-empty string', v);
  return v;
}

export function readBoolean(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') fail(path, 'a boolean', v);
  return v;
}

export function readNumber(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, 'a finite number', v);
  return v;
}

export function readInteger(
  v: unknown,
  path: string,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    const whole = typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v);
    fail(
      path,
      min === Number.MIN_SAFE_INTEGER && max === Number.MAX_SAFE_INTEGER
        ? `a safe integer (at most ${max} in size)`
        : `an integer from ${min} to ${max}`,
      v,
      whole ? ' (not a whole number)' : '',
    );
  }
  return v;
}

export function readArray(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, 'an array', v);
  return v;
}

export function oneOf<T extends string>(v: unknown, allowed: readonly T[], path: string): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    if (v === undefined)
      throw new InvalidRequestError(`${path} is required: one of ${allowed.join(', ')}`, path);
    throw new InvalidRequestError(`${path} must be one of ${allowed.join(', ')}, got ${quoteValue(v)}`, path);
  }
  return v as T;
}
