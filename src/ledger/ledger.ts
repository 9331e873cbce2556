/**
 * The ledger interface. SQLite is the embedded default; PostgreSQL implements the same interface.
 * Every implementation must pass the contract suite in `ledger.contract.ts`.
 * `append` never blocks the request path: entries are buffered and written in batches; `flush` and
 * `close` persist everything buffered, so nothing is lost on SIGTERM.
 */
import type { LedgerEntry } from '../core/ledger-entry.js';
import type { Money } from '../core/money.js';

export interface LedgerFilter {
  /** Inclusive lower bound, ms since epoch. */
  from?: number;
  /** Exclusive upper bound, ms since epoch. */
  to?: number;
  feature?: string;
  user?: string;
  model?: string;
  status?: LedgerEntry['status'];
  /** One request, by id. */
  id?: string;
  /** Entries of an experiment (`meta.experiment.name`), optionally of one arm (`meta.experiment.arm`). */
  experiment?: string;
  arm?: string;
  limit?: number;
}

export type GroupKey = 'feature' | 'user' | 'model' | 'provider' | 'day' | 'key' | 'status';

export interface SummaryRow {
  /** Group values in the order of the requested keys ("(none)" for null). */
  group: Record<string, string>;
  requests: number;
  /** Entries with status "error" (client aborts are not counted as errors). */
  errors: number;
  /** Uncached input tokens; total input = inputTokens + cacheReadTokens + cacheWriteTokens. */
  inputTokens: number;
  cacheReadTokens: number;
  /** Cache writes of every TTL (5 min + 1 h). */
  cacheWriteTokens: number;
  /** Visible output tokens; reasoning is counted apart in `reasoningTokens`. */
  outputTokens: number;
  reasoningTokens: number;
  /** Sum of known costs. */
  cost: Money;
  /** Number of entries whose cost is unknown (not included in `cost`). */
  unpriced: number;
  baselineCost: Money;
  savings: Money;
}

/** Response-cache outcomes of one feature (from `meta.cache`), as counted by a store in its database. */
export interface CacheMetaRow {
  feature: string;
  /** `meta.cache.status` (hit, miss, bypass, dedupe, shadow-hit …). */
  status: string;
  kind: string | null;
  requests: number;
  /** Σ of the entries' cache.* savings. */
  cacheSaved: Money;
}

/** Prompt-cache breakers of one feature and kind (from `meta.promptCache.breaker`). */
export interface BreakerMetaRow {
  feature: string;
  kind: string;
  requests: number;
  lostTokens: number;
  /** Σ lost cost, USD decimal strings summed exactly (unpriced ones left out). */
  lostCostUsd: string;
  /** The text before the breaker, from the newest entry. */
  before: string;
}

export interface CacheMetaAggregates {
  cache: CacheMetaRow[];
  /** Entries whose prompt Penny marked for provider caching, or gave a prompt_cache_key. */
  promptCached: number;
  breakers: BreakerMetaRow[];
}

export interface Ledger {
  /** Buffers an entry; it is written in the next batch. Never throws on the request path. */
  append(entry: LedgerEntry): void;
  /** Writes everything buffered. */
  flush(): Promise<void>;
  /** Flushes and releases the store. */
  close(): Promise<void>;
  /** Entries matching the filter, newest first (ties: last appended first). Reads see every entry appended before them. */
  query(filter?: LedgerFilter): Promise<LedgerEntry[]>;
  /** Aggregates by the given keys (none = exactly one total row), highest known cost first. */
  summarize(filter: LedgerFilter, groupBy: GroupKey[]): Promise<SummaryRow[]>;
  /** Savings per tactic over the filter. */
  savingsByTactic(filter: LedgerFilter): Promise<Record<string, Money>>;
  /**
   * Optional: the cache metadata the report's caching section needs, aggregated in the database. Stores
   * without it are read entry by entry instead (fine for SQLite-sized ledgers, not for a fleet's).
   */
  cacheMetaAggregates?(filter: LedgerFilter): Promise<CacheMetaAggregates>;
}
