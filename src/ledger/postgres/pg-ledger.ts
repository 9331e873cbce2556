/**
 * The PostgreSQL ledger: the store for several gateway instances sharing one truth.
 *
 * - `append` only pushes onto an in-memory buffer; a background writer stores batches of up to
 *   `batchSize` entries, one batch in flight at a time, off the request path: one transaction holding a
 *   `COPY … FROM STDIN` of the rows and one prepared upsert of the rollup deltas added up in this process
 *   (pg-copy.ts, pg-rollup-delta.ts). A batch COPY refuses (an id already stored, an entry the database
 *   cannot hold) and every spill replay take `INSERT … SELECT * FROM unnest(…) ON CONFLICT (id) DO NOTHING`
 *   instead, whose rollups PostgreSQL adds up from the rows it really inserted.
 * - When a batch cannot be written (server down, connection killed) it and everything buffered are spilled
 *   to a local append-only file, fsynced (see spill-log.ts); the writer then probes the database with
 *   backoff and replays the file once it answers. Inserts are idempotent on the request id, so a batch
 *   that committed just before its connection died is not stored twice.
 * - The buffer is bounded (`maxBuffered`): past it the oldest entries are spilled at once, so memory stays
 *   flat whatever the database does. An entry is lost only if the database AND the local disk refuse it,
 *   and that is reported (`ledger_overflow`).
 * - `close` (SIGTERM) writes or spills everything buffered before returning. A SIGKILL loses what is in
 *   the buffer: at most one flush interval's worth of entries (default 200 ms), capped by `maxBuffered`.
 * - Migrations run at `open` under an advisory lock (src/postgres/migrate.ts), safe when several instances
 *   start together. Aggregations (`summarize`, `savingsByTactic`) run in SQL; sums over BIGINT are NUMERIC
 *   and so exact.
 */
import type pg from 'pg';
import { messageOf } from '../../core/errors.js';
import type { LedgerEntry } from '../../core/ledger-entry.js';
import type { Money } from '../../core/money.js';
import { migrate } from '../../postgres/migrate.js';
import { createPool, isConnectionError, quoteSchema, redactUrl } from '../../postgres/pool.js';
import { utcDay } from '../group-keys.js';
import type { CacheMetaAggregates, GroupKey, Ledger, LedgerFilter, SummaryRow } from '../ledger.js';
import { LedgerError } from '../ledger-error.js';
import { emptySummaryRow, sortSummaryRows, sortTactics } from '../summary-accumulator.js';
import {
  entryToValues,
  insertSql,
  money,
  type PgRow,
  type PgValue,
  rowToEntry,
  SELECT_COLUMNS,
  toColumnArrays,
} from './pg-row-codec.js';
import { pgCacheMetaAggregates } from './pg-cache-meta.js';
import { copyInto, copySql, copyText } from './pg-copy.js';
import {
  ROLLUP,
  ROLLUP_AGGREGATES,
  ROLLUP_TACTICS,
  type RollupPart,
  rollupAnswers,
  rollupGroupExpr,
  rollupInsertSql,
  rollupTable,
  rollupWhere,
  splitRange,
  USER_ROLLUP_AGGREGATES,
  USER_ROLLUP_GROUP_EXPR,
  userRollupAnswers,
  userRollupGrains,
  userRollupTable,
} from './pg-rollup.js';
import { type RollupDeltaStatement, rollupDeltaSql, rollupDeltas } from './pg-rollup-delta.js';
import { LEDGER_MIGRATIONS, TABLE } from './pg-schema.js';
import { AGGREGATES, DAY_MS, GROUP_EXPR, whereClause } from './pg-sql.js';
import { SpillLog } from './spill-log.js';

export interface PostgresLedgerOptions {
  /** postgres://user:pass@host:port/db */
  url: string;
  /** Schema holding the tables (created if missing; default "public"). */
  schema?: string;
  /** Directory of the spill files used while the database is unreachable. */
  spillDir: string;
  /**
   * A reader (report, export) leaves spill files alone: only a serving instance replays them, so a report
   * run with another schema or database can never write someone else's entries.
   */
  reader?: boolean;
  /** How long an entry may wait in the buffer, ms (default 200). */
  flushIntervalMs?: number;
  /** Entries per INSERT, and the buffer length that triggers a write on the next turn (default 512). */
  batchSize?: number;
  /** Most entries held in memory; beyond it the oldest are spilled to disk (default 20,000). */
  maxBuffered?: number;
  /** Connections for reads (default 4); the writer has its own two. */
  maxConnections?: number;
  /** How long to wait for a connection, ms (default 2000). */
  connectTimeoutMs?: number;
  /** Client-side timeout of every query, ms (default 30,000). */
  queryTimeoutMs?: number;
  /** Receives write failures, spills, replays and drops (default: a process warning). */
  onError?: (err: unknown) => void;
  /** Receives notices that are not failures (replayed spill files). */
  onInfo?: (message: string, detail: Record<string, unknown>) => void;
}

export interface PostgresLedgerStats {
  buffered: number;
  written: number;
  /** Entries written to the spill file (and not yet known to be replayed). */
  spilled: number;
  replayed: number;
  dropped: number;
  failedWrites: number;
  /** Batches written by COPY with rollup deltas added up in process (the others took the INSERT path). */
  copiedBatches: number;
  /** True while the database is refusing writes and new batches go to the spill file. */
  degraded: boolean;
}

const MAX_RETRY_DELAY_MS = 5_000;

export class PostgresLedger implements Ledger {
  /** The writer's connections (inserts, replays, migrations, the readiness ping). */
  readonly pool: pg.Pool;
  /** Connections for reads (reports, dashboard): a long report never delays a batch insert. */
  readonly readPool: pg.Pool;
  readonly schema: string;
  readonly #table: string;
  readonly #schemaSql: string;
  readonly #insertSql: string;
  readonly #copySql: string;
  readonly #deltaSql: RollupDeltaStatement;
  readonly #spill: SpillLog;
  readonly #reader: boolean;
  readonly #flushIntervalMs: number;
  readonly #batchSize: number;
  readonly #maxBuffered: number;
  readonly #onError: (err: unknown) => void;
  readonly #onInfo: (message: string, detail: Record<string, unknown>) => void;

  #buffer: LedgerEntry[] = [];
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #active: Promise<void> | undefined;
  #closed = false;
  #poolEnded = false;
  /** Consecutive failed attempts while degraded; drives the probe backoff. */
  #failing = 0;
  #degraded = false;
  #stats = { written: 0, spilled: 0, replayed: 0, dropped: 0, failedWrites: 0, copiedBatches: 0 };

  /** Connects, applies migrations (under an advisory lock) and returns a ready ledger. */
  static async open(opts: PostgresLedgerOptions): Promise<PostgresLedger> {
    const ledger = new PostgresLedger(opts);
    // Migrations get a connection without the writer's query timeout: a backfill over a large ledger (and
    // an instance waiting for another's behind the advisory lock) may take minutes.
    const migrations = createPool({
      url: opts.url,
      max: 1,
      connectTimeoutMs: opts.connectTimeoutMs ?? 2000,
      applicationName: 'penny-migrate',
      onError: () => {},
    });
    try {
      await migrate(migrations, ledger.schema, LEDGER_MIGRATIONS);
    } catch (err) {
      await ledger.pool.end().catch(() => {});
      await ledger.readPool.end().catch(() => {});
      // One line that says which store and what to check (the CLI prints a PennyError's message and exits 2),
      // never the password of its URL.
      const why = isConnectionError(err)
        ? 'is the server up and reachable from here?'
        : 'its migrations were refused (permissions, or a schema written by another program?)';
      throw new LedgerError(
        'ledger_unavailable',
        `cannot open the PostgreSQL ledger at ${redactUrl(opts.url)} (ledger.url / PENNY_DATABASE_URL): ${messageOf(err)} — ${why}`,
        0,
        err,
      );
    } finally {
      await migrations.end().catch(() => {});
    }
    // Files left by an earlier run (SIGKILL, or a close while the database was down) are replayed now.
    if (!ledger.#reader && ledger.#spill.hasPending()) ledger.#scheduleImmediate();
    return ledger;
  }

  private constructor(opts: PostgresLedgerOptions) {
    this.schema = opts.schema ?? 'public';
    this.#table = `${quoteSchema(this.schema)}.${TABLE}`;
    this.#schemaSql = quoteSchema(this.schema);
    this.#insertSql = rollupInsertSql(this.#schemaSql, insertSql(this.#table));
    this.#copySql = copySql(this.#table);
    this.#deltaSql = rollupDeltaSql(this.#schemaSql);
    this.#spill = new SpillLog(opts.spillDir);
    this.#reader = opts.reader === true;
    this.#flushIntervalMs = Math.max(1, opts.flushIntervalMs ?? 200);
    this.#batchSize = Math.max(1, opts.batchSize ?? 512);
    this.#maxBuffered = Math.max(this.#batchSize, opts.maxBuffered ?? 20_000);
    this.#onError = opts.onError ?? defaultOnError;
    this.#onInfo = opts.onInfo ?? (() => {});
    this.pool = createPool({
      url: opts.url,
      max: 2,
      connectTimeoutMs: opts.connectTimeoutMs ?? 2000,
      applicationName: 'penny-ledger',
      // A connection the server dropped while idle: the next query opens a new one.
      onError: () => {},
    });
    this.pool.options.query_timeout = opts.queryTimeoutMs ?? 30_000;
    this.readPool = createPool({
      url: opts.url,
      max: opts.maxConnections ?? 4,
      // Waiting for a free connection counts here too: a report's queries queue behind each other.
      connectTimeoutMs: Math.max(opts.connectTimeoutMs ?? 2000, 30_000),
      applicationName: 'penny-ledger-read',
      // Grouping by user hashes 10k+ groups: in memory, not sorted through temp files (4 MB default).
      workMemMb: 64,
      noJit: true,
      onError: () => {},
    });
    this.readPool.options.query_timeout = Math.max(opts.queryTimeoutMs ?? 30_000, 300_000);
  }

  append(entry: LedgerEntry): void {
    if (this.#closed) {
      this.#stats.dropped += 1;
      this.#report(new LedgerError('ledger_closed', `ledger is closed; entry ${entry.id} was dropped`, 1));
      return;
    }
    this.#buffer.push(entry);
    if (this.#buffer.length > this.#maxBuffered) this.#spillOldest(this.#buffer.length - this.#maxBuffered);
    if (this.#buffer.length >= this.#batchSize && !this.#degraded) this.#scheduleImmediate();
    else this.#scheduleTimer();
  }

  /** Writes everything buffered (or spills it when the database refuses) and replays pending spills. */
  async flush(): Promise<void> {
    await this.#drain(true);
    if (this.#buffer.length > 0) {
      throw new LedgerError(
        'ledger_write_failed',
        `ledger flush left ${this.#buffer.length} entries buffered`,
        this.#buffer.length,
      );
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelSchedules();
    try {
      await this.#drain(true);
    } finally {
      // Whatever could not be written or spilled by the writer is spilled here, synchronously.
      if (this.#buffer.length) this.#spillOldest(this.#buffer.length);
      this.#spill.close();
      this.#poolEnded = true;
      await this.pool.end().catch(() => {});
      await this.readPool.end().catch(() => {});
    }
  }

  stats(): PostgresLedgerStats {
    return { buffered: this.#buffer.length, ...this.#stats, degraded: this.#degraded };
  }

  /** True when the database answers a trivial query within the connect timeout. */
  async ping(): Promise<boolean> {
    if (this.#poolEnded) return false;
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async query(filter: LedgerFilter = {}): Promise<LedgerEntry[]> {
    await this.#flushBeforeRead();
    const where = whereClause(filter);
    const table = this.#table;
    let sql = `SELECT ${SELECT_COLUMNS} FROM ${table}${where.sql} ORDER BY ts DESC, seq DESC`;
    const params: (string | number)[] = [...where.params];
    if (filter.limit !== undefined) {
      params.push(Math.max(0, Math.floor(filter.limit)));
      sql += ` LIMIT $${params.length}`;
    }
    const res = await this.readPool.query<PgRow>(sql, params);
    return res.rows.map(rowToEntry);
  }

  /**
   * Whole days and hours come from the daily and hourly rollups when they hold the filter's and
   * grouping's dimensions, whole days from the user rollup for a read by user or key (see pg-rollup.ts);
   * the partial hours (days) at the range's edges come from the raw rows, and the parts add up exactly.
   */
  async summarize(filter: LedgerFilter, groupBy: GroupKey[]): Promise<SummaryRow[]> {
    await this.#flushBeforeRead();
    const byUser = !rollupAnswers(filter, groupBy) && userRollupAnswers(filter, groupBy);
    const split =
      rollupAnswers(filter, groupBy) || byUser
        ? splitRange(filter, byUser ? userRollupGrains(groupBy) : undefined)
        : undefined;
    if (!split?.useRollup) return sortSummaryRows(await this.#summarizeRaw(filter, groupBy), groupBy);
    const parts = await Promise.all([
      ...split.parts.map((p) => this.#summarizeRollup(p, filter, groupBy, byUser)),
      ...split.edges.map((f) => this.#summarizeRaw(f, groupBy)),
    ]);
    return sortSummaryRows(mergeSummaryRows(parts, groupBy), groupBy);
  }

  async #summarizeRaw(filter: LedgerFilter, groupBy: GroupKey[]): Promise<SummaryRow[]> {
    const where = whereClause(filter);
    const groups = groupBy.map((k, i) => `${GROUP_EXPR[k]} AS g${i}`);
    const sql =
      `SELECT ${[...groups, ...AGGREGATES].join(', ')} FROM ${this.#table}${where.sql}` +
      (groupBy.length ? ` GROUP BY ${groupBy.map((_, i) => `g${i}`).join(', ')}` : '');
    const res = await this.readPool.query<PgRow>(sql, where.params);
    return res.rows.map((r) => toSummaryRow(r, groupBy));
  }

  async #summarizeRollup(
    part: RollupPart,
    filter: LedgerFilter,
    groupBy: GroupKey[],
    byUser: boolean,
  ): Promise<SummaryRow[]> {
    const where = rollupWhere(part, filter, byUser ? 'user' : 'main');
    const exprs = byUser ? USER_ROLLUP_GROUP_EXPR : rollupGroupExpr(part.grain);
    const groups = groupBy.map((k, i) => `${exprs[k]} AS g${i}`);
    const aggregates = byUser ? USER_ROLLUP_AGGREGATES : ROLLUP_AGGREGATES;
    const table = byUser ? userRollupTable(part.grain) : rollupTable(ROLLUP, part.grain);
    const sql =
      `SELECT ${[...groups, ...aggregates].join(', ')} FROM ${this.#schemaSql}.${table}${where.sql}` +
      (groupBy.length ? ` GROUP BY ${groupBy.map((_, i) => `g${i}`).join(', ')}` : '');
    const res = await this.readPool.query<PgRow>(sql, where.params);
    return res.rows.map((r) => toSummaryRow(r, groupBy));
  }

  async savingsByTactic(filter: LedgerFilter): Promise<Record<string, Money>> {
    await this.#flushBeforeRead();
    const split = rollupAnswers(filter) ? splitRange(filter) : undefined;
    const totals = new Map<string, Money>();
    const add = (rows: { tactic: string; amount: string }[]) => {
      for (const r of rows) totals.set(r.tactic, (totals.get(r.tactic) ?? 0n) + money(r.amount));
    };
    if (!split?.useRollup) {
      add(await this.#tacticsRaw(filter));
    } else {
      const rollups = split.parts.map((p) => {
        const where = rollupWhere(p, filter);
        return this.readPool
          .query<{ tactic: string; amount: string }>(
            `SELECT tactic, SUM(amount) AS amount FROM ${this.#schemaSql}.${rollupTable(ROLLUP_TACTICS, p.grain)}${where.sql} GROUP BY tactic`,
            where.params,
          )
          .then((r) => r.rows);
      });
      for (const rows of await Promise.all([...rollups, ...split.edges.map((f) => this.#tacticsRaw(f))]))
        add(rows);
    }
    return sortTactics(totals);
  }

  async #tacticsRaw(filter: LedgerFilter): Promise<{ tactic: string; amount: string }[]> {
    const where = whereClause(filter);
    // Only entries with savings are expanded; the amounts are decimal strings, exact as NUMERIC.
    const cond = `${where.sql ? `${where.sql} AND` : ' WHERE'} savings <> '{}'::jsonb`;
    const sql =
      `SELECT j.key AS tactic, SUM(j.value::numeric) AS amount ` +
      `FROM ${this.#table} AS e CROSS JOIN LATERAL jsonb_each_text(e.savings) AS j${cond} GROUP BY j.key`;
    return (await this.readPool.query<{ tactic: string; amount: string }>(sql, where.params)).rows;
  }

  async cacheMetaAggregates(filter: LedgerFilter): Promise<CacheMetaAggregates> {
    await this.#flushBeforeRead();
    return pgCacheMetaAggregates(this.readPool, this.schema, filter);
  }

  // --- the writer ------------------------------------------------------------------------------------

  #scheduleTimer(): void {
    if (this.#timer || this.#immediate || this.#closed) return;
    const delay = this.#degraded
      ? Math.min(this.#flushIntervalMs * 2 ** this.#failing, MAX_RETRY_DELAY_MS)
      : this.#flushIntervalMs;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#drain(false);
    }, delay);
    this.#timer.unref();
  }

  #scheduleImmediate(): void {
    if (this.#immediate || this.#closed) return;
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#immediate = setImmediate(() => {
      this.#immediate = undefined;
      void this.#drain(false);
    });
  }

  #cancelSchedules(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
  }

  /**
   * Runs the writer until the buffer is empty (written or spilled). One run at a time: a caller arriving
   * while a run is active waits for it, then runs again if entries are left. `eager` (flush, close) probes
   * the database at once even while degraded, instead of waiting for the backoff.
   */
  async #drain(eager: boolean): Promise<void> {
    for (;;) {
      if (this.#active) {
        await this.#active;
        if (!eager) return;
      }
      const work = this.#buffer.length > 0 || this.#spillPending();
      if (!work) return;
      this.#active = this.#run(eager).finally(() => {
        this.#active = undefined;
      });
      await this.#active;
      if (!eager || this.#buffer.length === 0) return;
    }
  }

  async #run(eager: boolean): Promise<void> {
    if (this.#degraded && !eager) {
      // Keep memory flat: new entries go straight to disk until the database answers again.
      this.#spillOldest(this.#buffer.length);
    }
    if (this.#degraded || this.#spillPending()) {
      if (!(await this.#replay())) {
        if (this.#buffer.length) this.#spillOldest(this.#buffer.length);
        this.#reschedule();
        return;
      }
    }
    // What arrived while a batch was being written waits for the next turn of the flush interval unless it
    // fills a batch: going straight back to the database would write a trickle of tiny batches (as many
    // entries as arrive during one write), each paying the whole per-batch cost in both processes.
    for (let first = true; this.#buffer.length > 0; first = false) {
      if (!first && !eager && this.#buffer.length < this.#batchSize) break;
      const batch = this.#buffer.splice(0, this.#batchSize);
      try {
        await this.#insertEntries(batch);
      } catch (err) {
        this.#stats.failedWrites += 1;
        this.#enterDegraded(err, batch.length + this.#buffer.length);
        this.#spillEntries(batch);
        if (this.#buffer.length) this.#spillOldest(this.#buffer.length);
        this.#reschedule();
        return;
      }
    }
    this.#reschedule();
  }

  #reschedule(): void {
    if (this.#closed) return;
    if (this.#degraded || this.#spillPending()) this.#scheduleTimer();
    else if (this.#buffer.length >= this.#batchSize) this.#scheduleImmediate();
    else if (this.#buffer.length > 0) this.#scheduleTimer();
  }

  #spillPending(): boolean {
    return !this.#reader && this.#spill.hasPending();
  }

  /** Replays spill files; returns false (and stays degraded) when the database still refuses. */
  async #replay(): Promise<boolean> {
    try {
      const r = await this.#spill.replay((rows) => this.#insertRows(rows), this.#batchSize);
      if (r.rows || r.badLines) {
        this.#stats.replayed += r.rows;
        this.#onInfo('ledger spill replayed into PostgreSQL', { entries: r.rows, badLines: r.badLines });
      }
      if (r.badLines) {
        this.#report(
          new LedgerError(
            'ledger_bad_entry',
            `${r.badLines} unreadable lines in the ledger spill file were skipped (a write cut short by a crash)`,
            r.badLines,
          ),
        );
      }
      if (this.#degraded) {
        this.#degraded = false;
        this.#failing = 0;
        this.#onInfo('ledger writes to PostgreSQL recovered', { replayed: r.rows });
      }
      return true;
    } catch (err) {
      this.#stats.failedWrites += 1;
      this.#enterDegraded(err, this.#buffer.length);
      return false;
    }
  }

  #enterDegraded(err: unknown, entries: number): void {
    this.#failing += 1;
    const first = !this.#degraded;
    this.#degraded = true;
    if (first || this.#failing % 10 === 0) {
      this.#report(
        new LedgerError(
          'ledger_write_failed',
          `PostgreSQL ledger write failed (${isConnectionError(err) ? 'database unreachable' : 'rejected'}); ` +
            `${entries} entries spilled to ${this.#spill.dir} and replayed when it answers: ${messageOf(err)}`,
          entries,
          err,
        ),
      );
    }
  }

  /**
   * Inserts new entries. The fast path is one transaction: COPY of the rows, then the upsert of the
   * rollup deltas added up in this process (pg-rollup-delta.ts). When the database rejects that (an id
   * already stored, an entry it cannot hold), it all rolls back and the batch takes the idempotent INSERT, whose
   * rollups count exactly the rows it added; an entry the database rejects on its own is then found,
   * dropped and reported.
   */
  async #insertEntries(batch: LedgerEntry[]): Promise<void> {
    const rows: PgValue[][] = [];
    const kept: LedgerEntry[] = [];
    for (const e of batch) {
      try {
        rows.push(entryToValues(e));
        kept.push(e);
      } catch (err) {
        this.#dropBad(e.id, err);
      }
    }
    if (rows.length === 0) return;
    const deltas = rollupDeltas(kept);
    if (deltas) {
      try {
        await this.#copyRows(rows, deltas);
        return;
      } catch (err) {
        if (!isEntryLevel(err)) throw err;
      }
    }
    try {
      await this.#insertRows(rows);
    } catch (err) {
      if (!isEntryLevel(err) || rows.length === 1) {
        if (isEntryLevel(err) && rows.length === 1) {
          this.#dropBad(String(rows[0]![0]), err);
          return;
        }
        throw err;
      }
      // Find the culprits one by one; the others are written.
      for (const r of rows) {
        try {
          await this.#insertRows([r]);
        } catch (e) {
          if (!isEntryLevel(e)) throw e;
          this.#dropBad(String(r[0]), e);
        }
      }
    }
  }

  /**
   * One transaction in three round trips: `BEGIN; COPY …` (one query string), the prepared upsert of the
   * rollup deltas, `COMMIT`. Any error rolls it all back and is thrown.
   */
  async #copyRows(rows: PgValue[][], deltas: PgValue[][]): Promise<void> {
    if (this.#poolEnded) throw new Error('ledger pool is closed');
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await copyInto(client, `BEGIN; ${this.#copySql}`, copyText(rows));
      await client.query({ ...this.#deltaSql, values: deltas });
      await client.query('COMMIT');
    } catch (err) {
      // Only a statement the server refused, rolled back, leaves the connection reusable.
      await client.query('ROLLBACK').catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error(String(e));
      });
      if (!isEntryLevel(err)) broken ??= err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.release(broken);
    }
    this.#stats.written += rows.length;
    this.#stats.copiedBatches += 1;
  }

  async #insertRows(rows: PgValue[][]): Promise<void> {
    if (rows.length === 0) return;
    if (this.#poolEnded) throw new Error('ledger pool is closed');
    await this.pool.query(this.#insertSql, toColumnArrays(rows));
    this.#stats.written += rows.length;
  }

  #dropBad(id: string, err: unknown): void {
    this.#stats.dropped += 1;
    this.#report(
      new LedgerError(
        'ledger_bad_entry',
        `ledger entry ${id} cannot be stored and was dropped: ${messageOf(err)}`,
        1,
        err,
      ),
    );
  }

  /** Moves the oldest `n` buffered entries to the spill file. */
  #spillOldest(n: number): void {
    if (n <= 0) return;
    const taken = this.#buffer.splice(0, n);
    this.#spillEntries(taken);
  }

  #spillEntries(entries: LedgerEntry[]): void {
    const rows: PgValue[][] = [];
    for (const e of entries) {
      try {
        rows.push(entryToValues(e));
      } catch (err) {
        this.#dropBad(e.id, err);
      }
    }
    try {
      this.#spill.append(rows);
      this.#stats.spilled += rows.length;
    } catch (err) {
      // The disk refuses too: these entries cannot be kept anywhere.
      this.#stats.dropped += rows.length;
      this.#report(
        new LedgerError(
          'ledger_overflow',
          `ledger could not write to PostgreSQL nor to the spill file ${this.#spill.activeFile}; ${rows.length} entries dropped: ${messageOf(err)}`,
          rows.length,
          err,
        ),
      );
    }
  }

  async #flushBeforeRead(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.flush();
    } catch (err) {
      // Reads still answer from what is stored; the write failure is reported, not hidden.
      this.#report(err);
    }
  }

  #report(err: unknown): void {
    try {
      this.#onError(err);
    } catch {
      // An error hook that throws must not break the request path.
    }
  }
}

function toSummaryRow(r: PgRow, groupBy: GroupKey[]): SummaryRow {
  const group: Record<string, string> = {};
  groupBy.forEach((k, i) => {
    const v = r[`g${i}`];
    group[k] = k === 'day' ? utcDay(Number(v) * DAY_MS) : String(v);
  });
  return {
    group,
    requests: Number(r.requests),
    errors: Number(r.errors),
    inputTokens: Number(r.input_tokens),
    cacheReadTokens: Number(r.cache_read_tokens),
    cacheWriteTokens: Number(r.cache_write_tokens),
    outputTokens: Number(r.output_tokens),
    reasoningTokens: Number(r.reasoning_tokens),
    cost: money(r.cost),
    unpriced: Number(r.unpriced),
    baselineCost: money(r.baseline_cost),
    savings: money(r.savings),
  };
}

/** Adds summary rows of the same grouping from several parts (rollup and raw edges) group by group. */
function mergeSummaryRows(parts: SummaryRow[][], groupBy: GroupKey[]): SummaryRow[] {
  const merged = new Map<string, SummaryRow>();
  for (const rows of parts) {
    for (const r of rows) {
      const id = groupBy.map((k) => r.group[k]).join('\u0000');
      const m = merged.get(id);
      if (!m) {
        merged.set(id, { ...r });
        continue;
      }
      m.requests += r.requests;
      m.errors += r.errors;
      m.inputTokens += r.inputTokens;
      m.cacheReadTokens += r.cacheReadTokens;
      m.cacheWriteTokens += r.cacheWriteTokens;
      m.outputTokens += r.outputTokens;
      m.reasoningTokens += r.reasoningTokens;
      m.cost += r.cost;
      m.unpriced += r.unpriced;
      m.baselineCost += r.baselineCost;
      m.savings += r.savings;
    }
  }
  // With no keys there is exactly one total row, even over an empty range.
  if (groupBy.length === 0 && merged.size === 0) return [emptySummaryRow({})];
  return [...merged.values()];
}

/** Errors caused by one entry's content (data exception, integrity, program limit): retrying cannot help. */
function isEntryLevel(err: unknown): boolean {
  if (isConnectionError(err)) return false;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|54)/.test(code);
}

function defaultOnError(err: unknown): void {
  process.emitWarning(messageOf(err), { code: err instanceof LedgerError ? err.code : 'ledger_error' });
}
