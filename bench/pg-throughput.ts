/**
 * PostgreSQL ledger vs SQLite ledger, measured so that a loaded machine still gives a usable answer
 * (`npm run bench:pg-throughput -- [--ledger] [--gateway] [--rounds=5] [--seconds=4] [--clients=10]`;
 * both parts by default). Every comparison is interleaved rounds in one run, and reports medians.
 *
 * --ledger: the ledger alone, in this process. Per round and per variant, N entries (BENCH_N, default
 *   10,000) appended and flushed in batches of B (default 512, the ledger's batch size): the SQLite ledger;
 *   PostgreSQL's INSERT … unnest with the rollups grouped by the server (the path every batch took before
 *   COPY, still used for replays); the PostgreSQL ledger as it writes new batches now (COPY + rollup deltas).
 *   Prints this process's CPU per entry (process.cpuUsage) and the PostgreSQL backend's CPU per entry
 *   (utime + stime from /proc/<backend pid>/stat of the connections doing the writes).
 * --gateway: `bench/servers/penny.mjs` twice (needs `npm run build`), SQLite ledger and PostgreSQL ledger
 *   (own schema, dropped at the end), both pinned to CPU 0, the fake upstream and wrk on CPU 1 as in
 *   bench/gateway.ts; rounds alternate which goes first. Per run: req/s (wrk, non-streamed, --clients),
 *   Penny's CPU per request (/proc/<pid>/stat) and, for PostgreSQL, the CPU its ledger backends spent per
 *   request (found by application_name, set per run in the URL), read after the last batch is written.
 *   req/s on a loaded box is noise; the CPU columns are what to compare there.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { makeEntry } from '../src/ledger/entry-fixtures.js';
import { PostgresLedger } from '../src/ledger/postgres/pg-ledger.js';
import { entryToValues, insertSql, toColumnArrays } from '../src/ledger/postgres/pg-row-codec.js';
import { rollupInsertSql } from '../src/ledger/postgres/pg-rollup.js';
import { SqliteLedger } from '../src/ledger/sqlite/sqlite-ledger.js';
import type { LedgerEntry } from '../src/core/ledger-entry.js';
import { newRequestId } from '../src/pipeline/request-id.js';
import { cpuMicros, have, pin, startProc, stop } from './lib/proc.js';

const URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const arg = (name: string, dflt: number) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
};
const ROUNDS = arg('rounds', 5);
const SECONDS = arg('seconds', 4);
const CLIENTS = arg('clients', 10);
const N = Number(process.env.BENCH_N ?? 10_000);
const B = Number(process.env.B ?? 512);
const wantLedger = process.argv.includes('--ledger') || !process.argv.includes('--gateway');
const wantGateway = process.argv.includes('--gateway') || !process.argv.includes('--ledger');

/** utime + stime of a process, µs (0 when it is gone). */
function procCpuUs(pid: number): number {
  try {
    return cpuMicros(pid);
  } catch {
    return 0;
  }
}
const sumCpu = (pids: Iterable<number>) => [...pids].reduce((a, p) => a + procCpuUs(p), 0);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Entries shaped like the gateway bench's: one feature-less key, a prompt hash and a cache miss in meta. */
function entries(): LedgerEntry[] {
  const ts = Date.now();
  return Array.from({ length: N }, (_, i) =>
    makeEntry({
      id: newRequestId(),
      ts: ts + i,
      feature: null,
      user: null,
      meta: { promptHash: 'abcdef0123456789abcdef0123456789', cache: { status: 'miss' } },
    }),
  );
}

async function ledgerPart(): Promise<string[]> {
  const schemaCopy = `penny_bench_tp_${process.pid}`;
  const schemaSql = `penny_bench_tp_sql_${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'penny-pg-throughput-'));
  const sqlite = SqliteLedger.open(join(dir, 'ledger.db'), { flushIntervalMs: 100_000 });
  const opts = { url: URL, spillDir: join(dir, 'spill'), flushIntervalMs: 100_000, batchSize: 100_000 };
  const pgLedger = await PostgresLedger.open({ ...opts, schema: schemaCopy });
  const writerPids = new Set<number>();
  pgLedger.pool.on('connect', (c) => writerPids.add((c as unknown as { processID: number }).processID));
  // The INSERT path's own ledger schema (migrated the same way), written through one plain connection.
  await (await PostgresLedger.open({ ...opts, schema: schemaSql, spillDir: join(dir, 'spill2') })).close();
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  const clientPid = (client as unknown as { processID: number }).processID;
  const insert = rollupInsertSql(`"${schemaSql}"`, insertSql(`"${schemaSql}".ledger_entries`));

  type Variant = { name: string; write: (es: LedgerEntry[]) => Promise<void>; pids: () => number[] };
  const variants: Variant[] = [
    {
      name: 'SQLite ledger',
      write: async (es) => {
        for (let i = 0; i < es.length; i++) {
          sqlite.append(es[i]!);
          if (i % B === B - 1) await sqlite.flush();
        }
        await sqlite.flush();
      },
      pids: () => [],
    },
    {
      name: 'PostgreSQL, INSERT … unnest + rollups grouped by the server (before)',
      write: async (es) => {
        for (let i = 0; i < es.length; i += B) {
          await client.query(insert, toColumnArrays(es.slice(i, i + B).map(entryToValues)));
        }
      },
      pids: () => [clientPid],
    },
    {
      name: 'PostgreSQL ledger, COPY + rollup deltas from this process (now)',
      write: async (es) => {
        for (let i = 0; i < es.length; i++) {
          pgLedger.append(es[i]!);
          if (i % B === B - 1) await pgLedger.flush();
        }
        await pgLedger.flush();
      },
      pids: () => [...writerPids],
    },
  ];
  const res = variants.map(() => ({ node: [] as number[], server: [] as number[], wall: [] as number[] }));
  // One warm-up round (JIT, prepared statements, connections), not recorded.
  for (let round = 0; round <= ROUNDS; round++) {
    const order = variants.map((_, i) => i);
    if (round % 2) order.reverse();
    for (const vi of order) {
      const v = variants[vi]!;
      const es = entries();
      const s0 = sumCpu(v.pids());
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await v.write(es);
      const wall = (performance.now() - t0) * 1000;
      const c = process.cpuUsage(c0);
      const server = sumCpu(v.pids()) - s0;
      if (round === 0) continue;
      res[vi]!.node.push((c.user + c.system) / N);
      res[vi]!.server.push(server / N);
      res[vi]!.wall.push(wall / N);
      process.stderr.write(
        `round ${round} ${v.name}: node ${((c.user + c.system) / N).toFixed(1)} µs/entry, server ${(server / N).toFixed(1)} µs/entry\n`,
      );
    }
  }
  if (pgLedger.stats().copiedBatches === 0) throw new Error('the PostgreSQL ledger never took the COPY path');
  await pgLedger.close();
  await sqlite.close();
  for (const s of [schemaCopy, schemaSql]) await client.query(`DROP SCHEMA "${s}" CASCADE`);
  await client.end();
  rmSync(dir, { recursive: true, force: true });
  const lines = [
    `Ledger alone: ${ROUNDS} interleaved rounds of ${N} entries in batches of ${B}, medians; load average ${load()}`,
    '',
    '| write path | this process, µs CPU/entry | PostgreSQL backend, µs CPU/entry | sum | wall µs/entry |',
    '|---|---:|---:|---:|---:|',
  ];
  variants.forEach((v, i) => {
    const r = res[i]!;
    const [n, s] = [median(r.node), median(r.server)];
    lines.push(
      `| ${v.name} | ${n.toFixed(1)} | ${i === 0 ? '–' : s.toFixed(1)} | ${(n + s).toFixed(1)} | ${median(r.wall).toFixed(1)} |`,
    );
  });
  return lines;
}

// --- gateway -----------------------------------------------------------------------------------------

function wrk(url: string, seconds: number): { rps: number; requests: number; errors: number } {
  const script = join(tmpdir(), `penny-pg-throughput-${process.pid}.lua`);
  const body = JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
  });
  execFileSync('sh', [
    '-c',
    `cat > ${script} <<'EOF'\nwrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["authorization"] = "Bearer penny"\nEOF`,
  ]);
  const cmd = pin(1, [
    'wrk',
    '-t1',
    `-c${CLIENTS}`,
    `-d${seconds}s`,
    '-s',
    script,
    `${url}/v1/chat/completions`,
  ]);
  const out = execFileSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
    errors: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
  };
}

async function gatewayPart(): Promise<string[]> {
  if (!have('wrk')) throw new Error('bench: `wrk` is required (apt-get install -y wrk)');
  const app = `penny_bench_tp_${process.pid}`;
  const pgUrl = `${URL}${URL.includes('?') ? '&' : '?'}application_name=${app}`;
  const fake = await startProc(pin(1, [process.execPath, '--import', 'tsx', 'bench/servers/fake.ts']));
  const upstream = `http://127.0.0.1:${fake.port}`;
  const admin = new pg.Client({ connectionString: URL });
  await admin.connect();
  const backends = async () =>
    (
      await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [
        app,
      ])
    ).rows.map((r) => r.pid);
  const targets = [
    { name: 'SQLite ledger', args: [upstream] },
    { name: 'PostgreSQL ledger', args: [upstream, pgUrl] },
  ];
  const procs = [];
  for (const t of targets)
    procs.push(await startProc(pin(0, [process.execPath, 'bench/servers/penny.mjs', ...t.args])));
  const res = targets.map(() => ({ rps: [] as number[], penny: [] as number[], server: [] as number[] }));
  const ratios: number[] = [];
  try {
    for (const p of procs) wrk(`http://127.0.0.1:${p.port}`, 2); // warm-up
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 ? [0, 1] : [1, 0];
      const rps: number[] = [];
      for (const ti of order) {
        const p = procs[ti]!;
        await new Promise((r) => setTimeout(r, 500)); // the previous run's last batch is written
        const pids = ti === 1 ? await backends() : [];
        const s0 = sumCpu(pids);
        const p0 = procCpuUs(p.child.pid!);
        const w = wrk(`http://127.0.0.1:${p.port}`, SECONDS);
        await new Promise((r) => setTimeout(r, 500)); // the ledger's flush interval is 200 ms
        const penny = (procCpuUs(p.child.pid!) - p0) / w.requests;
        const server = (sumCpu(ti === 1 ? await backends() : []) - s0) / w.requests;
        rps[ti] = w.rps;
        res[ti]!.rps.push(w.rps);
        res[ti]!.penny.push(penny);
        res[ti]!.server.push(server);
        process.stderr.write(
          `round ${round} ${targets[ti]!.name}: ${w.rps.toFixed(0)} req/s, Penny ${penny.toFixed(0)} µs CPU/req, PostgreSQL ${server.toFixed(1)} µs CPU/req${w.errors ? `, ERRORS ${w.errors}` : ''}\n`,
        );
      }
      ratios.push(rps[1]! / rps[0]!);
    }
  } finally {
    for (const p of procs) await stop(p.child);
    await stop(fake.child);
    await admin.end();
  }
  const lines = [
    `Gateway, non-streamed, ${CLIENTS} clients, ${ROUNDS} interleaved rounds of ${SECONDS} s, medians; load average ${load()}`,
    '',
    '| ledger | req/s | Penny µs CPU/request | PostgreSQL backends µs CPU/request | sum |',
    '|---|---:|---:|---:|---:|',
  ];
  targets.forEach((t, i) => {
    const r = res[i]!;
    const [p, s] = [median(r.penny), median(r.server)];
    lines.push(
      `| ${t.name} | ${median(r.rps).toFixed(0)} | ${p.toFixed(0)} | ${i === 0 ? '–' : s.toFixed(1)} | ${(p + s).toFixed(0)} |`,
    );
  });
  lines.push(
    '',
    `PostgreSQL / SQLite req/s, median of the per-round ratios: ${(median(ratios) * 100).toFixed(0)} % (rounds: ${ratios.map((r) => `${(r * 100).toFixed(0)} %`).join(', ')})`,
  );
  return lines;
}

const out: string[] = [];
if (wantLedger) out.push(...(await ledgerPart()), '');
if (wantGateway) out.push(...(await gatewayPart()));
console.log(out.join('\n'));
