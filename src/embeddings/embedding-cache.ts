/**
 * The exact cache for embeddings: the same model, input and options give the same vectors, so a repeat is
 * answered from the response-cache store the feature's policy names (memory, SQLite or Redis), under keys
 * of their own ("emb:" + SHA-256). On only when the feature's `cache.enabled` is; store faults are misses.
 */
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { Logger } from '../observability/logger.js';
import type { CacheStoreKind } from '../pipeline/cache/config.js';
import { type CachePolicy, resolvePolicy } from '../pipeline/cache/policy.js';
import type { CacheStore } from '../pipeline/cache/store/cache-store.js';
import { GuardedStore } from '../pipeline/cache/store/guarded-store.js';
import { MemoryStore } from '../pipeline/cache/store/memory-store.js';
import { RedisStore } from '../pipeline/cache/store/redis-store.js';
import { SqliteStore } from '../pipeline/cache/store/sqlite-store.js';
import { featurePolicy } from '../pipeline/stage-deps.js';
import type { EmbeddingsBody } from './parse-request.js';

export interface CachedEmbedding {
  /** The response body exactly as first answered. */
  body: string;
  provider: string;
  servedModel: string;
  promptTokens: number;
  simulated: boolean;
}

export class EmbeddingCache {
  private readonly stores = new Map<CacheStoreKind, GuardedStore>();

  constructor(
    private readonly loaded: LoadedConfig,
    private readonly logger: Logger,
  ) {}

  policy(feature: string | null): CachePolicy | null {
    return resolvePolicy(featurePolicy(this.loaded, feature)?.cache, this.loaded.config.cache);
  }

  static key(body: EmbeddingsBody, namespace: string): string {
    const { user: _user, ...rest } = body;
    const h = createHash('sha256')
      .update(namespace)
      .update('\0')
      .update(JSON.stringify(sortKeys(rest)));
    return `emb:${h.digest('hex')}`;
  }

  async get(kind: CacheStoreKind, key: string): Promise<CachedEmbedding | null> {
    const text = await this.store(kind).get(key);
    if (text === null) return null;
    try {
      return JSON.parse(text) as CachedEmbedding;
    } catch {
      return null;
    }
  }

  async set(kind: CacheStoreKind, key: string, value: CachedEmbedding, ttlSeconds: number): Promise<void> {
    await this.store(kind).set(key, JSON.stringify(value), ttlSeconds * 1000);
  }

  async close(): Promise<void> {
    for (const s of this.stores.values()) await s.store.close().catch(() => {});
    this.stores.clear();
  }

  private store(kind: CacheStoreKind): GuardedStore {
    let s = this.stores.get(kind);
    if (!s) {
      const g = this.loaded.config.cache;
      s = new GuardedStore(this.open(kind), { timeoutMs: g.timeoutMs, logger: this.logger });
      this.stores.set(kind, s);
    }
    return s;
  }

  private open(kind: CacheStoreKind): CacheStore {
    const g = this.loaded.config.cache;
    if (kind === 'redis')
      return new RedisStore({
        url: g.redisUrl,
        keyPrefix: g.redisKeyPrefix,
        commandTimeoutMs: Math.max(g.timeoutMs * 4, 200),
      });
    if (kind === 'sqlite') {
      const path = g.sqlitePath ?? join(dirname(this.loaded.ledgerPath), 'cache.db');
      try {
        return new SqliteStore(path, { maxEntries: g.maxEntries });
      } catch (e) {
        this.logger.warn('embeddings cache: SQLite file could not be opened; using memory', {
          path,
          error: e,
        });
      }
    }
    return new MemoryStore({ maxEntries: g.maxEntries });
  }
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v) || typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, sortKeys(o[k])]),
  );
}
