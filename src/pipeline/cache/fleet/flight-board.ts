/**
 * Cross-instance in-flight de-duplication: a lease per cache key that one gateway instance holds while it
 * makes the upstream call, and a place where it publishes the answer for the instances that waited.
 * The leader renews its lease while its call runs; a leader that dies stops renewing, the lease expires
 * after `leaseMs`, and the waiting followers make their own calls. A follower waits for a notification
 * (pub/sub) and also polls, so a lost notification costs at most `pollMs`. One interface, two backends:
 * memory (one process, for tests) and Redis (a fleet); both pass flight-board.contract.ts.
 */
import { randomBytes } from 'node:crypto';

/** What a backend must provide; the waiting and renewal logic is shared (FlightBoard). */
export interface FlightBoardBackend {
  readonly kind: 'memory' | 'redis';
  /** Takes the lease when free (SET NX PX). */
  acquire(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Extends the lease if `token` still holds it. */
  renew(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Stores the result (when not null), frees the lease if `token` holds it, and notifies the waiters. */
  finish(key: string, token: string, result: string | null, resultTtlMs: number): Promise<void>;
  /** The published result (null when none) and whether a lease is held. */
  peek(key: string): Promise<{ result: string | null; leased: boolean }>;
  /** Calls `fn` with the key of every finished flight (best effort). */
  subscribe(fn: (key: string) => void): () => void;
  close(): Promise<void>;
}

export interface FlightBoardOptions {
  /** Lease lifetime; renewed every third of it while the leader runs. Default 5000 ms. */
  leaseMs?: number;
  /** How long a published result stays readable for followers. Default 30 s. */
  resultTtlMs?: number;
  /** Followers re-check the lease and result this often (in case a notification is lost). Default 200 ms. */
  pollMs?: number;
}

export interface Lease {
  /** Publishes the answer (null: the call failed, followers make their own) and frees the lease. */
  release(result: string | null): Promise<void>;
  /** Stops renewing without releasing (as if this instance died): the lease lapses after `leaseMs`. */
  abandon(): void;
}

export class FlightBoard {
  readonly leaseMs: number;
  private readonly resultTtlMs: number;
  private readonly pollMs: number;

  constructor(
    readonly backend: FlightBoardBackend,
    opts: FlightBoardOptions = {},
  ) {
    this.leaseMs = opts.leaseMs ?? 5000;
    this.resultTtlMs = opts.resultTtlMs ?? 30_000;
    this.pollMs = opts.pollMs ?? 200;
  }

  get kind(): 'memory' | 'redis' {
    return this.backend.kind;
  }

  /** The lease on `key`, or null when another instance holds it. Throws when the backend fails. */
  async lead(key: string): Promise<Lease | null> {
    const token = randomBytes(12).toString('base64url');
    if (!(await this.backend.acquire(key, token, this.leaseMs))) return null;
    const timer = setInterval(
      () => {
        this.backend.renew(key, token, this.leaseMs).catch(() => {
          // A failed renewal may let the lease lapse: followers then call upstream themselves.
        });
      },
      Math.max(10, Math.floor(this.leaseMs / 3)),
    );
    timer.unref();
    let done = false;
    return {
      release: async (result) => {
        if (done) return;
        done = true;
        clearInterval(timer);
        await this.backend.finish(key, token, result, this.resultTtlMs);
      },
      abandon: () => {
        done = true;
        clearInterval(timer);
      },
    };
  }

  /**
   * Waits for the leader of `key`: its published result, or null when the lease ended without one (the
   * leader failed or died), `signal` aborted, `maxWaitMs` passed, or the backend failed three times running.
   */
  async wait(key: string, signal: AbortSignal, maxWaitMs: number): Promise<string | null> {
    const deadline = Date.now() + maxWaitMs;
    let wake: (() => void) | undefined;
    const unsubscribe = this.backend.subscribe((k) => {
      if (k === key) wake?.();
    });
    let faults = 0;
    try {
      for (;;) {
        let peeked: { result: string | null; leased: boolean };
        try {
          peeked = await this.backend.peek(key);
          faults = 0;
        } catch (e) {
          // One slow or failed read is retried at the next poll; three in a row end the wait.
          if (++faults >= 3) throw e;
          peeked = { result: null, leased: true };
        }
        const { result, leased } = peeked;
        if (result !== null) return result;
        if (!leased || signal.aborted) return null;
        const left = deadline - Date.now();
        if (left <= 0) return null;
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, Math.min(this.pollMs, left));
          function done() {
            clearTimeout(t);
            signal.removeEventListener('abort', done);
            wake = undefined;
            resolve();
          }
          wake = done;
          signal.addEventListener('abort', done, { once: true });
        });
      }
    } catch {
      return null;
    } finally {
      unsubscribe();
    }
  }

  close(): Promise<void> {
    return this.backend.close();
  }
}
