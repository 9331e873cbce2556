/**
 * The Redis store (ioredis 5), for several gateway instances sharing one cache. Keys are namespaced by a
 * prefix; expiry is Redis's own (`SET … PX`). Commands never queue while the connection is down
 * (`enableOfflineQueue: false`, no retries): they fail at once, and the guarded store in front counts the
 * failure and serves the request uncached, while ioredis reconnects in the background.
 */
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { CacheStore } from './cache-store.js';

/**
 * ioredis is loaded on first use, not at start-up: a gateway without Redis in its configuration never
 * pays its memory (about 10 MB of RSS; BENCHMARKS.md, memory).
 */
const loadIoredis = (): typeof import('ioredis') => createRequire(import.meta.url)('ioredis');

export interface RedisStoreOptions {
  url: string;
  keyPrefix?: string;
  /** Per-command timeout, ms (the guarded store applies its own budget too). */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Connection errors (logged and counted by the caller). */
  onError?: (e: Error) => void;
}

export class RedisStore implements CacheStore {
  readonly kind = 'redis' as const;
  readonly client: Redis;
  private readonly prefix: string;

  constructor(opts: RedisStoreOptions) {
    this.prefix = opts.keyPrefix ?? 'penny:cache:';
    this.client = new (loadIoredis().Redis)(opts.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: opts.commandTimeoutMs ?? 1000,
      connectTimeout: opts.connectTimeoutMs ?? 1000,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    });
    this.client.on('error', (e: Error) => opts.onError?.(e));
    this.client.connect().catch(() => {
      // Reported through the 'error' event; ioredis keeps reconnecting.
    });
  }

  /** Resolves once connected (or rejects after `timeoutMs`): for tests and start-up checks. */
  ready(timeoutMs = 2000): Promise<void> {
    if (this.client.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        reject(new Error(`redis not ready after ${timeoutMs} ms (status ${this.client.status})`));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once('ready', onReady);
    });
  }

  async get(key: string): Promise<string | null> {
    return this.client.get(this.prefix + key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.client.set(this.prefix + key, value, 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async delete(key: string): Promise<void> {
    await this.client.del(this.prefix + key);
  }

  async clear(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(
        cursor,
        'MATCH',
        `${escapeGlob(this.prefix)}*`,
        'COUNT',
        500,
      );
      cursor = next;
      if (keys.length) await this.client.del(...keys);
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    if (this.client.status === 'end') return;
    try {
      if (this.client.status === 'ready') await this.client.quit();
      else this.client.disconnect();
    } catch {
      this.client.disconnect();
    }
  }
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
