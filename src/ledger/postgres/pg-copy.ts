/**
 * New ledger rows go in with `COPY … FROM STDIN` (text format) through pg-copy-streams: the server reads
 * tab-separated lines instead of parsing 29 array parameters and unnesting them, which halves its CPU per
 * row (and this process's encoding work). COPY has no `ON CONFLICT`: a batch holding an id already stored
 * fails as a whole (unique violation) and the caller writes it with the idempotent INSERT instead.
 */
import { createRequire } from 'node:module';
import type pg from 'pg';
import type * as CopyStreams from 'pg-copy-streams';
import { type PgValue, SELECT_COLUMNS } from './pg-row-codec.js';

/** Loaded on first use, like the driver (src/postgres/pool.ts). */
let copyStreams: typeof CopyStreams | undefined;
const loadCopyStreams = (): typeof CopyStreams =>
  (copyStreams ??= createRequire(import.meta.url)('pg-copy-streams') as typeof CopyStreams);

/** `COPY <table> (<every column>) FROM STDIN`: the column order of `entryToValues`. */
export function copySql(table: string): string {
  return `COPY ${table} (${SELECT_COLUMNS}) FROM STDIN`;
}

const SPECIAL = /[\\\n\r\t]/;
const SPECIAL_ALL = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One value in COPY's text format (what node-postgres would send as a parameter, escaped). */
function field(v: PgValue): string {
  if (v === null) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  const s = String(v);
  return SPECIAL.test(s) ? s.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : s;
}

/** Rows (`entryToValues`) as COPY text: one line per row, tab-separated. */
export function copyText(rows: readonly PgValue[][]): string {
  let out = '';
  for (const r of rows) {
    for (let i = 0; i < r.length; i++) out += i === 0 ? field(r[i]!) : `\t${field(r[i]!)}`;
    out += '\n';
  }
  return out;
}

/**
 * Runs `sql` — a COPY FROM STDIN, optionally after other statements in the same query string (`BEGIN;`)
 * — with `text` as the COPY's data on a checked-out client; resolves when the server accepted it.
 */
export function copyInto(client: pg.PoolClient, sql: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = client.query(loadCopyStreams().from(sql));
    stream.on('finish', () => resolve());
    stream.on('error', reject);
    stream.end(text, 'utf8');
  });
}
