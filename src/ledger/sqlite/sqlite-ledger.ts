/**
 * The embedded ledger: SQLite through better-sqlite3 (WAL, synchronous=NORMAL).
 * `append` runs on the request path, so it only pushes onto an in-memory buffer; the buffer is written in
 * one transaction per batch from a timer (unref'd) or, once it holds `batchSize` entries, from
 * `setImmediate` — never inside `append`. A failed write keeps the entries buffered for the next try and
 * reports through `onError`; only the buffer cap (oldest first) or an entry that can never be stored
 * loses entries, and both are reported with counts. Reads flush first, so they see every append.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { messageOf } from '../../core/errors.js';
import type { LedgerEntry } from '../../core/ledger-entry.js';
import type { Money } from '../../core/money.js';
import { sqliteCheckpointer } from '../../core/sqlite-checkpointer.js';
import type { GroupKey, Ledger, LedgerFilter, SummaryRow } from '../ledger.js';
import { LedgerError } from '../ledger-error.js';
import { SummaryAccumulator, sortSummaryRows, sortTactics } from '../summary-accumulator.js';
import {
  entryToParams,
  insertSql,
  money,
  num,
  parseSavings,
  type Row,
  rowToEntry,
  SELECT_COLUMNS,
  type SqlValue,
} from './row-codec.js';
import { LedgerJournal } from './journal.js';
import { migrate, TABLE } from './schema.js';
import { GROUP_EXPR, whereClause } from './sql-filter.js';

export interface SqliteLedgerOptions {
  /** How long an entry may wait in the buffer, ms (default 25): what a SIGKILL can lose. */
  flushIntervalMs?: number;
  /** Buffer length that triggers a write on the next turn of the event loop (default 512). */
  batchSize?: number;
  /** Most entries kept while writes fail; beyond it the oldest are dropped and counted (default 100,000). */
  maxBuffered?: number;
  /** How long a write waits for a lock held by another connection, ms (default 1000). It blocks the event loop. */
  busyTimeoutMs?: number;
  /** Receives every write failure and every drop (default: a process warning). */
  onError?: (err: unknown) => void;
  /**
   * Write-ahead journal (journal.ts): each entry is also appended to `<path>.journal/` with one write(2)
   * when received, so a SIGKILL loses no entry; files of dead processes are replayed at open. Default off.
   */
  journal?: boolean;
}

export interface SqliteLedgerStats {
  buffered: number;
  written: number;
  dropped: number;
  failedWrites: number;
}

const MAX_RETRY_DELAY_MS = 10_000;

export class SqliteLedger implements Ledger {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement<SqlValue[]>;
  readonly #insertMany: (entries: LedgerEntry[]) => void;
  readonly #flushIntervalMs: number;
  readonly #batchSize: number;
  readonly #maxBuffered: number;
  readonly #onError: (err: unknown) => void;

  #buffer: LedgerEntry[] = [];
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #closed = false;
  /** Consecutive failed background writes; drives the retry backoff. */
  #failing = 0;
  #overflowReported = false;
  #droppedSinceReport = 0;
  #stats = { written: 0, dropped: 0, failedWrites: 0 };
  readonly #journal: LedgerJournal | undefined;
  /** Entries restored from a dead process's journal at open. */
  readonly restored: number = 0;

  /** Opens (creating the file and its parent directory if needed) and migrates a ledger database. */
  static open(path: string, opts: SqliteLedgerOptions = {}): SqliteLedger {
    if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { timeout: opts.busyTimeoutMs ?? 1000 });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrate(db);
      // WAL checkpoints (page copies and fsyncs) run in a worker thread, not inside a batch's commit.
      sqliteCheckpointer.watch(db, path);
    } catch (err) {
      db.close();
      throw err;
    }
    const journal = opts.journal && path !== ':memory:' && path !== '' ? `${path}.journal` : undefined;
    return new SqliteLedger(db, opts, journal);
  }

  private constructor(db: Database.Database, opts: SqliteLedgerOptions, journalDir?: string) {
    this.#db = db;
    this.#flushIntervalMs = Math.max(1, opts.flushIntervalMs ?? 25);
    this.#batchSize = Math.max(1, opts.batchSize ?? 512);
    this.#maxBuffered = Math.max(1, opts.maxBuffered ?? 100_000);
    this.#onError = opts.onError ?? defaultOnError;
    this.#insert = db.prepare<SqlValue[]>(insertSql(TABLE));
    this.#insertMany = db.transaction((entries: LedgerEntry[]) => {
      for (const e of entries) this.#insert.run(...entryToParams(e));
    });
    if (journalDir !== undefined) {
      this.restored = LedgerJournal.replay(journalDir, db, (p) => this.#insert.run(...p), TABLE);
      this.#journal = new LedgerJournal(journalDir);
    }
  }

  append(entry: LedgerEntry): void {
    if (this.#closed) {
      this.#stats.dropped += 1;
      this.#report(new LedgerError('ledger_closed', `ledger is closed; entry ${entry.id} was dropped`, 1));
      return;
    }
    if (this.#journal) this.#journalAppend(entry);
    this.#buffer.push(entry);
    if (this.#buffer.length > this.#maxBuffered) this.#dropOldest();
    if (this.#buffer.length >= this.#batchSize && this.#failing === 0) this.#scheduleImmediate();
    else this.#scheduleTimer();
  }

  #journalAppend(entry: LedgerEntry): void {
    let params: SqlValue[];
    try {
      params = entryToParams(entry);
    } catch {
      return; // An entry that cannot be serialised cannot be stored either; the write reports it.
    }
    try {
      this.#journal?.append(params);
    } catch (err) {
      // The entry is still buffered and written as usual; only its SIGKILL protection is lost.
      this.#report(
        new LedgerError('ledger_write_failed', `ledger journal append failed: ${messageOf(err)}`, 0, err),
      );
    }
  }

  async flush(): Promise<void> {
    this.#writeAll();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#writeAll();
    this.#closed = true;
    this.#cancelSchedules();
    this.#journalCommitted(true);
    this.#journal?.close();
    sqliteCheckpointer.unwatch(this.#db);
    this.#db.close();
  }

  /** Counters for metrics: entries waiting, written, dropped, and failed write attempts. */
  stats(): SqliteLedgerStats {
    return { buffered: this.#buffer.length, ...this.#stats };
  }

  async query(filter: LedgerFilter = {}): Promise<LedgerEntry[]> {
    this.#flushBeforeRead();
    const where = whereClause(filter);
    let sql = `SELECT ${SELECT_COLUMNS} FROM ${TABLE}${where.sql} ORDER BY ts DESC, seq DESC`;
    const params: (string | number)[] = [...where.params];
    if (filter.limit !== undefined) {
      sql += ' LIMIT ?';
      params.push(Math.max(0, Math.floor(filter.limit)));
    }
    const rows = this.#db
      .prepare<(string | number)[], Row>(sql)
      .safeIntegers(true)
      .all(...params);
    return rows.map(rowToEntry);
  }

  async summarize(filter: LedgerFilter, groupBy: GroupKey[]): Promise<SummaryRow[]> {
    this.#flushBeforeRead();
    const where = whereClause(filter);
    const groups = groupBy.map((k, i) => `${GROUP_EXPR[k]} AS g${i}`);
    const sql =
      `SELECT ${[...groups, ...AGGREGATES].join(', ')} FROM ${TABLE}${where.sql}` +
      (groupBy.length ? ` GROUP BY ${groupBy.map((_, i) => `g${i}`).join(', ')}` : '');
    let rows: Record<string, SqlValue>[];
    try {
      rows = this.#db
        .prepare<(string | number)[], Record<string, SqlValue>>(sql)
        .safeIntegers(true)
        .all(...where.params);
    } catch (err) {
      if (!isIntegerOverflow(err)) throw err;
      return this.#summarizeInJs(where.sql, where.params, groupBy);
    }
    return sortSummaryRows(
      rows.map((r) => {
        const group: Record<string, string> = {};
        groupBy.forEach((k, i) => {
          group[k] = String(r[`g${i}`]);
        });
        return {
          group,
          requests: num(r.requests!),
          errors: num(r.errors!),
          inputTokens: num(r.input_tokens!),
          cacheReadTokens: num(r.cache_read_tokens!),
          cacheWriteTokens: num(r.cache_write_tokens!),
          outputTokens: num(r.output_tokens!),
          reasoningTokens: num(r.reasoning_tokens!),
          cost: money(r.cost!),
          unpriced: num(r.unpriced!),
          baselineCost: money(r.baseline_cost!),
          savings: money(r.savings!),
        };
      }),
      groupBy,
    );
  }

  async savingsByTactic(filter: LedgerFilter): Promise<Record<string, Money>> {
    this.#flushBeforeRead();
    const where = whereClause(filter);
    const totals = new Map<string, Money>();
    try {
      // CAST of the decimal-string amounts is exact; SUM over INTEGERs raises on overflow rather than rounding.
      const sql =
        `SELECT j.key AS tactic, SUM(CAST(j.value AS INTEGER)) AS amount ` +
        `FROM (SELECT savings FROM ${TABLE}${where.sql}) AS e, json_each(e.savings) AS j GROUP BY j.key`;
      const rows = this.#db
        .prepare<(string | number)[], { tactic: string; amount: SqlValue }>(sql)
        .safeIntegers(true)
        .all(...where.params);
      for (const r of rows) totals.set(r.tactic, money(r.amount));
    } catch (err) {
      if (!isIntegerOverflow(err)) throw err;
      totals.clear();
      const stmt = this.#db.prepare<(string | number)[], { savings: SqlValue }>(
        `SELECT savings FROM ${TABLE}${where.sql}`,
      );
      for (const r of stmt.iterate(...where.params)) {
        for (const [tactic, amount] of Object.entries(parseSavings(r.savings))) {
          totals.set(tactic, (totals.get(tactic) ?? 0n) + amount);
        }
      }
    }
    return sortTactics(totals);
  }

  /** Exact aggregation in JS over bigints, for totals beyond SQLite's 64-bit SUM. */
  #summarizeInJs(whereSql: string, params: (string | number)[], groupBy: GroupKey[]): SummaryRow[] {
    const groups = groupBy.map((k, i) => `${GROUP_EXPR[k]} AS g${i}`);
    const cols = [
      ...groups,
      'status',
      'input_uncached',
      'cache_read',
      'cache_write_5m + cache_write_1h AS cache_write',
      'output_text',
      'reasoning',
      'cost',
      'baseline_cost',
      'savings_total',
    ];
    const stmt = this.#db
      .prepare<(string | number)[], Record<string, SqlValue>>(
        `SELECT ${cols.join(', ')} FROM ${TABLE}${whereSql}`,
      )
      .safeIntegers(true);
    const acc = new SummaryAccumulator(groupBy);
    for (const r of stmt.iterate(...params)) {
      acc.add({
        values: groupBy.map((_, i) => String(r[`g${i}`])),
        status: String(r.status) as LedgerEntry['status'],
        inputUncached: num(r.input_uncached!),
        cacheRead: num(r.cache_read!),
        cacheWrite: num(r.cache_write!),
        outputText: num(r.output_text!),
        reasoning: num(r.reasoning!),
        cost: r.cost === null ? null : money(r.cost!),
        baselineCost: r.baseline_cost === null ? null : money(r.baseline_cost!),
        savingsTotal: money(r.savings_total!),
      });
    }
    return acc.rows();
  }

  // --- buffer and writes -------------------------------------------------------------------------

  #scheduleTimer(): void {
    if (this.#timer || this.#immediate || this.#closed) return;
    const delay = Math.min(this.#flushIntervalMs * 2 ** this.#failing, MAX_RETRY_DELAY_MS);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#backgroundWrite();
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
      this.#backgroundWrite();
    });
  }

  #cancelSchedules(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
  }

  /** Writes one batch; yields to the event loop between batches so a backlog never stalls requests. */
  #backgroundWrite(): void {
    if (this.#closed || this.#buffer.length === 0) return;
    try {
      this.#writeBatch(this.#batchSize);
      this.#failing = 0;
    } catch (err) {
      this.#failing += 1;
      this.#report(
        new LedgerError(
          'ledger_write_failed',
          `ledger write failed; ${this.#buffer.length} entries kept buffered for retry: ${messageOf(err)}`,
          this.#buffer.length,
          err,
        ),
      );
    }
    if (this.#buffer.length === 0) return;
    if (this.#failing === 0 && this.#buffer.length >= this.#batchSize) this.#scheduleImmediate();
    else this.#scheduleTimer();
  }

  /** Writes everything buffered; throws a LedgerError (entries kept) when a write fails. */
  #writeAll(): void {
    this.#cancelSchedules();
    try {
      while (this.#buffer.length > 0) this.#writeBatch(this.#batchSize);
      this.#failing = 0;
    } catch (err) {
      this.#scheduleTimer();
      throw new LedgerError(
        'ledger_write_failed',
        `ledger write failed; ${this.#buffer.length} entries kept buffered: ${messageOf(err)}`,
        this.#buffer.length,
        err,
      );
    }
  }

  #flushBeforeRead(): void {
    if (this.#closed || this.#buffer.length === 0) return;
    try {
      this.#writeAll();
    } catch (err) {
      // Reads still answer from what is stored; the write failure is reported, not hidden.
      this.#report(err);
    }
  }

  /**
   * Writes up to `max` of the oldest buffered entries in one transaction and removes them from the
   * buffer. On a store-level failure nothing is removed and the error propagates. When an entry itself
   * cannot be stored, the batch is retried entry by entry so only the bad ones are dropped.
   */
  #writeBatch(max: number): void {
    if (!this.#db.open) throw new Error('ledger database is not open');
    const batch = this.#buffer.slice(0, max);
    try {
      this.#insertMany(batch);
    } catch (err) {
      this.#stats.failedWrites += 1;
      if (!isEntryLevel(err)) throw err;
      this.#writeOneByOne(batch);
      return;
    }
    this.#buffer.splice(0, batch.length);
    this.#stats.written += batch.length;
    this.#afterSuccessfulWrite();
  }

  #writeOneByOne(batch: LedgerEntry[]): void {
    let done = 0;
    try {
      for (const e of batch) {
        try {
          this.#insert.run(...entryToParams(e));
          this.#stats.written += 1;
        } catch (err) {
          if (!isEntryLevel(err)) throw err;
          this.#stats.dropped += 1;
          this.#report(
            new LedgerError(
              'ledger_bad_entry',
              `ledger entry ${e.id} cannot be stored and was dropped: ${messageOf(err)}`,
              1,
              err,
            ),
          );
        }
        done += 1;
      }
    } finally {
      this.#buffer.splice(0, done);
    }
    this.#afterSuccessfulWrite();
  }

  #dropOldest(): void {
    const excess = this.#buffer.length - this.#maxBuffered;
    this.#buffer.splice(0, excess);
    this.#stats.dropped += excess;
    this.#droppedSinceReport += excess;
    if (!this.#overflowReported) {
      this.#overflowReported = true;
      this.#report(
        new LedgerError(
          'ledger_overflow',
          `ledger buffer is full (${this.#maxBuffered} entries) because writes are failing; dropping the oldest entries`,
          excess,
        ),
      );
      this.#droppedSinceReport = 0;
    }
  }

  /** Every journaled entry is in the table (or was dropped and reported): the journal file can go. */
  #journalCommitted(force = false): void {
    if (!this.#journal || this.#buffer.length > 0) return;
    try {
      this.#journal.committed(force);
    } catch (err) {
      this.#report(
        new LedgerError('ledger_write_failed', `ledger journal rotation failed: ${messageOf(err)}`, 0, err),
      );
    }
  }

  #afterSuccessfulWrite(): void {
    this.#journalCommitted();
    if (!this.#overflowReported) return;
    this.#overflowReported = false;
    if (this.#droppedSinceReport > 0) {
      this.#report(
        new LedgerError(
          'ledger_overflow',
          `ledger writes recovered; ${this.#droppedSinceReport} more entries were dropped while they failed (${this.#stats.dropped} in total)`,
          this.#droppedSinceReport,
        ),
      );
    }
    this.#droppedSinceReport = 0;
  }

  #report(err: unknown): void {
    try {
      this.#onError(err);
    } catch {
      // An error hook that throws must not break the request path.
    }
  }
}

const AGGREGATES = [
  'COUNT(*) AS requests',
  "COALESCE(SUM(status = 'error'), 0) AS errors",
  'COALESCE(SUM(input_uncached), 0) AS input_tokens',
  'COALESCE(SUM(cache_read), 0) AS cache_read_tokens',
  'COALESCE(SUM(cache_write_5m + cache_write_1h), 0) AS cache_write_tokens',
  'COALESCE(SUM(output_text), 0) AS output_tokens',
  'COALESCE(SUM(reasoning), 0) AS reasoning_tokens',
  'COALESCE(SUM(cost), 0) AS cost',
  'COALESCE(SUM(cost IS NULL), 0) AS unpriced',
  'COALESCE(SUM(baseline_cost), 0) AS baseline_cost',
  'COALESCE(SUM(savings_total), 0) AS savings',
];

/** Errors caused by one entry's content (so retrying the whole batch cannot help). */
function isEntryLevel(err: unknown): boolean {
  if (err instanceof Database.SqliteError) {
    return /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/.test(err.code);
  }
  // Serialising the entry failed (e.g. circular meta) or a value could not be bound.
  return err instanceof TypeError || err instanceof RangeError;
}

function isIntegerOverflow(err: unknown): boolean {
  return err instanceof Database.SqliteError && /integer overflow/i.test(err.message);
}

function defaultOnError(err: unknown): void {
  process.emitWarning(messageOf(err), { code: err instanceof LedgerError ? err.code : 'ledger_error' });
}
