/**
 * Keeps this instance's semantic index in step with the shared log: loads the whole log at start-up, then
 * reads what other instances added every `syncMs` (default 250 ms), and appends the entries stored here.
 * Entries already indexed (this instance's own, read back) are skipped. A log that cannot be reached is a
 * counted, logged fault: the instance keeps serving from what it has and catches up when the log returns.
 * Trade-off: lookups stay local and as fast as one process's (no network on the lookup path), at the cost
 * of every instance holding every vector in memory and a replication delay of up to `syncMs`.
 */
import type { SemanticCache, SemanticEntryRecord } from '../semantic/semantic-cache.js';
import type { SemanticLog } from './semantic-log.js';

export interface SemanticReplicaOptions {
  syncMs?: number;
  /** Records read per page. Default 1000. */
  batch?: number;
  /**
   * Index a pass's records with one bulk build per scope that receives many (`VectorIndex.addMany`):
   * about a third of the cold-load CPU, but the lists differ from those built entry by entry, so an
   * approximate lookup can pick a different near-tie candidate than an instance that built them one by one
   * (bench:semantic-fleet). Default false: entry by entry, the same answers as the instance that stored them.
   */
  bulkLoad?: boolean;
  onError?: (e: unknown, op: 'append' | 'read') => void;
  /** Called with the number of entries each sync added. */
  onSynced?: (n: number) => void;
  /**
   * Called after every successful pass over the log, with how long ago the newest record read was
   * appended (undefined when the pass read nothing new).
   */
  onPass?: (lagMs: number | undefined) => void;
}

export class SemanticReplica {
  private cursor = '';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private closed = false;
  private readonly pending = new Set<Promise<void>>();
  private readonly syncMs: number;
  private readonly batch: number;

  constructor(
    private readonly cache: SemanticCache,
    readonly log: SemanticLog,
    private readonly opts: SemanticReplicaOptions = {},
  ) {
    this.syncMs = opts.syncMs ?? 250;
    this.batch = opts.batch ?? 1000;
  }

  /** Starts the background sync (the first pass loads the whole log). */
  start(): void {
    if (this.timer || this.closed) return;
    const tick = () => {
      this.sync()
        .catch(() => 0)
        .finally(() => {
          if (!this.closed) {
            this.timer = setTimeout(tick, this.syncMs);
            this.timer.unref();
          }
        });
    };
    tick();
  }

  /** Shares an entry stored on this instance. Not awaited by callers; faults go to `onError`. */
  publish(record: SemanticEntryRecord): void {
    const p = this.log.append(record).catch((e: unknown) => this.opts.onError?.(e, 'append'));
    this.pending.add(p);
    p.finally(() => this.pending.delete(p));
  }

  /** Reads everything new in the log into the index; resolves with the number of entries added. */
  sync(): Promise<number> {
    this.running ??= this.readAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Resolves once every append started so far has finished (tests). */
  async flushed(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.flushed();
    await this.running?.catch(() => {});
    await this.log.close();
  }

  private async readAll(): Promise<number> {
    // The pass's records are indexed together (with `bulkLoad`, one build per scope that receives many:
    // the cold load), and the cursor moves past them once they are in; a failed read keeps what came before.
    const records: SemanticEntryRecord[] = [];
    let cursor = this.cursor;
    let newestAt: number | undefined;
    let failure: { e: unknown } | undefined;
    try {
      for (;;) {
        const page = await this.log.read(cursor, this.batch);
        for (const r of page.records) records.push(r);
        cursor = page.cursor;
        if (page.newestAt !== undefined) newestAt = page.newestAt;
        if (page.records.length < this.batch) break;
      }
    } catch (e) {
      failure = { e };
    }
    let added = 0;
    if (this.opts.bulkLoad) added = records.length ? this.cache.ingestMany(records) : 0;
    else for (const r of records) if (this.cache.ingest(r)) added++;
    this.cursor = cursor;
    if (failure) this.opts.onError?.(failure.e, 'read');
    else this.opts.onPass?.(newestAt === undefined ? undefined : Date.now() - newestAt);
    if (added) this.opts.onSynced?.(added);
    return added;
  }
}
