/**
 * In-flight de-duplication: identical cacheable requests that arrive while the first (the leader) is
 * still running share its one upstream call. The leader's sink is wrapped in a tee that records what it
 * writes, so a streaming follower of the same wire format gets every chunk — the ones written before it
 * attached are replayed first; other followers wait for the leader's complete answer and have it rendered
 * in their own dialect. The upstream call is aborted only when the leader AND every follower have gone.
 * Scope: one gateway process; with the Redis store, instances also share calls through fleet/flight-board.ts.
 */
import { CallAbort, type CallSignal } from '../../core/call-signal.js';
import type { Dialect } from '../../core/request.js';
import type { Money } from '../../core/money.js';
import type { Outcome, RequestContext, ResponseSink } from '../context.js';

export interface FlightResult {
  outcome: Outcome;
  /** What the leader's call cost (null when unpriced). */
  cost: Money | null;
}

export type SinkOp =
  | { type: 'start'; status: number; headers: Record<string, string> }
  | { type: 'write'; chunk: string | Buffer }
  | { type: 'end' };

export class Flight {
  readonly dialect: Dialect;
  readonly stream: boolean;
  readonly streamUsage: boolean | undefined;
  /**
   * Aborted once nobody (leader or follower) is waiting for the answer any more. A CallAbort, not an
   * AbortController: every plain miss leads a flight, and nothing downstream needs a real AbortSignal.
   */
  readonly controller = new CallAbort();
  followers = 0;
  // The promise and the listener set are made when a follower first asks: a flight nobody joins (every
  // plain miss) needs neither.
  private donePromise: Promise<FlightResult> | undefined;
  private resolveDone: ((r: FlightResult) => void) | undefined;
  private result: FlightResult | undefined;
  private readonly ops: SinkOp[] = [];
  private listeners: Set<(op: SinkOp) => void> | undefined;
  private participants = 0;
  private settled = false;
  /** The participants' signals and the listeners on them, removed once the flight settles (see `settle`). */
  private attached: Array<[CallSignal, () => void]> | undefined;

  constructor(leader: RequestContext) {
    this.dialect = leader.clientDialect;
    this.stream = leader.request.stream;
    this.streamUsage = leader.request.streamUsage;
  }

  /** Resolves with the leader's result once the flight settles. */
  get done(): Promise<FlightResult> {
    if (this.donePromise === undefined) {
      const result = this.result;
      this.donePromise =
        result !== undefined
          ? Promise.resolve(result)
          : new Promise((resolve) => {
              this.resolveDone = resolve;
            });
    }
    return this.donePromise;
  }

  get joinable(): boolean {
    return !this.settled && !this.controller.signal.aborted;
  }

  /** Whether a follower can take the leader's bytes as they are (same dialect, both streaming, same usage chunk). */
  canTee(ctx: RequestContext): boolean {
    return (
      this.stream &&
      ctx.request.stream &&
      ctx.clientDialect === this.dialect &&
      (this.dialect !== 'openai' || ctx.request.streamUsage === this.streamUsage)
    );
  }

  /** Counts a participant until its client goes away. */
  attach(signal: CallSignal): void {
    this.participants++;
    const leave = () => {
      if (--this.participants <= 0 && !this.settled) this.controller.abort();
    };
    if (signal.aborted) leave();
    else {
      signal.addEventListener('abort', leave, { once: true });
      this.attached ??= [];
      this.attached.push([signal, leave]);
    }
  }

  record(op: SinkOp): void {
    this.ops.push(op);
    if (this.listeners) for (const l of this.listeners) l(op);
  }

  /** Replays every recorded op to `fn`, then forwards new ones until `unsubscribe`. */
  subscribe(fn: (op: SinkOp) => void): () => void {
    for (const op of this.ops) fn(op);
    this.listeners ??= new Set();
    const listeners = this.listeners;
    listeners.add(fn);
    return () => listeners.delete(fn);
  }

  settle(result: FlightResult): void {
    if (this.settled) return;
    this.settled = true;
    this.result = result;
    // A participant leaving a settled flight aborts nothing: its listener goes, so a client's signal (which
    // outlives the call on a kept-alive connection) does not keep the flight and its answer reachable.
    if (this.attached !== undefined) {
      for (const [signal, leave] of this.attached) signal.removeEventListener('abort', leave);
      this.attached = undefined;
    }
    this.listeners?.clear();
    this.resolveDone?.(result);
  }
}

/** The leader's sink: writes through to its client (while connected) and records for followers. */
export class TeeSink implements ResponseSink {
  constructor(
    private readonly inner: ResponseSink,
    private readonly flight: Flight,
  ) {}

  /** Open while the flight runs, even if the leader's client left: followers may still join and need the bytes. */
  get closed(): boolean {
    return this.inner.closed && !this.flight.joinable;
  }

  json(status: number, headers: Record<string, string>, body: string | Buffer): void {
    if (!this.inner.closed) this.inner.json(status, headers, body);
  }

  startStream(status: number, headers: Record<string, string>): void {
    this.flight.record({ type: 'start', status, headers });
    if (!this.inner.closed) this.inner.startStream(status, headers);
  }

  write(chunk: string | Buffer): void {
    this.flight.record({ type: 'write', chunk });
    if (!this.inner.closed) this.inner.write(chunk);
  }

  end(): void {
    this.flight.record({ type: 'end' });
    if (!this.inner.closed) this.inner.end();
  }
}

/**
 * What the registry's map holds for a key: the flight until it finishes, then nothing. The map takes and
 * drops an entry per cache miss, so it rehashes into a new table every few dozen misses, and the tables it
 * leaves behind still point at what they held until the next mark-compact (V8's scavenges take every
 * old-to-young pointer as a root; core/in-flight-set.ts). Pointing at this holder, cleared when its flight
 * leaves the map, instead of at the flight, a stale table keeps no finished flight — nor the leader's whole
 * answer in its result — alive: the answers of plain misses were being promoted to the old generation
 * (the tactics row in process: 2.35 → 0.52 KB promoted per request, no tactics 0.44; BENCHMARKS.md round 9).
 */
interface FlightEntry {
  flight: Flight | undefined;
}

export class InflightRegistry {
  private readonly flights = new Map<string, FlightEntry>();

  get size(): number {
    return this.flights.size;
  }

  /** A flight that a new identical request may join, if any. */
  find(key: string): Flight | undefined {
    const f = this.flights.get(key)?.flight;
    return f?.joinable ? f : undefined;
  }

  /**
   * Makes `ctx` the leader of `key`: its sink becomes a tee and its abort signal the flight's, so the
   * upstream call lives as long as anyone waits for it. Call `finish` with the outcome.
   */
  lead(key: string, ctx: RequestContext): Flight {
    const flight = new Flight(ctx);
    flight.attach(ctx.signal);
    ctx.sink = new TeeSink(ctx.sink, flight);
    ctx.signal = flight.controller.signal;
    // A flight no longer joinable may still hold the key: the new one takes it (the old one still finishes).
    const had = this.flights.get(key);
    if (had !== undefined) had.flight = undefined;
    this.flights.set(key, { flight });
    return flight;
  }

  finish(key: string, flight: Flight, result: FlightResult): void {
    const entry = this.flights.get(key);
    if (entry !== undefined && entry.flight === flight) {
      entry.flight = undefined;
      this.flights.delete(key);
    }
    flight.settle(result);
  }
}
