/**
 * Opens the raw response-cache store of a kind from the config: memory, Redis (connection errors counted
 * and logged at most every 10 s — the guarded store turns them into misses) or SQLite beside the ledger,
 * falling back to memory when the file cannot be opened.
 */
import { dirname, join } from 'node:path';
import type { Logger } from '../../observability/logger.js';
import type { CacheGlobalConfig, CacheStoreKind } from './config.js';
import { countCache } from './stats.js';
import type { CacheStore } from './store/cache-store.js';
import { MemoryStore } from './store/memory-store.js';
import { RedisStore } from './store/redis-store.js';
import { SqliteStore } from './store/sqlite-store.js';

export function openStore(
  kind: CacheStoreKind,
  g: CacheGlobalConfig,
  opts: { ledgerPath: string; logger: Logger },
): CacheStore {
  if (kind === 'memory') return new MemoryStore({ maxEntries: g.maxEntries });
  if (kind === 'redis') {
    let lastWarn = 0;
    return new RedisStore({
      url: g.redisUrl,
      keyPrefix: g.redisKeyPrefix,
      commandTimeoutMs: Math.max(g.timeoutMs * 4, 200),
      onError: (e) => {
        countCache('connectionError');
        if (Date.now() - lastWarn < 10_000) return;
        lastWarn = Date.now();
        opts.logger.warn('redis cache store unreachable; requests are served uncached', { error: e });
      },
    });
  }
  const path = g.sqlitePath ?? join(dirname(opts.ledgerPath), 'cache.db');
  try {
    return new SqliteStore(path, { maxEntries: g.maxEntries });
  } catch (e) {
    opts.logger.warn('cache SQLite file could not be opened; using an in-memory cache', { path, error: e });
    return new MemoryStore({ maxEntries: g.maxEntries });
  }
}
