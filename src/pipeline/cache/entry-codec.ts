/**
 * The stored form of a cached answer: a version tag, a checksum and JSON. Reading validates all three,
 * that the entry belongs to the key it was found under and that it has not expired, and that the answer
 * has the shape of a complete canonical response — a damaged or foreign entry is reported as corrupt and
 * never served.
 */
import { hash } from 'node:crypto';
import type { CanonicalResponse } from '../../core/response.js';
import type { Usage } from '../../core/usage.js';

const TAG = 'P1';

export interface CachedAnswer {
  /** The exact key the answer was stored under. */
  key: string;
  storedAt: number;
  expiresAt: number;
  provider: string | null;
  servedModel: string | null;
  simulated: boolean;
  /** The complete answer; its usage is what the original call consumed. */
  response: CanonicalResponse;
}

export type DecodeResult = { ok: true; answer: CachedAnswer } | { ok: false; reason: string };

function checksum(json: string): string {
  return hash('sha256', json, 'hex').slice(0, 24);
}

export function encodeAnswer(a: CachedAnswer): string {
  const json = JSON.stringify({
    k: a.key,
    t: a.storedAt,
    e: a.expiresAt,
    p: a.provider,
    m: a.servedModel,
    s: a.simulated,
    r: a.response,
  });
  return `${TAG} ${checksum(json)} ${json}`;
}

export function decodeAnswer(text: string, key: string, now: number): DecodeResult {
  if (!text.startsWith(`${TAG} `)) return { ok: false, reason: 'unknown version' };
  const sp = text.indexOf(' ', TAG.length + 1);
  if (sp < 0) return { ok: false, reason: 'truncated' };
  const sum = text.slice(TAG.length + 1, sp);
  const json = text.slice(sp + 1);
  if (checksum(json) !== sum) return { ok: false, reason: 'checksum mismatch' };
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (!isObject(v)) return { ok: false, reason: 'not an object' };
  if (v.k !== key) return { ok: false, reason: 'stored under another key' };
  if (typeof v.t !== 'number' || typeof v.e !== 'number') return { ok: false, reason: 'bad timestamps' };
  if (v.e <= now) return { ok: false, reason: 'expired' };
  if (!(v.p === null || typeof v.p === 'string') || !(v.m === null || typeof v.m === 'string'))
    return { ok: false, reason: 'bad provider or model' };
  if (typeof v.s !== 'boolean') return { ok: false, reason: 'bad simulated flag' };
  if (!isResponse(v.r)) return { ok: false, reason: 'not a complete response' };
  return {
    ok: true,
    answer: {
      key,
      storedAt: v.t,
      expiresAt: v.e,
      provider: v.p,
      servedModel: v.m,
      simulated: v.s,
      response: v.r,
    },
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const USAGE_FIELDS = [
  'inputUncached',
  'cacheRead',
  'cacheWrite5m',
  'cacheWrite1h',
  'outputText',
  'reasoning',
] as const;

function isUsage(v: unknown): v is Usage {
  return isObject(v) && USAGE_FIELDS.every((f) => Number.isFinite(v[f]) && (v[f] as number) >= 0);
}

function isResponse(v: unknown): v is CanonicalResponse {
  if (
    !isObject(v) ||
    typeof v.id !== 'string' ||
    typeof v.model !== 'string' ||
    typeof v.created !== 'number'
  )
    return false;
  if (!isUsage(v.usage)) return false;
  if (!Array.isArray(v.choices) || v.choices.length === 0) return false;
  return v.choices.every(
    (c) =>
      isObject(c) &&
      typeof c.index === 'number' &&
      Array.isArray(c.content) &&
      c.content.every((p) => isObject(p) && typeof p.type === 'string') &&
      isObject(c.finish) &&
      typeof c.finish.unified === 'string',
  );
}
