/**
 * The shared log of semantic cache entries: every instance appends the entries it stores (scope, cache
 * key, text, vector) and reads the others' entries into its own in-memory index (semantic-replica.ts), so
 * a lookup stays a local search (no network on the lookup path) while every instance knows every entry.
 * The log is bounded (oldest dropped first, like the index's LRU). One interface, two backends: memory
 * (tests) and a Redis stream; both pass semantic-log.contract.ts.
 */
import type { SemanticEntryRecord } from '../semantic/semantic-cache.js';

export interface SemanticLogPage {
  records: SemanticEntryRecord[];
  /** Pass back to read what follows; unchanged when nothing new was read. */
  cursor: string;
  /** When the page's last record was appended, ms since epoch (when the log knows). */
  newestAt?: number;
}

export interface SemanticLog {
  readonly kind: 'memory' | 'redis';
  append(record: SemanticEntryRecord): Promise<void>;
  /** Up to `limit` records after `cursor` ('' = from the oldest kept), oldest first. */
  read(cursor: string, limit: number): Promise<SemanticLogPage>;
  close(): Promise<void>;
}
