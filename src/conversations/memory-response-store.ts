/** In-memory conversation store (tests, `responses.store: memory`): bounded, oldest records evicted first. */
import type { ResponseStore, StoredResponse } from './response-store.js';

export class MemoryResponseStore implements ResponseStore {
  readonly kind = 'memory' as const;
  private readonly records = new Map<string, StoredResponse>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxRecords = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(id: string): Promise<StoredResponse | null> {
    const r = this.records.get(id);
    if (!r) return null;
    if (r.createdAt + this.ttlMs <= this.now()) {
      this.records.delete(id);
      return null;
    }
    return structuredClone(r);
  }

  async put(record: StoredResponse): Promise<void> {
    this.records.delete(record.id);
    this.records.set(record.id, structuredClone(record));
    while (this.records.size > this.maxRecords) {
      const oldest = this.records.keys().next().value;
      if (oldest === undefined) break;
      this.records.delete(oldest);
    }
  }

  async delete(id: string): Promise<boolean> {
    return this.records.delete(id);
  }

  async close(): Promise<void> {
    this.records.clear();
  }
}
