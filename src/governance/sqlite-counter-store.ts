/**
 * The embedded counter store: SQLite (better-sqlite3, WAL). Each reserve/settle is one IMMEDIATE
 * transaction, so gateways on one machine sharing the file (and `penny budgets list` reading it) see one
 * consistent set of counters. Expired reservations are released inside the same transaction that reads the
 * counter; expired counters are pruned every few hundred writes.
 */
import type Database from 'better-sqlite3';
import {
  type CounterLine,
  type CounterSnapshot,
  type CounterStore,
  type LeaseGrant,
  type LeaseLine,
  type ReserveLine,
  type ReserveResult,
  type SettleLine,
  type Settlement,
  type WindowSpec,
  bucketOf,
  leaseGrant,
  expiryOf,
  resetOf,
} from './counter-store.js';
import { openGovernanceDb } from './sqlite-db.js';

export interface SqliteCounterStoreOptions {
  now?: () => number;
  pruneEvery?: number;
}

type Stmt<P extends unknown[], R = unknown> = Database.Statement<P, R>;

export class SqliteCounterStore implements CounterStore {
  readonly kind = 'sqlite' as const;
  private readonly clock: () => number;
  private readonly pruneEvery: number;
  private writes = 0;
  private readonly s: {
    expiredRes: Stmt<[string, number], { total: number | null }>;
    deleteExpiredRes: Stmt<[string, number]>;
    counter: Stmt<[string], { reserved: number }>;
    upsertCounter: Stmt<[{ key: string; kind: string; a: number; b: number; exp: number | null }]>;
    addReserved: Stmt<[number, string]>;
    spentAll: Stmt<[string], { total: number | null; oldest: number | null }>;
    spentSince: Stmt<[string, number], { total: number | null; oldest: number | null }>;
    addSpent: Stmt<[string, number, number]>;
    insertRes: Stmt<[string, string, number, number]>;
    takeRes: Stmt<[string, string], { amount: number }>;
    deleteRes: Stmt<[string, string]>;
    dropOldBuckets: Stmt<[string, number]>;
    scan: Stmt<[string, string, number], { key: string; kind: string; a: number; b: number }>;
    onceGet: Stmt<[string], { expires_at: number }>;
    onceSet: Stmt<[string, number]>;
    pruneCounters: Stmt<[number]>;
    pruneSpent: Stmt<[]>;
    pruneRes: Stmt<[]>;
    pruneOnce: Stmt<[number]>;
    leaseSpent: Stmt<[string, string], { total: number; epoch: number | null }>;
    setLeaseSpent: Stmt<[string, string, number, number]>;
    pruneLeaseSpent: Stmt<[]>;
  };

  constructor(
    readonly db: Database.Database,
    opts: SqliteCounterStoreOptions = {},
  ) {
    this.clock = opts.now ?? Date.now;
    this.pruneEvery = opts.pruneEvery ?? 500;
    db.exec(`
      CREATE TABLE IF NOT EXISTS gov_counters (
        key TEXT PRIMARY KEY, reserved INTEGER NOT NULL DEFAULT 0,
        kind TEXT NOT NULL, a INTEGER NOT NULL DEFAULT 0, b INTEGER NOT NULL DEFAULT 0, expires_at INTEGER);
      CREATE TABLE IF NOT EXISTS gov_spent (
        key TEXT NOT NULL, bucket INTEGER NOT NULL, amount INTEGER NOT NULL, PRIMARY KEY (key, bucket)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS gov_reservations (
        key TEXT NOT NULL, id TEXT NOT NULL, amount INTEGER NOT NULL, expires_at INTEGER NOT NULL,
        PRIMARY KEY (key, id)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS gov_reservations_expiry ON gov_reservations (key, expires_at);
      CREATE TABLE IF NOT EXISTS gov_once (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS gov_lease_spent (
        key TEXT NOT NULL, holder TEXT NOT NULL, total INTEGER NOT NULL, epoch INTEGER,
        PRIMARY KEY (key, holder)) WITHOUT ROWID;
    `);
    // Files made before LeaseLine.epoch: the column is added; their rows (NULL) count as the current epoch.
    // Another process opening the same file may add it first: that "duplicate column" is not an error.
    const cols = db.prepare('PRAGMA table_info(gov_lease_spent)').all() as Array<{ name: string }>;
    if (!cols.some((c) => c.name === 'epoch'))
      try {
        db.exec('ALTER TABLE gov_lease_spent ADD COLUMN epoch INTEGER');
      } catch (e) {
        if (!String((e as Error).message).includes('duplicate column')) throw e;
      }
    this.s = {
      expiredRes: db.prepare(
        'SELECT sum(amount) AS total FROM gov_reservations WHERE key = ? AND expires_at <= ?',
      ),
      deleteExpiredRes: db.prepare('DELETE FROM gov_reservations WHERE key = ? AND expires_at <= ?'),
      counter: db.prepare('SELECT reserved FROM gov_counters WHERE key = ?'),
      upsertCounter: db.prepare(
        `INSERT INTO gov_counters (key, kind, a, b, expires_at) VALUES (@key, @kind, @a, @b, @exp)
         ON CONFLICT(key) DO UPDATE SET kind = @kind, a = @a, b = @b, expires_at = CASE WHEN @exp IS NULL THEN NULL
           ELSE max(coalesce(gov_counters.expires_at, 0), @exp) END`,
      ),
      addReserved: db.prepare('UPDATE gov_counters SET reserved = max(0, reserved + ?) WHERE key = ?'),
      spentAll: db.prepare(
        'SELECT sum(amount) AS total, min(bucket) AS oldest FROM gov_spent WHERE key = ? AND amount > 0',
      ),
      spentSince: db.prepare(
        'SELECT sum(amount) AS total, min(bucket) AS oldest FROM gov_spent WHERE key = ? AND bucket > ? AND amount > 0',
      ),
      addSpent: db.prepare(
        `INSERT INTO gov_spent (key, bucket, amount) VALUES (?, ?, ?)
         ON CONFLICT(key, bucket) DO UPDATE SET amount = amount + excluded.amount`,
      ),
      insertRes: db.prepare(
        'INSERT OR REPLACE INTO gov_reservations (key, id, amount, expires_at) VALUES (?, ?, ?, ?)',
      ),
      takeRes: db.prepare('SELECT amount FROM gov_reservations WHERE key = ? AND id = ?'),
      deleteRes: db.prepare('DELETE FROM gov_reservations WHERE key = ? AND id = ?'),
      dropOldBuckets: db.prepare('DELETE FROM gov_spent WHERE key = ? AND bucket <= ? AND bucket <> 0'),
      scan: db.prepare(
        'SELECT key, kind, a, b FROM gov_counters WHERE key >= ? AND key < ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY key LIMIT 10000',
      ),
      onceGet: db.prepare('SELECT expires_at FROM gov_once WHERE key = ?'),
      onceSet: db.prepare('INSERT OR REPLACE INTO gov_once (key, expires_at) VALUES (?, ?)'),
      pruneCounters: db.prepare('DELETE FROM gov_counters WHERE expires_at IS NOT NULL AND expires_at <= ?'),
      pruneSpent: db.prepare('DELETE FROM gov_spent WHERE key NOT IN (SELECT key FROM gov_counters)'),
      pruneRes: db.prepare('DELETE FROM gov_reservations WHERE key NOT IN (SELECT key FROM gov_counters)'),
      pruneOnce: db.prepare('DELETE FROM gov_once WHERE expires_at <= ?'),
      leaseSpent: db.prepare('SELECT total, epoch FROM gov_lease_spent WHERE key = ? AND holder = ?'),
      setLeaseSpent: db.prepare(
        'INSERT OR REPLACE INTO gov_lease_spent (key, holder, total, epoch) VALUES (?, ?, ?, ?)',
      ),
      pruneLeaseSpent: db.prepare(
        'DELETE FROM gov_lease_spent WHERE key NOT IN (SELECT key FROM gov_counters)',
      ),
    };
  }

  static open(path: string, opts: SqliteCounterStoreOptions = {}): SqliteCounterStore {
    return new SqliteCounterStore(openGovernanceDb(path), opts);
  }

  async now(): Promise<number> {
    return this.clock();
  }

  async reserve(id: string, lines: readonly ReserveLine[], ttlMs: number): Promise<ReserveResult> {
    const run = this.db.transaction((): ReserveResult => {
      const now = this.clock();
      const snaps: CounterSnapshot[] = [];
      const amounts: number[] = [];
      for (const [index, line] of lines.entries()) {
        if (line.window.kind === 'fixed' && (now < line.window.startsAt || now >= line.window.endsAt))
          return { ok: false, reason: 'clock', now, index };
        const snap = this.snapshot(line, now);
        // A retried reservation (same id) is already held: it is not added twice.
        const amount = this.s.takeRes.get(line.key, id) ? 0 : line.amount;
        if (line.limit !== null && snap.spent + snap.reserved + amount > line.limit)
          return { ok: false, reason: 'over', now, index, snapshot: snap };
        snaps.push(snap);
        amounts.push(amount);
      }
      for (const [i, line] of lines.entries()) {
        this.ensure(line, now, ttlMs);
        const amount = amounts[i]!;
        if (amount > 0) {
          this.s.addReserved.run(amount, line.key);
          this.s.insertRes.run(line.key, id, amount, now + ttlMs);
        }
        snaps[i]!.reserved += amount;
      }
      return { ok: true, now, lines: snaps };
    });
    const r = run.immediate();
    this.maybePrune();
    return r;
  }

  async settle(id: string, lines: readonly SettleLine[]): Promise<CounterSnapshot[]> {
    return (await this.settleMany([{ id, lines }]))[0]!;
  }

  async settleMany(batch: readonly Settlement[]): Promise<CounterSnapshot[][]> {
    const run = this.db.transaction((): CounterSnapshot[][] => {
      const now = this.clock();
      return batch.map(({ id, lines }) => {
        const out: CounterSnapshot[] = [];
        for (const line of lines) {
          this.ensure(line, now, 0);
          this.purge(line.key, now);
          const held = this.s.takeRes.get(line.key, id);
          if (held) {
            this.s.deleteRes.run(line.key, id);
            this.s.addReserved.run(-held.amount, line.key);
          }
          if (line.actual > 0) this.s.addSpent.run(line.key, bucketOf(line.window, now), line.actual);
          out.push(this.snapshot(line, now));
        }
        return out;
      });
    });
    const r = run.immediate();
    this.maybePrune();
    return r;
  }

  async lease(
    holder: string,
    lines: readonly LeaseLine[],
    ttlMs: number,
  ): Promise<{ now: number; lines: LeaseGrant[] }> {
    const run = this.db.transaction(() => {
      const now = this.clock();
      const out = lines.map((line): LeaseGrant => {
        this.ensure(line, now, ttlMs);
        this.purge(line.key, now);
        // What this holder booked under the line's epoch (another epoch's total is an earlier count).
        const row = this.s.leaseSpent.get(line.key, holder);
        const booked = row && (row.epoch === null || row.epoch === line.epoch) ? row.total : 0;
        if (line.spentTotal > booked) {
          this.s.addSpent.run(line.key, bucketOf(line.window, now), line.spentTotal - booked);
          this.s.setLeaseSpent.run(line.key, holder, line.spentTotal, line.epoch);
        }
        const old = this.s.takeRes.get(line.key, holder)?.amount ?? 0;
        const snap = this.snapshot(line, now);
        const clock =
          line.want > line.keep &&
          line.window.kind === 'fixed' &&
          (now < line.window.startsAt || now >= line.window.endsAt);
        const held = leaseGrant(line, snap.spent, snap.reserved - old, clock);
        if (held !== old) this.s.addReserved.run(held - old, line.key);
        if (held > 0) this.s.insertRes.run(line.key, holder, held, now + ttlMs);
        else if (old > 0) this.s.deleteRes.run(line.key, holder);
        return { ...snap, reserved: snap.reserved - old + held, held, clock };
      });
      return { now, lines: out };
    });
    const r = run.immediate();
    this.maybePrune();
    return r;
  }

  async read(lines: readonly CounterLine[]): Promise<CounterSnapshot[]> {
    const run = this.db.transaction(() => {
      const now = this.clock();
      return lines.map((l) => this.snapshot(l, now));
    });
    return run.immediate();
  }

  async scan(prefix: string, limit = 1000): Promise<Array<{ key: string; snapshot: CounterSnapshot }>> {
    const now = this.clock();
    const rows = this.s.scan.all(prefix, `${prefix}\uffff`, now).slice(0, limit);
    return rows.map((r) => ({
      key: r.key,
      snapshot: this.snapshot({ key: r.key, window: toWindow(r) }, now),
    }));
  }

  async once(key: string, ttlMs: number): Promise<boolean> {
    const run = this.db.transaction(() => {
      const now = this.clock();
      const row = this.s.onceGet.get(key);
      if (row && row.expires_at > now) return false;
      this.s.onceSet.run(key, now + ttlMs);
      return true;
    });
    return run.immediate();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** Spent and reserved of a counter at `now`, after releasing its expired reservations. */
  private snapshot(line: CounterLine, now: number): CounterSnapshot {
    this.purge(line.key, now);
    const reserved = this.s.counter.get(line.key)?.reserved ?? 0;
    const w = line.window;
    const row =
      w.kind === 'rolling'
        ? this.s.spentSince.get(line.key, now - w.lengthMs - w.bucketMs)
        : this.s.spentAll.get(line.key);
    const oldest = w.kind === 'rolling' ? (row?.oldest ?? null) : null;
    return { spent: row?.total ?? 0, reserved, resetAt: resetOf(w, oldest, now) };
  }

  private purge(key: string, now: number): void {
    const expired = this.s.expiredRes.get(key, now)?.total ?? 0;
    if (expired > 0) {
      this.s.deleteExpiredRes.run(key, now);
      this.s.addReserved.run(-expired, key);
    }
  }

  private ensure(line: CounterLine, now: number, ttlMs: number): void {
    // The window is kept with the counter, so `scan` can compute rolling spend.
    const w = fromWindow(line.window);
    this.s.upsertCounter.run({ key: line.key, ...w, exp: expiryOf(line.window, now, ttlMs) });
    if (line.window.kind === 'rolling')
      this.s.dropOldBuckets.run(line.key, now - line.window.lengthMs - line.window.bucketMs);
  }

  private maybePrune(): void {
    if (++this.writes % this.pruneEvery !== 0) return;
    const now = this.clock();
    this.db.transaction(() => {
      this.s.pruneCounters.run(now);
      this.s.pruneSpent.run();
      this.s.pruneRes.run();
      this.s.pruneOnce.run(now);
      this.s.pruneLeaseSpent.run();
    })();
  }
}

function fromWindow(w: WindowSpec): { kind: string; a: number; b: number } {
  if (w.kind === 'fixed') return { kind: 'f', a: w.startsAt, b: w.endsAt };
  if (w.kind === 'rolling') return { kind: 'r', a: w.lengthMs, b: w.bucketMs };
  return { kind: 't', a: 0, b: 0 };
}

function toWindow(r: { kind: string; a: number; b: number }): WindowSpec {
  if (r.kind === 'f') return { kind: 'fixed', startsAt: r.a, endsAt: r.b };
  if (r.kind === 'r') return { kind: 'rolling', lengthMs: r.a, bucketMs: r.b };
  return { kind: 'total' };
}
