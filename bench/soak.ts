/**
 * Soak (`npm run bench:soak`): Penny as built (bench/servers/penny.mjs: default configuration, SQLite ledger
 * on) behind 64 concurrent clients for 10 minutes against the fake upstream's fast path, one request in four
 * streamed. Every interval (a tenth of the run by default: a minute) it reports the gateway's RSS, the
 * p50/p99 latency and the requests and errors of that interval; at the end the RSS and p99 growth from the
 * end of the 2nd interval (minute 2 of 10) to the end, and whether the ledger holds exactly one entry per
 * request sent (counted in the SQLite file after Penny stopped and flushed). It passes (exit code 0) when
 * both growths are under 10%, no request failed and ledger entries = requests (issue 14's soak target).
 * Results: stdout and bench/results/soak.md.
 *
 *   npm run bench:soak [-- --minutes 10] [--interval <minutes × 6 s>] [--clients 64]
 *   npm run bench:soak -- --minutes 2                  (a quick run: 10 intervals of 12 s)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Pool } from 'undici';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
};
const MINUTES = Number(arg('minutes') ?? 10);
const INTERVAL_S = Number(arg('interval') ?? MINUTES * 6);
/** The target of issue 14: RSS and p99 grow less than this from the end of the 2nd interval to the end. */
const MAX_GROWTH = 0.1;
const CLIENTS = Number(arg('clients') ?? 64);
if (!(MINUTES > 0) || !(INTERVAL_S > 0) || !(CLIENTS > 0)) {
  console.error(
    'usage: npm run bench:soak -- [--minutes 10] [--interval <seconds, default minutes × 6>] [--clients 64]',
  );
  process.exit(2);
}

function startProc(cmd: string[]): Promise<{ child: ChildProcess; port: number; extra: string }> {
  const child = spawn(cmd[0]!, cmd.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+)( [^\n]+)?\n/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), extra: (m[2] ?? '').trim() });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${cmd.join(' ')} exited ${code}: ${out}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => {
    child.removeAllListeners('exit');
    if (child.exitCode !== null) return r(child.exitCode);
    child.once('exit', (code) => r(code));
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
  });
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

interface Interval {
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  rss: number;
  rssMax: number;
}

async function main() {
  const fake = await startProc([process.execPath, '--import', 'tsx', 'bench/servers/fake.ts']);
  const penny = await startProc([
    process.execPath,
    'bench/servers/penny.mjs',
    `http://127.0.0.1:${fake.port}`,
  ]);
  const ledgerPath = penny.extra;
  const pid = penny.child.pid!;
  const pool = new Pool(`http://127.0.0.1:${penny.port}`, { connections: CLIENTS, pipelining: 1 });
  const bodies = [false, true].map((stream) =>
    JSON.stringify({
      model: 'gpt-4o-mini',
      stream,
      messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
    }),
  );

  const loadAvg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const loadStart = loadAvg();
  const endAt = Date.now() + MINUTES * 60_000;
  let sent = 0;
  let latencies: number[] = [];
  let errors = 0;
  let rssMax = 0;
  const firstErrors: string[] = [];
  const intervals: Interval[] = [];

  const one = async (i: number) => {
    const t0 = performance.now();
    try {
      const res = await pool.request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer penny' },
        body: bodies[i % 4 === 3 ? 1 : 0]!,
      });
      let text = '';
      for await (const c of res.body) if (res.statusCode !== 200) text += c.toString();
      if (res.statusCode !== 200) {
        errors++;
        if (firstErrors.length < 5) firstErrors.push(`${res.statusCode} ${text.slice(0, 200)}`);
      }
    } catch (e) {
      errors++;
      if (firstErrors.length < 5) firstErrors.push(String(e));
    }
    latencies.push(performance.now() - t0);
  };
  const worker = async () => {
    while (Date.now() < endAt) await one(sent++);
  };

  const rssTimer = setInterval(() => {
    rssMax = Math.max(rssMax, rssMb(pid));
  }, 1000);
  const closeInterval = () => {
    const sorted = latencies.sort((a, b) => a - b);
    const rss = rssMb(pid);
    const iv: Interval = {
      requests: sorted.length,
      errors,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      rss,
      rssMax: Math.max(rssMax, rss),
    };
    intervals.push(iv);
    process.stderr.write(
      `interval ${intervals.length}: ${iv.requests} requests (${(iv.requests / INTERVAL_S).toFixed(0)}/s), ${iv.errors} errors, p50 ${iv.p50.toFixed(2)} ms, p99 ${iv.p99.toFixed(2)} ms, RSS ${iv.rss.toFixed(0)} MB (max ${iv.rssMax.toFixed(0)})\n`,
    );
    latencies = [];
    errors = 0;
    rssMax = 0;
  };
  const intervalTimer = setInterval(closeInterval, INTERVAL_S * 1000);

  await Promise.all(Array.from({ length: CLIENTS }, worker));
  clearInterval(rssTimer);
  clearInterval(intervalTimer);
  // The last tick and the end of the run race (timers drift on a loaded machine): close the last interval
  // here if its tick has not come, so every run has its full count of intervals.
  if (intervals.length < Math.round((MINUTES * 60) / INTERVAL_S) && latencies.length > 0) closeInterval();
  await pool.close();
  const totalErrors = intervals.reduce((a, b) => a + b.errors, 0) + errors;
  const exit = await stop(penny.child);
  await stop(fake.child);
  const db = new Database(ledgerPath, { readonly: true });
  const { n: entries } = db.prepare('SELECT count(*) AS n FROM ledger_entries').get() as { n: number };
  const { n: okEntries } = db
    .prepare("SELECT count(*) AS n FROM ledger_entries WHERE status = 'ok'")
    .get() as {
    n: number;
  };
  db.close();

  const from = intervals[1] ?? intervals[0];
  const last = intervals.at(-1);
  const rel = (a: number | undefined, b: number | undefined) => (a && b ? (b - a) / a : Number.NaN);
  const growth = (a: number | undefined, b: number | undefined) =>
    a && b ? `${(rel(a, b) * 100).toFixed(1)}%` : '–';
  const failures = [
    ...(intervals.length < 3 ? [`only ${intervals.length} intervals: growth needs at least 3`] : []),
    ...(rel(from?.rss, last?.rss) < MAX_GROWTH ? [] : [`RSS grew ${growth(from?.rss, last?.rss)}`]),
    ...(rel(from?.p99, last?.p99) < MAX_GROWTH ? [] : [`p99 grew ${growth(from?.p99, last?.p99)}`]),
    ...(totalErrors === 0 ? [] : [`${totalErrors} errors`]),
    ...(entries === sent ? [] : [`${entries} ledger entries for ${sent} requests`]),
  ];
  const lines = [
    `Command: \`npm run bench:soak -- --minutes ${MINUTES} --interval ${INTERVAL_S}\` (${CLIENTS} clients, 1 in 4 streamed; ${new Date().toISOString().slice(0, 10)}; load average ${loadStart} at start, ${loadAvg()} at end)`,
    '',
    '| interval | requests | req/s | errors | p50 (ms) | p99 (ms) | RSS (MB) | RSS max (MB) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...intervals.map(
      (iv, i) =>
        `| ${i + 1} | ${iv.requests} | ${(iv.requests / INTERVAL_S).toFixed(0)} | ${iv.errors} | ${iv.p50.toFixed(2)} | ${iv.p99.toFixed(2)} | ${iv.rss.toFixed(0)} | ${iv.rssMax.toFixed(0)} |`,
    ),
    '',
    `- requests sent: ${sent}; errors: ${totalErrors}${firstErrors.length ? ` (first: ${firstErrors.join(' / ')})` : ''}`,
    `- ledger entries: ${entries} (${okEntries} ok) — ${entries === sent ? 'equal to requests' : `NOT equal to requests (${sent})`}; Penny exited ${exit}`,
    `- growth from the end of interval 2 to the end: RSS ${growth(from?.rss, last?.rss)} (${from?.rss.toFixed(0)} → ${last?.rss.toFixed(0)} MB), p99 ${growth(from?.p99, last?.p99)} (${from?.p99.toFixed(2)} → ${last?.p99.toFixed(2)} ms)`,
    `- ${failures.length === 0 ? 'PASS' : `FAIL: ${failures.join('; ')}`} (target: RSS and p99 growth under ${MAX_GROWTH * 100}%, 0 errors, ledger entries = requests)`,
  ];
  const md = `${lines.join('\n')}\n`;
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/soak.md', md);
  process.stdout.write(`\n${md}`);
  if (failures.length > 0) process.exitCode = 1;
}

await main();
