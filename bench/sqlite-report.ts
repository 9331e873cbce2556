/**
 * `penny report` and the ledger's filtered reads over a large SQLite ledger, for one or more builds
 * (`node --import tsx bench/sqlite-report.ts [--build label=<dir>]…`; a build is a directory holding `dist/`
 * and `bin/penny.js`, default this checkout). Generates N entries (BENCH_ROWS, default 1 M: one month, 50
 * features, 10k users, 6 models, a quarter with savings, 1 % errors — the entries of bench/pg-report.ts)
 * into a ledger created by the first build, gives every build its own copy (opening it applies that build's
 * pending migrations, timed), then times in interleaved rounds (BENCH_RUNS, default 3) the whole
 * `penny report` command (process start included) in four shapes and, in this process, the reads that
 * the dashboard, feedback and library callers make (µs of wall time per call, medians). Schema changes
 * that drop or add an index show here what they cost the readers.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MONTH_START = Date.UTC(2026, 9, 1);
const MONTH_MS = 31 * 86_400_000;

const builds: Array<{ label: string; dir: string }> = [];
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i] !== '--build') continue;
  const spec = process.argv[i + 1] ?? '';
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`--build: expected "label=dir", got "${spec}"`);
  builds.push({ label: spec.slice(0, eq), dir: resolve(spec.slice(eq + 1)) });
}
if (builds.length === 0) builds.push({ label: 'this checkout', dir: process.cwd() });

interface LedgerLike {
  query(f: Record<string, unknown>): Promise<unknown[]>;
  summarize(f: Record<string, unknown>, by: string[]): Promise<unknown[]>;
  close(): Promise<void>;
}
type Opener = { open(path: string): LedgerLike };
const openerOf = async (dir: string): Promise<Opener> =>
  (await import(pathToFileURL(join(dir, 'dist/ledger/sqlite/sqlite-ledger.js')).href)).SqliteLedger;

const tmp = mkdtempSync(join(tmpdir(), 'penny-bench-sqlite-report-'));
try {
  const source = join(tmp, 'source.db');
  const first = await openerOf(builds[0]!.dir);
  await first.open(source).close();
  const t0 = Date.now();
  const db = new Database(source);
  db.pragma('journal_mode = WAL');
  // The entries of bench/pg-report.ts's generator, column for column.
  db.prepare(
    `INSERT INTO ledger_entries (id, ts, feature, user_name, key_id, dialect, provider, requested_model,
      served_model, stream, simulated, input_uncached, cache_read, cache_write_5m, cache_write_1h, output_text,
      reasoning, usage_estimated, cost, baseline_cost, savings_total, savings, flags, latency_ms, ttft_ms,
      status, http_status, error_class, meta)
    WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${ROWS})
    SELECT printf('req_%012x%014d', ${MONTH_START} + (n * ${MONTH_MS}) / ${ROWS}, n),
      ${MONTH_START} + (n * ${MONTH_MS}) / ${ROWS},
      'feature_' || (n % 50), 'user_' || ((n * 7919) % 10000), 'key_' || (n % 20),
      CASE WHEN n % 3 = 0 THEN 'anthropic' ELSE 'openai' END,
      CASE WHEN n % 3 = 0 THEN 'anthropic' ELSE 'openai' END,
      json_extract('["gpt-4o","gpt-4o-mini","gpt-4.1","claude-sonnet-4-5","claude-haiku-4-5","o3"]', '$[' || (n % 6) || ']'),
      json_extract('["gpt-4o","gpt-4o-mini","gpt-4.1","claude-sonnet-4-5","claude-haiku-4-5","o3"]', '$[' || ((n / 7) % 6) || ']'),
      n % 2 = 0, 0, 500 + n % 1500, (n % 5) * 100, 0, 0, 50 + n % 400, 0, 0,
      (1000 + n % 5000) * 1000000,
      (1000 + n % 5000) * 1000000 + CASE WHEN n % 4 = 0 THEN 500000000 ELSE 0 END,
      CASE WHEN n % 4 = 0 THEN 500000000 ELSE 0 END,
      CASE WHEN n % 8 = 0 THEN '{"cache.exact":"500000000"}' WHEN n % 4 = 0 THEN '{"route":"500000000"}' ELSE '{}' END,
      '[]', 300 + n % 900, NULL,
      CASE WHEN n % 100 = 0 THEN 'error' ELSE 'ok' END,
      CASE WHEN n % 100 = 0 THEN 502 ELSE 200 END,
      CASE WHEN n % 100 = 0 THEN 'upstream_error' ELSE NULL END,
      '{"promptHash":"' || printf('%032x', n) || '"}'
    FROM g`,
  ).run();
  db.close();
  console.log(
    `generated ${ROWS.toLocaleString('en')} entries in ${((Date.now() - t0) / 1000).toFixed(1)} s ` +
      `(${(statSync(source).size / 2 ** 20).toFixed(0)} MB) with ${builds[0]!.label}'s schema`,
  );

  const copies = [];
  for (const [i, b] of builds.entries()) {
    const file = join(tmp, `build-${i}.db`);
    copyFileSync(source, file);
    const t = Date.now();
    const ledger = (await openerOf(b.dir)).open(file);
    console.log(`${b.label}: open (pending migrations applied) ${Date.now() - t} ms`);
    copies.push({ ...b, file, ledger });
  }

  /** The id the generator gives entry n. */
  const idOf = (n: number) =>
    `req_${(MONTH_START + Math.floor((n * MONTH_MS) / ROWS)).toString(16).padStart(12, '0')}${String(n).padStart(14, '0')}`;
  const lastDay = MONTH_START + MONTH_MS - 86_400_000;
  const reports: Record<string, string[]> = {
    'report (json: totals, by feature, model and user sections)': ['--format', 'json'],
    'report --by user': ['--by', 'user', '--format', 'json'],
    'report --by model,day': ['--by', 'model,day', '--format', 'json'],
    'report, last day': ['--from', new Date(lastDay).toISOString(), '--format', 'json'],
  };
  const reads: Record<string, (l: LedgerLike) => Promise<unknown>> = {
    'dashboard drill-down: feature, last day, 200 rows': (l) =>
      l.query({ feature: 'feature_7', from: lastDay, limit: 200 }),
    'feature summary, whole month': (l) => l.summarize({ feature: 'feature_7' }, []),
    'feedback: one entry by id': (l) => l.query({ id: idOf(Math.floor(ROWS / 2)), limit: 1 }),
    'library: one user, whole month': (l) => l.summarize({ user: 'user_42' }, []),
    'library: one user, last day': (l) => l.summarize({ user: 'user_42', from: lastDay }, []),
    'library: one model by day': (l) => l.summarize({ model: 'gpt-4o' }, ['day']),
  };
  const times = new Map<string, number[]>();
  const record = (key: string, ms: number) => {
    const list = times.get(key) ?? [];
    list.push(ms);
    times.set(key, list);
  };
  const outputs = new Map<string, string>();
  for (let run = 0; run < RUNS; run++) {
    for (const c of run % 2 ? [...copies].reverse() : copies) {
      for (const [name, args] of Object.entries(reports)) {
        const t = process.hrtime.bigint();
        const r = spawnSync(
          process.execPath,
          [join(c.dir, 'bin/penny.js'), 'report', '--ledger', c.file, ...args],
          {
            encoding: 'utf8',
            maxBuffer: 256 * 1024 * 1024,
          },
        );
        record(`${c.label}\t${name}`, Number(process.hrtime.bigint() - t) / 1e6);
        if (r.status !== 0) throw new Error(`penny report failed (${r.status}): ${r.stderr}${r.stdout}`);
        const prev = outputs.get(name);
        if (prev !== undefined && prev !== r.stdout)
          throw new Error(`${c.label}: ${name} differs between builds`);
        outputs.set(name, r.stdout);
      }
      for (const [name, read] of Object.entries(reads)) {
        const t = process.hrtime.bigint();
        const n = await read(c.ledger);
        record(`${c.label}\t${name}`, Number(process.hrtime.bigint() - t) / 1e6);
        if (!Array.isArray(n) || n.length === 0) throw new Error(`${name}: no rows`);
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`\nmedian of ${RUNS} interleaved runs, ms (reports: whole command; reads: one call)`);
  console.log(['', ...copies.map((c) => c.label)].join('\t'));
  for (const name of [...Object.keys(reports), ...Object.keys(reads)]) {
    console.log(
      [name, ...copies.map((c) => median(times.get(`${c.label}\t${name}`)!).toFixed(1))].join('\t'),
    );
  }
  console.log('outputs of every report identical across builds');
  for (const c of copies) await c.ledger.close();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
