/**
 * Is one multi-row INSERT per batch cheaper than a prepared single-row INSERT run per entry inside the
 * batch's transaction? (`node --import tsx bench/sqlite-multirow.ts [--rounds 7]`). The ledger's own table
 * and indexes (schema.ts) in a WAL file, the same 19,968 encoded entries written in transactions of 64, per
 * row and with statements of 4, 16 and 64 rows (prepared once each), in interleaved rounds; µs of CPU per
 * entry, medians. Encoding (entryToParams) is outside the timing: only the statement work is compared.
 * Measured on this machine (issue 14 round 7, BENCHMARKS.md): the multi-row statements cost more per row,
 * so the ledger keeps one `run` per entry.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { makeEntry } from '../src/ledger/entry-fixtures.js';
import { entryToParams, insertSql, SELECT_COLUMNS, type SqlValue } from '../src/ledger/sqlite/row-codec.js';
import { migrate, TABLE } from '../src/ledger/sqlite/schema.js';
import { newRequestId } from '../src/pipeline/request-id.js';

const i = process.argv.indexOf('--rounds');
const ROUNDS = i >= 0 ? Number(process.argv[i + 1]) : 7;
const BATCH = 64;
const N = BATCH * 312;
const COLUMNS = SELECT_COLUMNS.split(', ').length;

const dir = mkdtempSync(join(tmpdir(), 'penny-multirow-'));
try {
  const db = new Database(join(dir, 'ledger.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  migrate(db);
  const one = db.prepare<SqlValue[]>(insertSql(TABLE));
  const many = (k: number) =>
    db.prepare<SqlValue[]>(
      `INSERT INTO ${TABLE} (${SELECT_COLUMNS}) VALUES ${Array.from({ length: k }, () => `(${Array(COLUMNS).fill('?').join(', ')})`).join(', ')}`,
    );
  const rowsPer = (k: number) => {
    const stmt = many(k);
    return db.transaction((rows: SqlValue[][]) => {
      for (let r = 0; r < rows.length; r += k) stmt.run(...rows.slice(r, r + k).flat());
    });
  };
  const modes: Record<string, (rows: SqlValue[][]) => void> = {
    'one row per run': db.transaction((rows: SqlValue[][]) => {
      for (const r of rows) one.run(...r);
    }),
    '4 rows per run': rowsPer(4),
    '16 rows per run': rowsPer(16),
    '64 rows per run': rowsPer(64),
  };
  const us: Record<string, number[]> = {};
  let clock = Date.now() - 86_400_000;
  for (let round = 0; round < ROUNDS; round++) {
    const names = Object.keys(modes);
    for (const name of round % 2 ? names.reverse() : names) {
      const rows = Array.from({ length: N }, () => {
        clock += 1;
        return entryToParams(
          makeEntry({
            id: newRequestId(clock),
            ts: clock,
            feature: null,
            user: null,
            meta: { promptHash: 'e7ff532d187d475b2c6c5d3dd66b212c' },
          }),
        );
      });
      const c0 = process.cpuUsage();
      for (let r = 0; r < N; r += BATCH) modes[name]!(rows.slice(r, r + BATCH));
      const c = process.cpuUsage(c0);
      us[name] = [...(us[name] ?? []), (c.user + c.system) / N];
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `µs CPU per entry, transactions of ${BATCH}, ${ROUNDS} interleaved rounds of ${N.toLocaleString('en')}`,
  );
  for (const [name, xs] of Object.entries(us))
    console.log(
      `${name.padEnd(18)} median ${median(xs).toFixed(2)}  rounds ${xs.map((x) => x.toFixed(1)).join(' ')}`,
    );
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
