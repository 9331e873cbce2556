/**
 * Puts a time budget (for a store outside the process) and a circuit breaker in front of any store, so a store can never fail or slow down
 * a request: an error, a timeout or an open circuit is a miss (get) or a skipped write (set), counted in
 * `cacheStats()` and logged as a warning at most once per `warnEveryMs` per kind of fault.
 * After `breakAfter` consecutive faults the store is left alone for `cooldownMs`.
 */
import type { Logger } from '../../../observability/logger.js';
import { type CacheCounter, countCache } from '../stats.js';
import type { CacheStore } from './cache-store.js';

export interface GuardedStoreOptions {
  timeoutMs: number;
  logger: Logger;
  breakAfter?: number;
  cooldownMs?: number;
  warnEveryMs?: number;
  now?: () => number;
}

const TIMEOUT = Symbol('timeout');
const FALSE = Promise.resolve(false);

interface WriteBatch {
  /** The store's promise for the rows of one batch. */
  written: Promise<void>;
  /** How many `set` calls it holds. */
  rows: number;
  result: Promise<boolean>;
}
/** Stores that run in the gateway's own process; the time budget applies to the others (Redis). */
const IN_PROCESS: ReadonlySet<string> = new Set(['memory', 'sqlite']);

export class GuardedStore {
  private failures = 0;
  private openUntil = 0;
  private readonly lastWarn = new Map<string, number>();
  private readonly breakAfter: number;
  private readonly cooldownMs: number;
  private readonly warnEveryMs: number;
  private readonly now: () => number;
  /** The last in-process write and the calls that shared its promise (see `set`). */
  private batch: WriteBatch | undefined;

  constructor(
    readonly store: CacheStore,
    private readonly opts: GuardedStoreOptions,
  ) {
    this.breakAfter = opts.breakAfter ?? 5;
    this.cooldownMs = opts.cooldownMs ?? 1000;
    this.warnEveryMs = opts.warnEveryMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  get kind() {
    return this.store.kind;
  }

  /** False when the store knows at once that it has no value for `key` (see CacheStore.mayHave). */
  mayHave(key: string): boolean {
    return this.store.mayHave?.(key) ?? true;
  }

  /** The value, or null on a miss — and on any fault. */
  async get(key: string): Promise<string | null> {
    const r = await this.run('get', () => this.store.get(key));
    return r.ok ? r.value : null;
  }

  /**
   * True when written; false on any fault. A written value is counted (`stored`) here. An in-process store
   * that writes in batches (SQLite) hands every `set` of one batch the same promise: those calls share one
   * result promise too, counted once the batch settles — every cache miss stores its answer, and a promise
   * chain per call (the call, its result, the count) was a cost of each.
   */
  set(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (!IN_PROCESS.has(this.store.kind)) return this.setRemote(key, value, ttlMs);
    if (this.openUntil > this.now()) {
      countCache('circuitOpen');
      return FALSE;
    }
    let written: Promise<void>;
    try {
      written = this.store.set(key, value, ttlMs);
    } catch (e) {
      this.failed('setError', 'cache store set failed; served uncached', {
        store: this.store.kind,
        error: e,
      });
      return FALSE;
    }
    const batch = this.batch;
    if (batch !== undefined && batch.written === written) {
      batch.rows++;
      return batch.result;
    }
    const next: WriteBatch = { written, rows: 1, result: FALSE };
    next.result = written.then(
      () => {
        this.failures = 0;
        countCache('stored', next.rows);
        return true;
      },
      (e: unknown) => {
        for (let i = 0; i < next.rows; i++)
          this.failed('setError', 'cache store set failed; served uncached', {
            store: this.store.kind,
            error: e,
          });
        return false;
      },
    );
    this.batch = next;
    return next.result;
  }

  private async setRemote(key: string, value: string, ttlMs: number): Promise<boolean> {
    const ok = (await this.run('set', () => this.store.set(key, value, ttlMs))).ok;
    if (ok) countCache('stored');
    return ok;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.run('delete', () => this.store.delete(key))).ok;
  }

  /** Logs a fault that was found outside a store call (a corrupt entry, a connection error). */
  fault(counter: CacheCounter, message: string, fields: Record<string, unknown> = {}): void {
    countCache(counter);
    this.warn(counter, message, fields);
  }

  private async run<T>(
    op: 'get' | 'set' | 'delete',
    fn: () => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false }> {
    if (this.openUntil > this.now()) {
      countCache('circuitOpen');
      return { ok: false };
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      // The memory and SQLite stores answer in-process (SQLite synchronously, its batched writes on the next
      // turn): no timer can cut them, so none is armed — a timer per store call was a cost of every cache miss.
      const value = IN_PROCESS.has(this.store.kind)
        ? await fn()
        : await Promise.race([
            fn(),
            new Promise<typeof TIMEOUT>((resolve) => {
              timer = setTimeout(() => resolve(TIMEOUT), this.opts.timeoutMs);
            }),
          ]);
      if (value === TIMEOUT) {
        this.failed(
          'timeout',
          `cache store ${op} took longer than ${this.opts.timeoutMs} ms; served uncached`,
          {
            store: this.store.kind,
          },
        );
        return { ok: false };
      }
      this.failures = 0;
      return { ok: true, value };
    } catch (e) {
      this.failed(op === 'get' ? 'getError' : 'setError', `cache store ${op} failed; served uncached`, {
        store: this.store.kind,
        error: e,
      });
      return { ok: false };
    } finally {
      clearTimeout(timer);
    }
  }

  private failed(counter: CacheCounter, message: string, fields: Record<string, unknown>): void {
    countCache(counter);
    if (++this.failures >= this.breakAfter) {
      this.openUntil = this.now() + this.cooldownMs;
      this.failures = 0;
    }
    this.warn(counter, message, fields);
  }

  private warn(kind: string, message: string, fields: Record<string, unknown>): void {
    const t = this.now();
    if ((this.lastWarn.get(kind) ?? -Infinity) + this.warnEveryMs > t) return;
    this.lastWarn.set(kind, t);
    this.opts.logger.warn(message, fields);
  }
}
