/**
 * Small wire-level helpers shared by the Anthropic converters: the object guard and `cache_control`
 * in both directions. `cache_control: null` is what SDKs send for "no breakpoint", so it reads as absent.
 */
import { InvalidRequestError } from '../../core/errors.js';
import type { CacheControl } from '../../core/request.js';

export type Json = Record<string, unknown>;

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a `cache_control` value from a client body; throws naming `param` when it is malformed. */
export function parseCacheControl(v: unknown, param: string): CacheControl | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v) || v.type !== 'ephemeral') {
    throw new InvalidRequestError(`${param} must be {"type":"ephemeral"} with an optional ttl`, param);
  }
  const ttl = v.ttl;
  if (ttl === undefined) return { type: 'ephemeral' };
  if (ttl !== '5m' && ttl !== '1h')
    throw new InvalidRequestError(`${param}.ttl must be "5m" or "1h"`, `${param}.ttl`);
  return { type: 'ephemeral', ttl };
}

export function renderCacheControl(c: CacheControl): Json {
  return c.ttl === undefined ? { type: 'ephemeral' } : { type: 'ephemeral', ttl: c.ttl };
}

/** True when every own key of `o` is in `known` (decides between a modelled block and a verbatim one). */
export function onlyKeys(o: Json, known: ReadonlySet<string>): boolean {
  for (const k in o) if (!known.has(k)) return false;
  return true;
}
