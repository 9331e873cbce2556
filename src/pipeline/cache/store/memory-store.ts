/**
 * The in-memory store: a bounded LRU (a Map in recency order) with per-entry expiry. Expired entries are
 * dropped when read; the least recently used go first when the bound is reached, so O(1) per operation.
 */
import type { CacheStore } from './cache-store.js';

export interface MemoryStoreOptions {
  maxEntries?: number;
  now?: () => number;
}

interface Slot {
  value: string;
  expiresAt: number;
}

export class MemoryStore implements CacheStore {
  readonly kind = 'memory' as const;
  private readonly map = new Map<string, Slot>();
  private readonly max: number;
  private readonly now: () => number;

  constructor(opts: MemoryStoreOptions = {}) {
    this.max = Math.max(1, opts.maxEntries ?? 10_000);
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.map.size;
  }

  mayHave(key: string): boolean {
    return this.map.has(key);
  }

  async get(key: string): Promise<string | null> {
    const slot = this.map.get(key);
    if (!slot) return null;
    if (slot.expiresAt <= this.now()) {
      this.map.delete(key);
      return null;
    }
    this.map.delete(key);
    this.map.set(key, slot);
    return slot.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.map.delete(key);
    this.map.set(key, { value, expiresAt: this.now() + Math.max(1, ttlMs) });
    if (this.map.size > this.max) this.evict();
  }

  async delete(key: string): Promise<void> {
    this.map.delete(key);
  }

  async clear(): Promise<void> {
    this.map.clear();
  }

  async close(): Promise<void> {
    this.map.clear();
  }

  /** Drops the least recently used entries (the Map's first keys) down to the bound. */
  private evict(): void {
    for (const k of this.map.keys()) {
      if (this.map.size <= this.max) break;
      this.map.delete(k);
    }
  }
}
