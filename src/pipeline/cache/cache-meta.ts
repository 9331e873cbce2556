/** What the response-cache stage did for a request: its typed slot, written to ledger `meta.cache`. */
import { moneyToDecimal } from '../../core/money.js';
import { defineSlot } from '../slots.js';
import type { CacheStoreKind } from './config.js';

export type CacheStatus = 'hit' | 'miss' | 'bypass' | 'refresh' | 'dedupe' | 'shadow-hit';

export interface CacheMeta {
  status: CacheStatus;
  kind?: 'exact' | 'semantic';
  reason?: string;
  /** First 16 hex digits of the exact key. */
  key?: string;
  store?: CacheStoreKind;
  ageMs?: number;
  score?: number;
  followers?: number;
  /** A dedupe answered by another instance's call (the Redis flight board). */
  fleet?: boolean;
  stored?: boolean;
  notStored?: string;
  ttlSeconds?: number;
  /** USD, decimal text. */
  embeddingCost?: string;
  embeddingTokens?: number;
  shadow?: { score: number; key: string; agree?: boolean };
  semantic?: { bestScore?: number; rejectedBy?: string; skipped?: string };
}

/** Settle adds what the semantic lookup's embedding cost (`embeddingCost`, decimal USD). */
export const CACHE = defineSlot<CacheMeta>('cache', {
  onSettle(meta, s) {
    const embedding = s.sideCosts.find((c) => c.tactic === 'cache.semantic');
    if (embedding) meta.embeddingCost = moneyToDecimal(embedding.cost);
  },
});
