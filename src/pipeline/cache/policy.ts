/**
 * What may be cached: a feature's resolved policy, whether a request qualifies (sampling is cached only
 * where the policy opts in; no temperature means the provider's default of 1, which samples), and whether
 * an answer may be stored — only complete successes: no errors, no `length`/content-filter stops, nothing
 * aborted or estimated.
 */
import type { CanonicalRequest } from '../../core/request.js';
import type { Outcome } from '../context.js';
import type { CacheFeatureConfig, CacheGlobalConfig, CacheStoreKind } from './config.js';

export interface CachePolicy {
  ttlSeconds: number;
  allowSampling: boolean;
  dedupe: boolean;
  store: CacheStoreKind;
  semantic: { enabled: boolean; threshold: number | undefined; shadow: boolean };
}

export function resolvePolicy(
  feature: CacheFeatureConfig | undefined,
  global: CacheGlobalConfig,
): CachePolicy | null {
  if (!feature?.enabled) return null;
  return {
    ttlSeconds: Math.min(feature.ttlSeconds ?? global.defaultTtlSeconds, global.maxTtlSeconds),
    allowSampling: feature.allowSampling,
    dedupe: feature.dedupe ?? global.dedupe,
    store: feature.store ?? global.store,
    semantic: {
      enabled: feature.semantic.enabled,
      threshold: feature.semantic.threshold,
      shadow: feature.semantic.shadow,
    },
  };
}

/** Why the request must not be answered from (or stored in) the cache, or null. */
export function requestNotCacheable(req: CanonicalRequest, policy: CachePolicy): string | null {
  if (!policy.allowSampling && (req.temperature ?? 1) > 0) return 'sampling';
  return null;
}

const STORABLE_FINISH = new Set(['stop', 'tool_calls']);

/** Why the answer must not be stored, or null. */
export function outcomeNotStorable(outcome: Outcome, flags: readonly string[]): string | null {
  if (outcome.status !== 'ok') return outcome.status;
  const r = outcome.response;
  if (!r || r.choices.length === 0) return 'no_response';
  if (!r.usage || !outcome.usage) return 'no_usage';
  if (outcome.usage.estimated || r.usage.estimated) return 'usage_estimated';
  if (flags.includes('client_aborted')) return 'aborted';
  for (const c of r.choices) if (!STORABLE_FINISH.has(c.finish.unified)) return `finish_${c.finish.unified}`;
  return null;
}
