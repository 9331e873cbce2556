/**
 * Governance overhead (`npm run bench:governance`): the same Penny build with budgets off (ledger on) and
 * on (a virtual key with a budget and an rpm/tpm limit: every request verified, rate-limited, reserved and
 * settled), counters in Redis on loopback and, as a second row, in the embedded SQLite store. The cells are
 * interleaved — round after round, every target for a few seconds at 1 and at 10 clients — and the median
 * of the rounds is reported, so the load of a shared machine falls on every row alike. `--before=<dir>`
 * adds a previous build's dist/ (budgets on, Redis) as one more row of the same run.
 *
 * So the ratio can be read on a loaded machine, every row also reports, at 10 clients: the gateway's CPU per
 * request (utime+stime from /proc/<pid>/stat of the server process over each wrk run, median of rounds) and,
 * from its /metrics, how many budget/rate admissions waited for a store call and how many store calls the
 * leased allowances made, per 1,000 requests.
 * Env: BENCH_ROUNDS (5), BENCH_SECONDS (3), PENNY_BENCH_ALLOWANCE (allowance calls, default config).
 * Needs `wrk` and Linux /proc. Results: stdout and bench/results/governance.md.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMicros, pin, requireWrk, startProc, stop as stopProc } from './lib/proc.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECS = Number(process.env.BENCH_SECONDS ?? 3);
const BEFORE = process.argv.find((a) => a.startsWith('--before='))?.slice(9);

requireWrk('bench');

const stop = (child: ChildProcess) => stopProc(child, 5000);

interface Run {
  rps: number;
  p50: number;
  errors: number;
  /** Gateway CPU (user+system) per completed request, µs. */
  cpuUs: number;
  /** Per 1,000 requests: admissions that waited for a store call; allowance store calls (NaN: not exposed). */
  waited: number;
  storeCalls: number;
}

const cpuSeconds = (pid: number) => cpuMicros(pid) / 1e6;

/** The leased allowances' counters from the gateway's /metrics (NaN when the build does not expose them). */
async function allowanceCounters(port: number): Promise<{ waited: number; storeCalls: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const get = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    waited: get('penny_governance_admissions_waited_total'),
    storeCalls: get('penny_governance_allowance_store_calls_total'),
  };
}

async function measured(
  name: string,
  child: ChildProcess,
  port: number,
  headers: Record<string, string>,
  clients: number,
): Promise<Run> {
  const before = await allowanceCounters(port);
  const cpu0 = cpuSeconds(child.pid!);
  const r = wrk(name, port, headers, clients);
  const cpu = cpuSeconds(child.pid!) - cpu0;
  const after = await allowanceCounters(port);
  const per1k = (a: number, b: number) => (r.requests > 0 ? ((b - a) / r.requests) * 1000 : Number.NaN);
  return {
    rps: r.rps,
    p50: r.p50,
    errors: r.errors,
    cpuUs: r.requests > 0 ? (cpu / r.requests) * 1e6 : Number.NaN,
    waited: per1k(before.waited, after.waited),
    storeCalls: per1k(before.storeCalls, after.storeCalls),
  };
}

function wrk(
  name: string,
  port: number,
  headers: Record<string, string>,
  clients: number,
): { rps: number; p50: number; errors: number; requests: number } {
  const body = JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
  });
  const lines = ['wrk.method = "POST"', `wrk.body = ${JSON.stringify(body)}`];
  for (const [k, v] of Object.entries({ 'Content-Type': 'application/json', ...headers }))
    lines.push(`wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
  const script = join(tmpdir(), `penny-bench-gov-${name.replace(/\W/g, '')}.lua`);
  writeFileSync(script, `${lines.join('\n')}\n`);
  const cmd = pin(1, [
    'wrk',
    '-t1',
    `-c${clients}`,
    `-d${SECS}s`,
    '--latency',
    '-s',
    script,
    `http://127.0.0.1:${port}/v1/chat/completions`,
  ]);
  const out = execFileSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
  const m = /\s50%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p50 = m ? Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1) : Number.NaN;
  const errors =
    Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0) +
    Number(/Socket errors:.*?timeout (\d+)/.exec(out)?.[1] ?? 0);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    p50,
    errors,
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
  };
}

const fmt = (x: number, digits: number) => (Number.isNaN(x) ? '–' : x.toFixed(digits));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main() {
  const fake = await startProc(pin(1, [process.execPath, '--import', 'tsx', 'bench/servers/fake.ts']));
  const upstream = `http://127.0.0.1:${fake.port}`;
  const budgets = (name: string, store: 'redis' | 'sqlite', dist?: string) => ({
    name,
    start: async () => {
      const keyFile = join(tmpdir(), `penny-bench-gov-key-${process.pid}-${name.replace(/\W/g, '')}`);
      const p = await startProc(
        pin(0, [process.execPath, 'bench/servers/penny-budgets.mjs', upstream, keyFile, store]),
        dist ? { PENNY_BENCH_DIST: dist } : {},
      );
      return { ...p, headers: { authorization: `Bearer ${readFileSync(keyFile, 'utf8').trim()}` } };
    },
  });
  const specs = [
    {
      name: 'budgets off',
      start: async () => ({
        ...(await startProc(pin(0, [process.execPath, 'bench/servers/penny.mjs', upstream]))),
        headers: { authorization: 'Bearer penny' },
      }),
    },
    budgets('budgets on (Redis)', 'redis'),
    ...(BEFORE ? [budgets('budgets on (Redis), before', 'redis', BEFORE)] : []),
    budgets('budgets on (SQLite)', 'sqlite'),
  ];
  // Every server runs for the whole benchmark (one at a time is loaded); cells are interleaved.
  const live: Array<{ name: string; child: ChildProcess; port: number; headers: Record<string, string> }> =
    [];
  for (const s of specs) live.push({ name: s.name, ...(await s.start()) });
  const cells = new Map<string, { one: Run[]; ten: Run[] }>(live.map((t) => [t.name, { one: [], ten: [] }]));
  for (const t of live) wrk(t.name, t.port, t.headers, 10); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    const order = live.map((_, i) => live[(i + round) % live.length]!);
    for (const t of order) {
      const one = await measured(t.name, t.child, t.port, t.headers, 1);
      const ten = await measured(t.name, t.child, t.port, t.headers, 10);
      cells.get(t.name)!.one.push(one);
      cells.get(t.name)!.ten.push(ten);
      process.stderr.write(
        `round ${round + 1} ${t.name.padEnd(28)} p50@1 ${one.p50.toFixed(3)} ms  req/s@10 ${ten.rps.toFixed(0)}  cpu@10 ${ten.cpuUs.toFixed(0)} µs/req  waited@10 ${fmt(ten.waited, 1)}/1k${one.errors + ten.errors ? `  ERRORS ${one.errors + ten.errors}` : ''}\n`,
      );
    }
  }
  for (const t of live) await stop(t.child);
  await stop(fake.child);

  const off = cells.get('budgets off')!;
  const offP50 = median(off.one.map((r) => r.p50));
  const offRps = median(off.ten.map((r) => r.rps));
  const offCpu = median(off.ten.map((r) => r.cpuUs));
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const out = [
    `Command: \`npm run bench:governance${BEFORE ? ' -- --before=<previous dist>' : ''}\` (${ROUNDS} interleaved rounds of ${SECS} s per cell, median of rounds; wrk -t1, gateways pinned to CPU 0; ${new Date().toISOString().slice(0, 16)}Z, load average at the end ${load})`,
    '',
    '| path | p50 @1 (ms) | added p50 vs budgets off (ms) | req/s @10 | vs budgets off | CPU µs/req @10 | added CPU µs/req | waited /1k req @10 | store calls /1k req @10 | errors |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [name, c] of cells) {
    const base = name === 'budgets off';
    const p50 = median(c.one.map((r) => r.p50));
    const rps = median(c.ten.map((r) => r.rps));
    const cpu = median(c.ten.map((r) => r.cpuUs));
    const errors = [...c.one, ...c.ten].reduce((a, r) => a + r.errors, 0);
    out.push(
      `| ${name} | ${p50.toFixed(3)} | ${base ? '–' : (p50 - offP50).toFixed(3)} | ${rps.toFixed(0)} | ${base ? '–' : `${((rps / offRps) * 100).toFixed(0)}%`} | ${cpu.toFixed(0)} | ${base ? '–' : (cpu - offCpu).toFixed(0)} | ${base ? '–' : fmt(median(c.ten.map((r) => r.waited)), 2)} | ${base ? '–' : fmt(median(c.ten.map((r) => r.storeCalls)), 1)} | ${errors} |`,
    );
  }
  const text = `${out.join('\n')}\n`;
  process.stdout.write(`\n${text}`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/governance.md', text);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
