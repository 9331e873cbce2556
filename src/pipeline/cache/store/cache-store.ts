/**
 * The response-cache store interface: string values under string keys with a TTL. Memory, SQLite and
 * Redis implement it and pass the same contract suite (`store.contract.ts`). Stores may throw; the
 * `GuardedStore` in front of them turns every failure or slow answer into a counted miss.
 */
import type { CacheStoreKind } from '../config.js';

export interface CacheStore {
  readonly kind: CacheStoreKind;
  /** The value, or null when absent or expired. */
  get(key: string): Promise<string | null>;
  /**
   * False when the store knows at once, from what it holds in memory, that it has no value for `key`: the
   * caller skips `get` (a miss costs no promise). True when it may have one. Absent on stores that cannot tell
   * without asking (Redis).
   */
  mayHave?(key: string): boolean;
  /** Stores (or replaces) a value that expires after `ttlMs`. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Removes every entry of this store (its key prefix only, for shared servers). */
  clear(): Promise<void>;
  close(): Promise<void>;
}
