/**
 * Memory benchmark (`npm run bench:memory`): Penny as built (bench/servers/penny.mjs, SQLite ledger on) in
 * variants that differ only by environment, compared in interleaved rounds on the same machine. Each round
 * starts every variant fresh, in turn, and drives it with wrk (fake upstream's fast path): non-streamed at
 * 10 clients, non-streamed at 64, streamed at 64 (wrk cuts its connections at the end of each cell, as in
 * `npm run bench`). Per cell it records the gateway's CPU per request — utime + stime from /proc/<pid>/stat
 * over the cell divided by the requests wrk completed, robust on a loaded machine where req/s is not — and
 * after the last cell the RSS and its peak (VmHWM). Medians of rounds. Results: stdout and
 * bench/results/memory.md.
 *
 *   npm run bench:memory [-- --rounds 3] [--seconds 4]
 *     [--variant "name:ENV=value,ENV2=value"] ...   (default: Penny's defaults vs PENNY_BENCH_HEAP_GROWTH=30)
 *
 * Gateways run pinned to CPU 0, the upstream and wrk to CPU 1 (when `taskset` exists), as in bench/gateway.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMicros as cpuUs, pin, requireWrk, startProc, stop } from './lib/proc.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
};
const ROUNDS = Number(arg('rounds') ?? 3);
const SECONDS = Number(arg('seconds') ?? 4);
if (!(ROUNDS > 0) || !(SECONDS > 0)) {
  console.error('usage: npm run bench:memory -- [--rounds 3] [--seconds 4] [--variant "name:ENV=v,..."]');
  process.exit(2);
}

interface Variant {
  name: string;
  env: Record<string, string>;
}

function parseVariant(s: string): Variant {
  const colon = s.indexOf(':');
  if (colon <= 0) throw new Error(`--variant ${JSON.stringify(s)}: expected "name:ENV=value,..."`);
  const env: Record<string, string> = {};
  for (const kv of s
    .slice(colon + 1)
    .split(',')
    .filter(Boolean)) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new Error(`--variant ${JSON.stringify(s)}: "${kv}" is not ENV=value`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return { name: s.slice(0, colon), env };
}

const given = process.argv.flatMap((a, i) =>
  a === '--variant' ? [process.argv[i + 1]!] : a.startsWith('--variant=') ? [a.slice(10)] : [],
);
const VARIANTS: Variant[] = given.length
  ? given.map(parseVariant)
  : [
      { name: "Penny defaults (V8's heap growth)", env: {} },
      { name: 'heap growth 30% (PENNY_BENCH_HEAP_GROWTH=30)', env: { PENNY_BENCH_HEAP_GROWTH: '30' } },
    ];

requireWrk('bench');

function memMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

function luaScript(stream: boolean): string {
  const body = JSON.stringify({
    model: 'gpt-4o-mini',
    stream,
    messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
  });
  const file = join(tmpdir(), `penny-bench-memory-${process.pid}-${stream ? 's' : 'j'}.lua`);
  writeFileSync(
    file,
    [
      'wrk.method = "POST"',
      `wrk.body = ${JSON.stringify(body)}`,
      'wrk.headers["Content-Type"] = "application/json"',
      'wrk.headers["Authorization"] = "Bearer penny"',
      '',
    ].join('\n'),
  );
  return file;
}

/** One wrk cell; returns the requests completed and the gateway's CPU µs per request over it. */
function cell(port: number, pid: number, stream: boolean, clients: number, seconds: number) {
  const cmd = pin(1, [
    'wrk',
    '-t1',
    `-c${clients}`,
    `-d${seconds}s`,
    '-s',
    luaScript(stream),
    `http://127.0.0.1:${port}/v1/chat/completions`,
  ]);
  const c0 = cpuUs(pid);
  const out = execFileSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
  const cpu = cpuUs(pid) - c0;
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const errors =
    Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0) +
    Number(/Socket errors:.*?timeout (\d+)/.exec(out)?.[1] ?? 0);
  return { requests, errors, cpuPerReq: requests > 0 ? cpu / requests : Number.NaN };
}

const CELLS = [
  { label: 'json @10', stream: false, clients: 10 },
  { label: 'json @64', stream: false, clients: 64 },
  { label: 'stream @64', stream: true, clients: 64 },
] as const;

interface Sample {
  cpu: number[];
  rss: number;
  peak: number;
  errors: number;
}

const median = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : Number.NaN;
};

async function main() {
  const fake = await startProc(pin(1, [process.execPath, '--import', 'tsx', 'bench/servers/fake.ts']));
  const upstream = `http://127.0.0.1:${fake.port}`;
  const samples = new Map<string, Sample[]>(VARIANTS.map((v) => [v.name, []]));
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const loadStart = load();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const v of VARIANTS) {
      const p = await startProc(pin(0, [process.execPath, 'bench/servers/penny.mjs', upstream]), v.env);
      const pid = p.child.pid!;
      cell(p.port, pid, false, 10, 1); // warm-up (JIT)
      const s: Sample = { cpu: [], rss: 0, peak: 0, errors: 0 };
      for (const c of CELLS) {
        const r = cell(p.port, pid, c.stream, c.clients, SECONDS);
        s.cpu.push(r.cpuPerReq);
        s.errors += r.errors;
      }
      Object.assign(s, memMb(pid));
      await stop(p.child);
      samples.get(v.name)!.push(s);
      process.stderr.write(
        `round ${round} ${v.name}: CPU µs/req ${s.cpu.map((x) => x.toFixed(0)).join(' / ')}, RSS ${s.rss.toFixed(0)} MB (peak ${s.peak.toFixed(0)}), wrk errors ${s.errors}\n`,
      );
    }
  }
  await stop(fake.child);
  const base = samples.get(VARIANTS[0]!.name)!;
  const baseCpu = CELLS.map((_, i) => median(base.map((s) => s.cpu[i]!)));
  const lines = [
    `Command: \`npm run bench:memory -- --rounds ${ROUNDS} --seconds ${SECONDS}\` (interleaved rounds, medians; wrk -t1, gateway pinned to CPU 0; ${new Date().toISOString().slice(0, 10)}; load average ${loadStart} at start, ${load()} at end)`,
    '',
    `| variant | ${CELLS.map((c) => `CPU µs/req ${c.label}`).join(' | ')} | RSS after (MB) | peak RSS (MB) |`,
    `|---|${CELLS.map(() => '---:').join('|')}|---:|---:|`,
    ...VARIANTS.map((v) => {
      const ss = samples.get(v.name)!;
      const cpu = CELLS.map((_, i) => median(ss.map((s) => s.cpu[i]!)));
      const rel = cpu.map((c, i) =>
        v === VARIANTS[0]
          ? c.toFixed(0)
          : `${c.toFixed(0)} (${(((c - baseCpu[i]!) / baseCpu[i]!) * 100).toFixed(1)}%)`,
      );
      return `| ${v.name} | ${rel.join(' | ')} | ${median(ss.map((s) => s.rss)).toFixed(0)} | ${median(ss.map((s) => s.peak)).toFixed(0)} |`;
    }),
  ];
  const md = `${lines.join('\n')}\n`;
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/memory.md', md);
  process.stdout.write(`\n${md}`);
}

await main();
