/**
 * One PostgreSQL connection pool per store (node-postgres 8). Every table a store owns lives in one schema
 * (default `public`), named explicitly in its SQL, so tests and tenants can isolate themselves by schema.
 * A pooled connection that the server drops (restart, `pg_terminate_backend`) emits an error on the pool;
 * it is reported here instead of crashing the process, and the pool opens a fresh connection next time.
 */
import { createRequire } from 'node:module';
import type pg from 'pg';
import { messageOf } from '../core/errors.js';

/** node-postgres is loaded on first use, not at start-up: a gateway without PostgreSQL never pays its memory. */
let pgLib: typeof pg | undefined;
export const loadPg = (): typeof pg => (pgLib ??= createRequire(import.meta.url)('pg') as typeof pg);

export interface PgPoolOptions {
  url: string;
  /** Most connections this pool opens (default 4). */
  max?: number;
  /** How long to wait for a connection, ms (default 2000): a down server fails fast. */
  connectTimeoutMs?: number;
  /** Statement timeout set on every connection, ms (default none). */
  statementTimeoutMs?: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  /**
   * work_mem of every connection, MB (default: the server's, usually 4 MB). Report connections raise it so
   * grouping thousands of users hashes in memory instead of sorting through temporary files.
   */
  workMemMb?: number;
  /**
   * Turns PostgreSQL's JIT compilation off for these connections. Report queries read small rollups; when
   * the planner overestimates a scan, JIT compiling it costs seconds for nothing.
   */
  noJit?: boolean;
  onError?: (err: Error) => void;
}

export function createPool(opts: PgPoolOptions): pg.Pool {
  const pool = new (loadPg().Pool)({
    connectionString: opts.url,
    max: opts.max ?? 4,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 2000,
    idleTimeoutMillis: 30_000,
    application_name: opts.applicationName ?? 'penny',
    ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
    ...(serverOptions(opts) ? { options: serverOptions(opts) } : {}),
  });
  pool.on('error', (err) => opts.onError?.(err));
  // The pool listens for errors only on idle connections. A connection the server drops while it is checked
  // out (a migration's transaction, or between a query's end and its release) emits 'error' on the client
  // itself, and an 'error' event nobody listens to kills the process. Every connection gets a listener of
  // its own for its whole life; the statement in flight still fails with the error, and the pool still
  // discards the connection.
  pool.on('connect', (client) => {
    client.on('error', (err) => opts.onError?.(err));
  });
  return pool;
}

/** Session settings sent at connect (`-c name=value`), or '' when none. */
function serverOptions(opts: PgPoolOptions): string {
  const o: string[] = [];
  if (opts.workMemMb) o.push(`-c work_mem=${Math.max(1, Math.floor(opts.workMemMb))}MB`);
  if (opts.noJit) o.push('-c jit=off');
  return o.join(' ');
}

/** A schema name is an identifier: letters, digits and underscores, starting with a letter or underscore. */
const SCHEMA_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function quoteSchema(schema: string): string {
  if (!SCHEMA_RE.test(schema)) {
    throw new Error(`invalid PostgreSQL schema name "${schema}": use letters, digits and _ (max 63)`);
  }
  return `"${schema}"`;
}

/** A URL with the password masked, for logs and start-up messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}

/**
 * Errors that say the connection or the server is gone (or never came), as opposed to a statement the
 * server rejected: the write should be retried later, nothing is wrong with the entries.
 */
export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    // Class 08 connection exception, 57P0x operator intervention (admin shutdown, crash, cannot connect now),
    // 53 insufficient resources (too many connections), 40001/40P01 serialization and deadlock (retry).
    if (/^(08|57P0|53|40001|40P01)/.test(code)) return true;
    if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|EAI_AGAIN)$/.test(code))
      return true;
  }
  const msg = messageOf(err);
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is closed|Client was closed|Cannot use a pool after calling end/i.test(
    msg,
  );
}
