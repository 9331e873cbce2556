/**
 * The stored form of a cached answer: a version tag, a checksum, a one-line JSON header and the answer.
 * Reading validates all of it, that the entry belongs to the key it was found under and that it has not
 * expired, and that the answer has the shape of a complete canonical response — a damaged or foreign entry
 * is reported as corrupt and never served.
 *
 * `P2 <crc32, 8 hex digits> <header JSON>\n<answer>`: when the outcome carries the upstream's own answer
 * text (an answer read whole, `Outcome.upstreamText`), that text is the answer and the header names its
 * dialect (`d`) and the response's creation time (`c`, which a codec may not read from the text: Anthropic
 * answers carry none); a hit parses it with that dialect's codec, as the call did. Other answers (streams,
 * rendered answers) are stored as the canonical response's JSON, without `d`. Storing the upstream's text
 * instead of re-serialising the canonical response, and a CRC-32 instead of a SHA-256 over the entry, is
 * what a cache miss pays for its entry: 3.1 → ~0.9 µs in-process (BENCHMARKS.md, tactics miss path round 8).
 * The checksum detects damage, not forgery (whoever can write the store can write a valid entry).
 * `P1 <sha256, 24 hex> <JSON>` entries of earlier versions are still read.
 */
import { hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { Dialect } from '../../core/request.js';
import type { CanonicalResponse } from '../../core/response.js';
import type { Usage } from '../../core/usage.js';
import { CODECS } from '../../providers/codecs.js';

const TAG = 'P2';
const OLD_TAG = 'P1';

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

/** The upstream's own JSON text of an answer, in its dialect: parsing it with that dialect's codec gives the response. */
export interface AnswerText {
  dialect: Dialect;
  text: string;
}

export type DecodeResult = { ok: true; answer: CachedAnswer } | { ok: false; reason: string };

/** CRC-32 of the entry after its tag and checksum (header line, then answer), as 8 hex digits. */
function crc(head: string, answer: string): string {
  // Two calls instead of one over `head + answer`: the two strings are never copied into one to be summed.
  return crc32(answer, crc32(head)).toString(16).padStart(8, '0');
}

/**
 * The entry of an answer; `source`: the upstream's text of `a.response` (then stored instead of the
 * response's JSON). The caller vouches that `source` parses into `a.response` (Outcome.upstreamText).
 */
export function encodeAnswer(a: CachedAnswer, source?: AnswerText): string {
  // The header written field by field (JSON.stringify of an object costs twice this, per miss).
  const str = JSON.stringify;
  const common = `{"k":${str(a.key)},"t":${a.storedAt},"e":${a.expiresAt},"p":${str(a.provider)},"m":${str(a.servedModel)},"s":${a.simulated}`;
  const head = source ? `${common},"d":${str(source.dialect)},"c":${a.response.created}}\n` : `${common}}\n`;
  const answer = source ? source.text : str(a.response);
  return `${TAG} ${crc(head, answer)} ${head}${answer}`;
}

export function decodeAnswer(text: string, key: string, now: number): DecodeResult {
  if (text.startsWith(`${OLD_TAG} `)) return decodeOld(text, key, now);
  if (!text.startsWith(`${TAG} `)) return { ok: false, reason: 'unknown version' };
  const at = TAG.length + 1;
  if (text.length < at + 9 || text[at + 8] !== ' ') return { ok: false, reason: 'truncated' };
  const nl = text.indexOf('\n', at + 9);
  if (nl < 0) return { ok: false, reason: 'truncated' };
  const head = text.slice(at + 9, nl + 1);
  const rest = text.slice(nl + 1);
  if (crc(head, rest) !== text.slice(at, at + 8)) return { ok: false, reason: 'checksum mismatch' };
  let h: unknown;
  let answer: unknown;
  try {
    h = JSON.parse(head);
    answer = JSON.parse(rest);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (!isObject(h)) return { ok: false, reason: 'not an object' };
  if (h.d !== undefined) {
    // The upstream's own answer text: parsed by its dialect's codec, as the call parsed it.
    if (
      typeof h.d !== 'string' ||
      !Object.hasOwn(CODECS, h.d) ||
      typeof h.p !== 'string' ||
      typeof h.c !== 'number'
    )
      return { ok: false, reason: 'bad answer source' };
    try {
      const response = CODECS[h.d as Dialect].parseResponse(answer, h.p);
      response.created = h.c;
      answer = response;
    } catch {
      return { ok: false, reason: 'not a complete response' };
    }
  }
  return validated(h, answer, key, now);
}

/** A `P1` entry: a SHA-256 checksum and one JSON object holding the header's fields and the response (`r`). */
function decodeOld(text: string, key: string, now: number): DecodeResult {
  const sp = text.indexOf(' ', OLD_TAG.length + 1);
  if (sp < 0) return { ok: false, reason: 'truncated' };
  const sum = text.slice(OLD_TAG.length + 1, sp);
  const json = text.slice(sp + 1);
  if (hash('sha256', json, 'hex').slice(0, 24) !== sum) return { ok: false, reason: 'checksum mismatch' };
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (!isObject(v)) return { ok: false, reason: 'not an object' };
  return validated(v, v.r, key, now);
}

/** The answer of a parsed header `v` and response `r`, once every field has been checked. */
function validated(v: Record<string, unknown>, r: unknown, key: string, now: number): DecodeResult {
  if (v.k !== key) return { ok: false, reason: 'stored under another key' };
  if (typeof v.t !== 'number' || typeof v.e !== 'number') return { ok: false, reason: 'bad timestamps' };
  if (v.e <= now) return { ok: false, reason: 'expired' };
  if (!(v.p === null || typeof v.p === 'string') || !(v.m === null || typeof v.m === 'string'))
    return { ok: false, reason: 'bad provider or model' };
  if (typeof v.s !== 'boolean') return { ok: false, reason: 'bad simulated flag' };
  if (!isResponse(r)) return { ok: false, reason: 'not a complete response' };
  return {
    ok: true,
    answer: {
      key,
      storedAt: v.t,
      expiresAt: v.e,
      provider: v.p,
      servedModel: v.m,
      simulated: v.s,
      response: r,
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
