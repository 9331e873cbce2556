/**
 * The in-process flight board backend: leases, results, watch flags and stream logs in maps with expiry
 * times (tests, one process).
 */
import { type FlightBoardBackend, type StreamLogReader, type StreamOp, logName } from './flight-board.js';

export class MemoryFlightBoard implements FlightBoardBackend {
  readonly kind = 'memory' as const;
  private readonly leases = new Map<string, { token: string; expiresAt: number }>();
  private readonly results = new Map<string, { value: string; expiresAt: number }>();
  private readonly listeners = new Set<(key: string) => void>();
  private readonly watchListeners = new Set<(key: string) => void>();
  private readonly watches = new Map<string, number>();
  private readonly logs = new Map<string, { ops: StreamOp[]; expiresAt: number }>();
  private readonly appended = new Set<() => void>();

  constructor(private readonly now: () => number = Date.now) {}

  async acquire(key: string, token: string, ttlMs: number): Promise<boolean> {
    if (this.lease(key)) return false;
    this.leases.set(key, { token, expiresAt: this.now() + ttlMs });
    return true;
  }

  async renew(key: string, token: string, ttlMs: number): Promise<0 | 1 | 2> {
    const l = this.lease(key);
    if (l?.token !== token) return 0;
    l.expiresAt = this.now() + ttlMs;
    return this.watched(key) ? 2 : 1;
  }

  async finish(key: string, token: string, result: string | null, resultTtlMs: number): Promise<void> {
    if (result !== null) this.results.set(key, { value: result, expiresAt: this.now() + resultTtlMs });
    if (this.lease(key)?.token === token) this.leases.delete(key);
    if (this.watched(key)) {
      this.watches.delete(key);
      await this.append(logName(key, token), [{ t: 'finished' }], resultTtlMs);
    }
    for (const fn of this.listeners) fn(key);
  }

  async watch(key: string, ttlMs: number): Promise<void> {
    this.watches.set(key, this.now() + ttlMs);
    for (const fn of this.watchListeners) fn(key);
  }

  subscribeWatch(fn: (key: string) => void): () => void {
    this.watchListeners.add(fn);
    return () => this.watchListeners.delete(fn);
  }

  async append(key: string, ops: readonly StreamOp[], ttlMs: number): Promise<void> {
    let log = this.logs.get(key);
    if (!log || log.expiresAt <= this.now()) {
      log = { ops: [], expiresAt: 0 };
      this.logs.set(key, log);
    }
    log.ops.push(...ops);
    log.expiresAt = this.now() + ttlMs;
    for (const fn of [...this.appended]) fn();
  }

  reader(): StreamLogReader {
    let closed = false;
    let wake: (() => void) | undefined;
    return {
      read: async (key, after, blockMs) => {
        if (closed) throw new Error('stream reader closed');
        const from = after === '0' ? 0 : Number(after);
        const take = () => {
          const log = this.logs.get(key);
          const ops = log && log.expiresAt > this.now() ? log.ops : [];
          return ops.slice(from).map((op, i) => ({ id: String(from + i + 1), op }));
        };
        let got = take();
        if (got.length) return got;
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(t);
            this.appended.delete(done);
            wake = undefined;
            resolve();
          };
          const t = setTimeout(done, blockMs);
          this.appended.add(done);
          wake = done;
        });
        if (closed) throw new Error('stream reader closed');
        got = take();
        return got;
      },
      close: () => {
        closed = true;
        wake?.();
      },
    };
  }

  async peek(key: string): Promise<{ result: string | null; leased: boolean; holder: string | null }> {
    const r = this.results.get(key);
    if (r && r.expiresAt <= this.now()) this.results.delete(key);
    const l = this.lease(key);
    return {
      result: r && r.expiresAt > this.now() ? r.value : null,
      leased: l !== undefined,
      holder: l?.token ?? null,
    };
  }

  subscribe(fn: (key: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.watchListeners.clear();
  }

  private watched(key: string): boolean {
    const w = this.watches.get(key);
    if (w !== undefined && w <= this.now()) this.watches.delete(key);
    return w !== undefined && w > this.now();
  }

  private lease(key: string) {
    const l = this.leases.get(key);
    if (l && l.expiresAt <= this.now()) {
      this.leases.delete(key);
      return undefined;
    }
    return l;
  }
}
