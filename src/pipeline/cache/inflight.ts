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
    else signal.addEventListener('abort', leave, { once: true });
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

export class InflightRegistry {
  private readonly flights = new Map<string, Flight>();

  get size(): number {
    return this.flights.size;
  }

  /** A flight that a new identical request may join, if any. */
  find(key: string): Flight | undefined {
    const f = this.flights.get(key);
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
    this.flights.set(key, flight);
    return flight;
  }

  finish(key: string, flight: Flight, result: FlightResult): void {
    if (this.flights.get(key) === flight) this.flights.delete(key);
    flight.settle(result);
  }
}
