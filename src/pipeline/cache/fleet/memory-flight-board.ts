/** The in-process flight board backend: leases and results in maps with expiry times (tests, one process). */
import type { FlightBoardBackend } from './flight-board.js';

export class MemoryFlightBoard implements FlightBoardBackend {
  readonly kind = 'memory' as const;
  private readonly leases = new Map<string, { token: string; expiresAt: number }>();
  private readonly results = new Map<string, { value: string; expiresAt: number }>();
  private readonly listeners = new Set<(key: string) => void>();

  constructor(private readonly now: () => number = Date.now) {}

  async acquire(key: string, token: string, ttlMs: number): Promise<boolean> {
    if (this.lease(key)) return false;
    this.leases.set(key, { token, expiresAt: this.now() + ttlMs });
    return true;
  }

  async renew(key: string, token: string, ttlMs: number): Promise<boolean> {
    const l = this.lease(key);
    if (l?.token !== token) return false;
    l.expiresAt = this.now() + ttlMs;
    return true;
  }

  async finish(key: string, token: string, result: string | null, resultTtlMs: number): Promise<void> {
    if (result !== null) this.results.set(key, { value: result, expiresAt: this.now() + resultTtlMs });
    if (this.lease(key)?.token === token) this.leases.delete(key);
    for (const fn of this.listeners) fn(key);
  }

  async peek(key: string): Promise<{ result: string | null; leased: boolean }> {
    const r = this.results.get(key);
    if (r && r.expiresAt <= this.now()) this.results.delete(key);
    return { result: r && r.expiresAt > this.now() ? r.value : null, leased: this.lease(key) !== undefined };
  }

  subscribe(fn: (key: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async close(): Promise<void> {
    this.listeners.clear();
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
