/**
 * What a ledger entry says about caching and cascading, read the same way by the metrics and the
 * dashboard. Stages report in two places — small decisions in `meta` and savings by tactic
 * (`cache.exact`, `cache.semantic` …) — so both are read, the stage's own decision first. A provider
 * prompt cache hit is not a response-cache hit: it shows as cache-read tokens, and the model still ran.
 */
import type { LedgerEntry } from '../core/ledger-entry.js';

/** Savings keys of caches that answer without calling a model. */
const RESPONSE_CACHE_PREFIX = 'cache.';
const PROMPT_CACHE_TACTIC = 'cache.prompt';

/**
 * The response cache that answered this request ("exact", "semantic", "dedupe" …), or null when none did.
 * The cache stage's own record (`meta.cache.status`: hit / dedupe vs miss, bypass, refresh, shadow-hit)
 * decides when present — a semantic miss records a negative `cache.semantic` saving (the embedding it
 * paid for), which is not a hit. Without that record, a positive `cache.*` saving or a `cache_hit` flag is.
 */
export function responseCacheHit(e: Pick<LedgerEntry, 'savings' | 'meta' | 'flags'>): string | null {
  const m = e.meta?.cache;
  if (m === 'hit') return 'exact';
  if (typeof m === 'string') return null;
  if (m && typeof m === 'object') {
    const o = m as Record<string, unknown>;
    if (o.status === 'dedupe') return 'dedupe';
    if (o.status === 'hit' || o.hit === true) {
      const kind = o.kind ?? o.type;
      return typeof kind === 'string' && kind ? kind : 'exact';
    }
    if (typeof o.status === 'string' || o.hit === false) return null;
  }
  for (const [key, amount] of Object.entries(e.savings)) {
    if (key.startsWith(RESPONSE_CACHE_PREFIX) && key !== PROMPT_CACHE_TACTIC && amount > 0n)
      return key.slice(RESPONSE_CACHE_PREFIX.length);
  }
  if (e.flags.includes('cache_hit')) return 'exact';
  return null;
}

/** True when the provider's prompt cache served part of the input. */
export function promptCacheHit(e: Pick<LedgerEntry, 'cacheRead'>): boolean {
  return e.cacheRead > 0;
}

export interface CascadeSignal {
  /** True when the first (cheap) model's answer was not accepted and a later model was called. */
  escalated: boolean;
}

/**
 * The cascade's decision from `meta.cascade`, or null for a request that did not cascade. Reads
 * `escalated`, else the accepted step index (`step` / `acceptedStep` > 0), else the number of attempts.
 */
export function cascadeSignal(e: Pick<LedgerEntry, 'meta'>): CascadeSignal | null {
  const c = e.meta?.cascade;
  if (!c || typeof c !== 'object') return null;
  const o = c as Record<string, unknown>;
  if (typeof o.escalated === 'boolean') return { escalated: o.escalated };
  for (const k of ['acceptedStep', 'step']) {
    const v = o[k];
    if (typeof v === 'number') return { escalated: v > 0 };
  }
  for (const k of ['steps', 'attempts', 'outcomes']) {
    const v = o[k];
    if (Array.isArray(v)) return { escalated: v.length > 1 };
  }
  return { escalated: false };
}
