/**
 * Where the pass-through keeps its batch→attribution map and which result lines it has priced. One
 * interface, run through one contract suite on every backend (memory, SQLite, PostgreSQL).
 */
import type { BatchObject, BatchObjectKind } from './batch-object.js';

export interface PassthroughStore {
  /** Inserts or replaces the object (kind + id). */
  put(o: BatchObject): Promise<void>;
  get(kind: BatchObjectKind, id: string): Promise<BatchObject | undefined>;
  /** The known objects among `ids` (any order); unknown ids are left out. */
  getMany(kind: BatchObjectKind, ids: readonly string[]): Promise<BatchObject[]>;
  /**
   * Marks result lines of `batch` as priced and returns those that were not priced before — atomically, so
   * two downloads (on one instance or several) price each line once.
   */
  claimLines(batch: string, customIds: readonly string[]): Promise<string[]>;
  close(): Promise<void>;
}
