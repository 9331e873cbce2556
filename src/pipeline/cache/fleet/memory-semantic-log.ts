/** The in-process semantic log: an array with sequence numbers, bounded to `maxEntries` (tests, one process). */
import type { SemanticEntryRecord } from '../semantic/semantic-cache.js';
import type { SemanticLog, SemanticLogPage } from './semantic-log.js';

export class MemorySemanticLog implements SemanticLog {
  readonly kind = 'memory' as const;
  private readonly records: Array<{ seq: number; at: number; r: SemanticEntryRecord }> = [];
  private seq = 0;

  constructor(private readonly maxEntries = 100_000) {}

  async append(record: SemanticEntryRecord): Promise<void> {
    this.records.push({
      seq: ++this.seq,
      at: Date.now(),
      r: { ...record, vector: Float32Array.from(record.vector) },
    });
    if (this.records.length > this.maxEntries) this.records.splice(0, this.records.length - this.maxEntries);
  }

  async read(cursor: string, limit: number): Promise<SemanticLogPage> {
    const after = cursor === '' ? 0 : Number(cursor);
    let i = 0;
    while (i < this.records.length && this.records[i]!.seq <= after) i++;
    const page = this.records.slice(i, i + limit);
    const last = page[page.length - 1];
    return {
      records: page.map((p) => p.r),
      cursor: last ? String(last.seq) : cursor,
      ...(last ? { newestAt: last.at } : {}),
    };
  }

  async close(): Promise<void> {}
}
