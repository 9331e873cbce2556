/**
 * The budget / rate-limit counter store: one interface, implemented by SQLite (embedded default) and Redis
 * (shared by instances), both checked by counter-store.contract.ts. Amounts are plain safe integers in the
 * caller's unit (budgets count nanodollars, rate limits count requests or tokens).
 *
 * `reserve` is the one atomic step the budget promise rests on: for every line it checks
 * spent + reserved + amount ≤ limit and, only when every line fits, adds the amount to each line's
 * reserved total (a SQLite IMMEDIATE transaction; a Redis Lua script). `settle` replaces a reservation by
 * the actual amount. Reservations carry a TTL: one left by a crashed instance is released by the next
 * operation that touches its counter. Time comes from the store (Redis TIME), never from the instance.
 */

export type WindowSpec =
  | { kind: 'total' }
  /** A calendar or minute window [startsAt, endsAt), ms since epoch. */
  | { kind: 'fixed'; startsAt: number; endsAt: number }
  | { kind: 'rolling'; lengthMs: number; bucketMs: number };

export interface CounterLine {
  /** Unique counter name, including the window id for fixed windows. */
  key: string;
  window: WindowSpec;
}

export interface ReserveLine extends CounterLine {
  amount: number;
  /** null: track only, never refuse. */
  limit: number | null;
}

export interface SettleLine extends CounterLine {
  /** The actual amount (0 releases the reservation without spending). */
  actual: number;
}

export interface Settlement {
  id: string;
  lines: readonly SettleLine[];
}

/**
 * One counter of a lease (see `CounterStore.lease`): an allowance a gateway holds on a counter under its
 * holder id, plus the spend it settled against it.
 */
export interface LeaseLine extends CounterLine {
  /**
   * Everything this holder has settled on the counter so far (cumulative): the store books only the part it
   * has not booked yet, so a lease call retried after a lost reply never books spend twice.
   */
  spentTotal: number;
  /**
   * Which count `spentTotal` belongs to. A holder that forgets a counter (allowance given back, every settlement
   * written) starts counting from 0 again under a new epoch; the store then books that new total in full
   * instead of subtracting what it booked under the earlier epoch (which would swallow the new spend).
   * Within one epoch a retried call books nothing twice.
   */
  epoch: number;
  /** Always held afterwards (it covers the holder's calls in flight); the caller never asks more than it held. */
  keep: number;
  /** At most this is held afterwards; the store grants the largest amount in [keep, want] that fits the limit. */
  want: number;
  /** null: track only, never refuse. */
  limit: number | null;
}

export interface LeaseGrant extends CounterSnapshot {
  /** What the holder now holds on the counter (counted in `reserved`). */
  held: number;
  /** The line wanted more than it keeps, but its fixed window does not contain the store's time. */
  clock: boolean;
}

export interface CounterSnapshot {
  spent: number;
  reserved: number;
  /** When spend next drops (end of a fixed window; oldest bucket leaving a rolling one); null for total. */
  resetAt: number | null;
}

export type ReserveResult =
  | { ok: true; now: number; lines: CounterSnapshot[] }
  /** Line `index` does not fit; nothing was reserved. */
  | { ok: false; reason: 'over'; now: number; index: number; snapshot: CounterSnapshot }
  /** A fixed window does not contain the store's time: the caller's clock is off; resync and retry. */
  | { ok: false; reason: 'clock'; now: number; index: number };

export interface CounterStore {
  readonly kind: 'sqlite' | 'redis';
  /** The store's clock, ms since epoch. */
  now(): Promise<number>;
  /** Idempotent per `id`: retrying a reservation whose reply was lost does not hold it twice. */
  reserve(id: string, lines: readonly ReserveLine[], ttlMs: number): Promise<ReserveResult>;
  /** Replaces reservation `id` on each line by its actual amount; a reservation already expired just adds spend. */
  settle(id: string, lines: readonly SettleLine[]): Promise<CounterSnapshot[]>;
  /**
   * Settles many reservations in one store operation (one Lua script, one transaction); the same as calling
   * `settle` for each in order. Returns each settlement's snapshots.
   */
  settleMany(batch: readonly Settlement[]): Promise<CounterSnapshot[][]>;
  /**
   * Adjusts the allowance `holder` leases on each line, in one atomic step per call: books the spend the
   * holder settled since its last lease call (from `spentTotal`), then holds the largest amount in
   * [keep, want] for which spent + reserved ≤ limit (at least `keep`), with
   * a TTL like a reservation's. Lines are independent (no all-or-nothing). A lease is a reservation under the
   * holder's id: it is released by expiry and counted in `reserved`.
   */
  lease(
    holder: string,
    lines: readonly LeaseLine[],
    ttlMs: number,
  ): Promise<{ now: number; lines: LeaseGrant[] }>;
  read(lines: readonly CounterLine[]): Promise<CounterSnapshot[]>;
  /** Every live counter whose key starts with `prefix` (for lists, the dashboard and metrics). */
  scan(prefix: string, limit?: number): Promise<Array<{ key: string; snapshot: CounterSnapshot }>>;
  /** True the first time `key` is marked within `ttlMs` (alert de-duplication across instances). */
  once(key: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The reset time of a counter given its window and the buckets it holds. */
export function resetOf(window: WindowSpec, oldestBucket: number | null, now: number): number | null {
  if (window.kind === 'total') return null;
  if (window.kind === 'fixed') return window.endsAt;
  if (oldestBucket === null) return now;
  return oldestBucket + window.bucketMs + window.lengthMs;
}

/** The bucket a rolling window books spend made at `now` into (fixed and total windows use bucket 0). */
export function bucketOf(window: WindowSpec, now: number): number {
  return window.kind === 'rolling' ? Math.floor(now / window.bucketMs) * window.bucketMs : 0;
}

/** Whether a bucket still counts at `now` (any part of it inside the window). */
export function bucketCounts(window: WindowSpec, bucket: number, now: number): boolean {
  return window.kind !== 'rolling' || bucket + window.bucketMs > now - window.lengthMs;
}

/** When a counter's data may be dropped. */
export function expiryOf(window: WindowSpec, now: number, ttlMs: number): number | null {
  if (window.kind === 'total') return null;
  if (window.kind === 'fixed') return Math.max(window.endsAt, now + ttlMs) + 60_000;
  return now + window.lengthMs + window.bucketMs + ttlMs;
}

/** What a lease line holds: the largest amount in [keep, want] that fits the limit, at least keep. */
export function leaseGrant(line: LeaseLine, spent: number, others: number, clock: boolean): number {
  const want = clock ? line.keep : Math.max(line.keep, line.want);
  if (line.limit === null) return want;
  return Math.max(line.keep, Math.min(want, line.limit - spent - others));
}
