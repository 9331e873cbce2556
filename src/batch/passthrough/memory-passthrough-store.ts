/** The pass-through's objects and priced lines in memory (lost on restart; tests and `batchJobs.store: memory`). */
import type { BatchObject, BatchObjectKind } from './batch-object.js';
import type { PassthroughStore } from './passthrough-store.js';

export class MemoryPassthroughStore implements PassthroughStore {
  private readonly objects = new Map<string, BatchObject>();
  private readonly lines = new Set<string>();

  async put(o: BatchObject): Promise<void> {
    this.objects.set(`${o.kind}\n${o.id}`, { ...o });
  }

  async get(kind: BatchObjectKind, id: string): Promise<BatchObject | undefined> {
    const o = this.objects.get(`${kind}\n${id}`);
    return o ? { ...o } : undefined;
  }

  async getMany(kind: BatchObjectKind, ids: readonly string[]): Promise<BatchObject[]> {
    const out: BatchObject[] = [];
    for (const id of new Set(ids)) {
      const o = await this.get(kind, id);
      if (o) out.push(o);
    }
    return out;
  }

  async claimLines(batch: string, customIds: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (const id of new Set(customIds)) {
      const k = `${batch}\n${id}`;
      if (this.lines.has(k)) continue;
      this.lines.add(k);
      out.push(id);
    }
    return out;
  }

  async close(): Promise<void> {}
}
