/**
 * Cross-instance in-flight de-duplication: a lease per cache key that one gateway instance holds while it
 * makes the upstream call, and a place where it publishes the answer for the instances that waited.
 * The leader renews its lease while its call runs; a leader that dies stops renewing, the lease expires
 * after `leaseMs`, and the waiting followers make their own calls. A follower waits for a notification
 * (pub/sub) and also polls, so a lost notification costs at most `pollMs`. One interface, two backends:
 * memory (one process, for tests) and Redis (a fleet); both pass flight-board.contract.ts.
 * Streams: a follower whose client streams announces itself (`watch`); the leader then appends what it
 * writes to its own client — from the first byte, replayed — to a short-lived per-key log (a Redis stream),
 * which the follower reads as it grows (XREAD BLOCK), so its first byte does not wait for the whole answer.
 * The leader learns of a watcher by notification and, should that be lost, at its next lease renewal.
 */
import type { CallSignal } from '../../../core/call-signal.js';
import { randomBytes } from 'node:crypto';

/** What a backend must provide; the waiting and renewal logic is shared (FlightBoard). */
export interface FlightBoardBackend {
  readonly kind: 'memory' | 'redis';
  /** Takes the lease when free (SET NX PX). */
  acquire(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Extends the lease if `token` still holds it: 0 lost, 1 held, 2 held and a follower watches the stream. */
  renew(key: string, token: string, ttlMs: number): Promise<0 | 1 | 2>;
  /**
   * Stores the result (when not null), frees the lease if `token` holds it, and notifies the waiters;
   * when a follower watches, also appends the `finished` op to the key's stream log.
   */
  finish(key: string, token: string, result: string | null, resultTtlMs: number): Promise<void>;
  /** The published result (null when none), whether a lease is held, and by which token. */
  peek(key: string): Promise<{ result: string | null; leased: boolean; holder?: string | null }>;
  /** Calls `fn` with the key of every finished flight (best effort). */
  subscribe(fn: (key: string) => void): () => void;
  /** A follower asks the leader of `key` to log its stream (flag kept `ttlMs`; the leader is notified). */
  watch(key: string, ttlMs: number): Promise<void>;
  /** Calls `fn` with the key of every `watch` (best effort; renewals catch a lost one). */
  subscribeWatch(fn: (key: string) => void): () => void;
  /**
   * Settles once the notifications above are being received (Redis: the SUBSCRIBE is confirmed, or a short
   * wait passed). Absent when they are received from the start (memory).
   */
  subscribed?(): Promise<void>;
  /**
   * Appends ops to a stream log, which expires `ttlMs` after the last append. A flight's log is named
   * `logName(key, token)`: each flight of a key has its own, so a later flight never shows an earlier one's.
   */
  append(key: string, ops: readonly StreamOp[], ttlMs: number): Promise<void>;
  /** A reader of stream logs (Redis: the followers of a process share one blocking read and connection). */
  reader(): StreamLogReader;
  close(): Promise<void>;
}

/**
 * What a leader wrote to its client, as logged for followers on other instances: the stream's start (its
 * client's dialect and, for OpenAI, whether it asked for the usage chunk), each write, its end; and
 * `finished` once the leader has published its result (or its failure).
 */
export type StreamOp =
  | { t: 'start'; dialect: string; usage: boolean | null }
  | { t: 'write'; chunk: string }
  | { t: 'end' }
  | { t: 'finished' };

export interface StreamLogReader {
  /** Ops after `after` ('0' = from the start), waiting up to `blockMs` for one; [] when none came. */
  read(key: string, after: string, blockMs: number): Promise<Array<{ id: string; op: StreamOp }>>;
  close(): void;
}

/** The stream log of the flight of `key` led under lease `token`. */
export function logName(key: string, token: string): string {
  return `${key}#${token}`;
}

/** How a streaming follower's wait ended (see `FlightBoard.follow`). */
export interface FollowResult {
  /** The leader's published result; null when it failed, died, or the wait ended first. */
  result: string | null;
  /** The leader's `end` op was read (its whole stream was forwarded). */
  ended: boolean;
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
  /** Calls `fn` once, when a follower on another instance first watches this flight's stream. */
  onWatched(fn: () => void): void;
  /** Appends ops to the stream log (batched per event-loop turn; in order; `release` waits for them). */
  log(op: StreamOp): void;
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
    // Subscribed before the lease is taken, so a follower's notification cannot come before we listen.
    let watched: (() => void) | undefined;
    let seen = false;
    const watch = () => {
      if (seen) return;
      seen = true;
      unwatch();
      watched?.();
    };
    const unwatch = this.backend.subscribeWatch((k) => {
      if (k === key) watch();
    });
    // The first flight of a process waits for the subscription itself; otherwise a follower's notification
    // sent before it is confirmed would be lost and seen only at the first renewal (leaseMs / 3 later).
    if (this.backend.subscribed) await this.backend.subscribed();
    let acquired = false;
    try {
      acquired = await this.backend.acquire(key, token, this.leaseMs);
    } finally {
      if (!acquired) unwatch();
    }
    if (!acquired) return null;
    let done = false;
    const timer = setInterval(
      () => {
        this.backend.renew(key, token, this.leaseMs).then(
          (r) => {
            if (r === 2 && !done) watch();
          },
          () => {
            // A failed renewal may let the lease lapse: followers then call upstream themselves.
          },
        );
      },
      Math.max(10, Math.floor(this.leaseMs / 3)),
    );
    timer.unref();
    let queue: StreamOp[] = [];
    let flushing: Promise<void> = Promise.resolve();
    const flush = () => {
      const ops = queue;
      queue = [];
      flushing = flushing.then(() =>
        this.backend.append(logName(key, token), ops, this.resultTtlMs).catch(() => {
          // A lost append: the follower's stream stalls and ends with an error, or it gets the result.
        }),
      );
    };
    const stop = () => {
      done = true;
      clearInterval(timer);
      unwatch();
    };
    return {
      release: async (result) => {
        if (done) return;
        stop();
        if (queue.length) flush();
        await flushing;
        await this.backend.finish(key, token, result, this.resultTtlMs);
      },
      abandon: stop,
      onWatched: (fn) => {
        watched = fn;
        if (seen) fn();
      },
      log: (op) => {
        if (done) return;
        queue.push(op);
        if (queue.length === 1) setImmediate(flush);
      },
    };
  }

  /**
   * A streaming follower's wait for the leader of `key`: asks it to log its stream and hands each op to
   * `onOp` as it arrives (the `finished` op is not passed on), until the leader publishes its result, the
   * lease ends without one (the leader failed or died: `leaseMs` after its last renewal), `signal` aborts,
   * `maxWaitMs` passes, or the backend fails three times running.
   */
  async follow(
    key: string,
    signal: CallSignal,
    maxWaitMs: number,
    onOp: (op: StreamOp) => void,
  ): Promise<FollowResult> {
    const deadline = Date.now() + maxWaitMs;
    const watchTtl = Math.max(this.leaseMs * 2, this.resultTtlMs);
    let ended = false;
    // The flight to follow is the one whose lease is held now; its log is named by its token.
    const first = await this.backend.peek(key);
    if (first.result !== null) return { result: first.result, ended };
    if (!first.leased || !first.holder) return { result: null, ended };
    const holder = first.holder;
    const log = logName(key, holder);
    await this.backend.watch(key, watchTtl);
    let watchedAt = Date.now();
    const reader = this.backend.reader();
    const abort = () => reader.close();
    signal.addEventListener('abort', abort, { once: true });
    let after = '0';
    let faults = 0;
    let finished = false;
    /** Hands `ops` on to `onOp`, noting the `end` and the leader's `finished` (not handed on). */
    const take = (ops: Array<{ id: string; op: StreamOp }>) => {
      for (const { id, op } of ops) {
        after = id;
        if (op.t === 'finished') finished = true;
        else {
          if (op.t === 'end') ended = true;
          onOp(op);
        }
      }
    };
    try {
      for (;;) {
        if (signal.aborted) return { result: null, ended };
        const left = deadline - Date.now();
        if (left <= 0) return { result: null, ended };
        let got = 0;
        try {
          const ops = await reader.read(log, after, Math.max(1, Math.min(this.pollMs, left)));
          faults = 0;
          got = ops.length;
          take(ops);
        } catch (e) {
          if (signal.aborted) return { result: null, ended };
          if (++faults >= 3) throw e;
        }
        // Nothing new for a while, or the leader is done: is there a result, is the lease still held?
        if (got === 0 || finished) {
          const { result, leased, holder: now } = await this.backend.peek(key);
          // A result, no lease, or another flight's (this one's lapsed and someone else leads now): it is over.
          if (result !== null || !leased || finished || now !== holder) {
            // What the leader logged before its lease ended is in the log: read the rest first.
            while (!finished && !signal.aborted) {
              const ops = await reader.read(log, after, 1).catch(() => []);
              if (ops.length === 0) break;
              take(ops);
            }
            return { result, ended };
          }
          if (Date.now() - watchedAt > watchTtl / 2) {
            await this.backend.watch(key, watchTtl);
            watchedAt = Date.now();
          }
        }
      }
    } finally {
      signal.removeEventListener('abort', abort);
      reader.close();
    }
  }

  /**
   * Waits for the leader of `key`: its published result, or null when the lease ended without one (the
   * leader failed or died), `signal` aborted, `maxWaitMs` passed, or the backend failed three times running.
   */
  async wait(key: string, signal: CallSignal, maxWaitMs: number): Promise<string | null> {
    const deadline = Date.now() + maxWaitMs;
    let wake: (() => void) | undefined;
    const unsubscribe = this.backend.subscribe((k) => {
      if (k === key) wake?.();
    });
    let faults = 0;
    try {
      for (;;) {
        let peeked: { result: string | null; leased: boolean; holder?: string | null };
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
