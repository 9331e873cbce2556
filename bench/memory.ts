/**
 * Memory benchmark (`npm run bench:memory`): Penny as built (bench/servers/penny.mjs, SQLite ledger on) in
 * variants that differ only by environment, compared in interleaved rounds on the same machine. Each round
 * starts every variant fresh, in turn, and drives it with wrk (fake upstream's fast path): non-streamed at
 * 10 clients, non-streamed at 64, streamed at 64 (wrk cuts its connections at the end of each cell, as in
 * `npm run bench`). Per cell it records the gateway's CPU per request — utime + stime from /proc/<pid>/stat
 * over the cell divided by the requests wrk completed, robust on a loaded machine where req/s is not — and
 * after the last cell the RSS (read at once and again 2 s later, when the token-estimate worker that wrk's
 * aborted streams start has loaded its table; the larger is reported) and its peak (VmHWM). Medians of rounds. Results: stdout and
 * bench/results/memory.md.
 *
 * Where the RSS goes: at start (idle) and after the last cell, the bench reads /proc/<pid>/smaps_rollup
 * (file-backed pages — the node binary, ICU data, shared libraries — vs anonymous memory) and the thread
 * count (the token-estimate worker is one thread), and has the gateway write its main thread's V8 heap by
 * space (bench/servers/penny.mjs, PENNY_BENCH_MEMORY_REPORT, on SIGUSR2). Anonymous memory outside the main
 * heap is then the estimate worker's isolate, malloc arenas, Buffers and SQLite's page cache.
 * A variant may run another build: `--variant "main:PENNY_BENCH_DIST=/path/to/main/dist"`.
 *
 *   npm run bench:memory [-- --rounds 3] [--seconds 4]
 *     [--variant "name:ENV=value,ENV2=value"] ...   (default: Penny's defaults vs PENNY_BENCH_HEAP_GROWTH=30)
 *
 * Gateways run pinned to CPU 0, the upstream and wrk to CPU 1 (when `taskset` exists), as in bench/gateway.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
/**
 * `--requests N`: each cell is N completed requests instead of SECONDS (wrk stops itself at the N-th answer;
 * SECONDS × 20 is the cap). On a shared machine a fixed-duration cell does whatever work the gateway's share
 * of the CPU allows, and RSS at 64 clients follows that work; a fixed amount of work makes the variants'
 * RSS comparable under load.
 */
const REQUESTS = arg('requests') === undefined ? undefined : Number(arg('requests'));
if (!(ROUNDS > 0) || !(SECONDS > 0) || (REQUESTS !== undefined && !(REQUESTS > 0))) {
  console.error(
    'usage: npm run bench:memory -- [--rounds 3] [--seconds 4] [--requests N] [--variant "name:ENV=v,..."]',
  );
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

/** How long after the cells the RSS is read again (see main). */
const SETTLE_MS = 2000;

function threads(pid: number): number {
  return Number(/Threads:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
}

function memMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** The gateway's memory as the kernel and its main thread's V8 see it, MB. */
interface Breakdown {
  rss: number;
  file: number;
  anon: number;
  threads: number;
  newSpace: number;
  oldSpace: number;
  oldUsed: number;
  largeObjects: number;
  code: number;
  heapCommitted: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  peakMalloced: number;
  /** Main-thread GCs since the previous report (bench/servers/penny.mjs, v8.GCProfiler); bytes. */
  gc: {
    scavenges: number;
    markCompacts: number;
    promoted: number;
    youngAllocated: number;
    /** The GCs' own durations (µs, V8's `cost`: main-thread wall time, so inflated by preemption). */
    scavengeUs: number;
    markCompactUs: number;
  };
}

const MB = 1024 * 1024;

async function breakdown(pid: number, reportFile: string): Promise<Breakdown> {
  rmSync(reportFile, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 100 && !existsSync(reportFile); i++) await new Promise((r) => setTimeout(r, 50));
  // Written with one writeFileSync; a half-written file fails JSON.parse, so retry briefly.
  let r: {
    memoryUsage: NodeJS.MemoryUsage;
    spaces: Record<string, { committed: number; used: number }>;
    peakMallocedMemory: number;
    gc: Breakdown['gc'];
  } | null = null;
  for (let i = 0; i < 20 && r === null; i++) {
    try {
      r = JSON.parse(readFileSync(reportFile, 'utf8'));
    } catch {
      await new Promise((res) => setTimeout(res, 50));
    }
  }
  if (r === null) throw new Error(`no memory report from the gateway in ${reportFile}`);
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (text: string, k: string) =>
    Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  const rss = kb(rollup, 'Rss') / 1024;
  const anon = kb(rollup, 'Anonymous') / 1024;
  const space = (name: string) => r!.spaces[name] ?? { committed: 0, used: 0 };
  const heapCommitted = Object.values(r.spaces).reduce((a, s) => a + s.committed, 0);
  return {
    rss,
    file: rss - anon,
    anon,
    threads: kb(readFileSync(`/proc/${pid}/status`, 'utf8'), 'Threads'),
    newSpace: space('new_space').committed / MB,
    oldSpace: space('old_space').committed / MB,
    oldUsed: space('old_space').used / MB,
    largeObjects: (space('large_object_space').committed + space('new_large_object_space').committed) / MB,
    code: (space('code_space').committed + space('code_large_object_space').committed) / MB,
    heapCommitted: heapCommitted / MB,
    heapUsed: r.memoryUsage.heapUsed / MB,
    external: r.memoryUsage.external / MB,
    arrayBuffers: r.memoryUsage.arrayBuffers / MB,
    peakMalloced: r.peakMallocedMemory / MB,
    gc: r.gc,
  };
}

function luaScript(stream: boolean, stopAfter: number | undefined): string {
  const body = JSON.stringify({
    model: 'gpt-4o-mini',
    stream,
    messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
  });
  const file = join(
    tmpdir(),
    `penny-bench-memory-${process.pid}-${stream ? 's' : 'j'}${stopAfter ? `-${stopAfter}` : ''}.lua`,
  );
  writeFileSync(
    file,
    [
      'wrk.method = "POST"',
      `wrk.body = ${JSON.stringify(body)}`,
      'wrk.headers["Content-Type"] = "application/json"',
      'wrk.headers["Authorization"] = "Bearer penny"',
      // One wrk thread (-t1) counts its answers; at the N-th it says so on stderr (cell() then interrupts wrk,
      // whose main thread otherwise sleeps out -d) and stops sending, its connections still open.
      ...(stopAfter
        ? [
            'local answered = 0',
            'response = function()',
            '  answered = answered + 1',
            `  if answered == ${stopAfter} then io.stderr:write("${DONE}\\n"); io.stderr:flush(); wrk.thread:stop() end`,
            'end',
          ]
        : []),
      '',
    ].join('\n'),
  );
  return file;
}

/** What a `--requests` cell's wrk script prints when its N-th answer arrives. */
const DONE = 'PENNY-BENCH-CELL-DONE';

/** One wrk cell; returns the requests completed and the gateway's CPU µs per request over it. */
async function cell(
  port: number,
  pid: number,
  stream: boolean,
  clients: number,
  seconds: number,
  stopAfter?: number,
) {
  const cmd = pin(1, [
    'wrk',
    '-t1',
    `-c${clients}`,
    `-d${stopAfter ? seconds * 20 : seconds}s`,
    '-s',
    luaScript(stream, stopAfter),
    `http://127.0.0.1:${port}/v1/chat/completions`,
  ]);
  const c0 = cpuUs(pid);
  const out = await new Promise<string>((resolve, reject) => {
    const wrk = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    wrk.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    // SIGINT: wrk stops its threads and prints its summary, as at the end of -d.
    wrk.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes(DONE)) wrk.kill('SIGINT');
    });
    wrk.on('error', reject);
    wrk.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`wrk exited ${code}: ${stderr}`)),
    );
  });
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
  /** The larger of the two readings below. */
  rss: number;
  /** VmHWM: the process's peak RSS, read after the settle. */
  peak: number;
  rssAtEnd: number;
  rssSettled: number;
  threadsSettled: number;
  errors: number;
  idle: Breakdown;
  loaded: Breakdown;
  /** Requests wrk completed from the warm-up to the end of the last cell (the loaded report's GCs). */
  requests: number;
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
      const reportFile = join(tmpdir(), `penny-bench-memory-${process.pid}.json`);
      const p = await startProc(pin(0, [process.execPath, 'bench/servers/penny.mjs', upstream]), {
        ...v.env,
        PENNY_BENCH_MEMORY_REPORT: reportFile,
      });
      const pid = p.child.pid!;
      await new Promise((r) => setTimeout(r, 1000)); // the price worker's exit, start-up's last allocations
      const idle = await breakdown(pid, reportFile);
      const warm = await cell(p.port, pid, false, 10, 1); // warm-up (JIT)
      const s: Sample = {
        cpu: [],
        rss: 0,
        peak: 0,
        rssAtEnd: 0,
        rssSettled: 0,
        threadsSettled: 0,
        errors: 0,
        idle,
        loaded: idle,
        requests: warm.requests,
      };
      for (const c of CELLS) {
        const r = await cell(p.port, pid, c.stream, c.clients, SECONDS, REQUESTS);
        s.cpu.push(r.cpuPerReq);
        s.errors += r.errors;
        s.requests += r.requests;
      }
      const atEnd = memMb(pid);
      s.loaded = await breakdown(pid, reportFile);
      // The aborted streams at the end of the streamed cell start the token-estimate worker, which loads its
      // rank table after wrk has gone: read again once it has, and report the larger (and the peak since).
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const settled = memMb(pid);
      Object.assign(s, {
        rss: Math.max(atEnd.rss, settled.rss),
        peak: settled.peak,
        rssAtEnd: atEnd.rss,
        rssSettled: settled.rss,
        threadsSettled: threads(pid),
      });
      await stop(p.child);
      samples.get(v.name)!.push(s);
      process.stderr.write(
        `round ${round} ${v.name}: CPU µs/req ${s.cpu.map((x) => x.toFixed(0)).join(' / ')}, RSS ${s.rss.toFixed(0)} MB (at the end ${s.rssAtEnd.toFixed(0)}, ${SETTLE_MS / 1000} s later ${s.rssSettled.toFixed(0)} with ${s.threadsSettled} threads; peak ${s.peak.toFixed(0)}; idle ${s.idle.rss.toFixed(0)}), ${s.requests} requests, wrk errors ${s.errors}\n`,
      );
    }
  }
  await stop(fake.child);
  const base = samples.get(VARIANTS[0]!.name)!;
  const baseCpu = CELLS.map((_, i) => median(base.map((s) => s.cpu[i]!)));
  const lines = [
    `Command: \`npm run bench:memory -- --rounds ${ROUNDS} --seconds ${SECONDS}${REQUESTS ? ` --requests ${REQUESTS}` : ''}\` (interleaved rounds, medians; wrk -t1, gateway pinned to CPU 0; ${new Date().toISOString().slice(0, 10)}; load average ${loadStart} at start, ${load()} at end)`,
    '',
    `| variant | ${CELLS.map((c) => `CPU µs/req ${c.label}`).join(' | ')} | RSS after (MB) | at the end / ${SETTLE_MS / 1000} s later (MB) | RSS after, per round | peak RSS (MB) | requests |`,
    `|---|${CELLS.map(() => '---:').join('|')}|---:|---|---|---:|---:|`,
    ...VARIANTS.map((v) => {
      const ss = samples.get(v.name)!;
      const cpu = CELLS.map((_, i) => median(ss.map((s) => s.cpu[i]!)));
      const rel = cpu.map((c, i) =>
        v === VARIANTS[0]
          ? c.toFixed(0)
          : `${c.toFixed(0)} (${(((c - baseCpu[i]!) / baseCpu[i]!) * 100).toFixed(1)}%)`,
      );
      const m = (f: (s: Sample) => number) => median(ss.map(f)).toFixed(0);
      return `| ${v.name} | ${rel.join(' | ')} | ${m((s) => s.rss)} | ${m((s) => s.rssAtEnd)} / ${m((s) => s.rssSettled)} | ${ss.map((s) => s.rss.toFixed(0)).join(' / ')} | ${m((s) => s.peak)} | ${m((s) => s.requests)} |`;
    }),
    '',
    'Where the RSS goes (MB, medians; main thread heap from `v8.getHeapSpaceStatistics()`, the rest from',
    '`/proc/<pid>/smaps_rollup`; "outside" = anonymous memory not in the main V8 heap: estimate worker,',
    'malloc arenas, Buffers, SQLite page cache):',
    '',
    `| variant | point | RSS | file-backed | anonymous | main heap committed (new / old / large / code) | old used | heap used | external (ArrayBuffers) | outside | peak malloced | threads |`,
    '|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|',
    ...VARIANTS.flatMap((v) => {
      const ss = samples.get(v.name)!;
      return (['idle', 'loaded'] as const).map((point) => {
        const m = (f: (b: Breakdown) => number) => median(ss.map((s) => f(s[point])));
        const n = (f: (b: Breakdown) => number) => m(f).toFixed(0);
        const d = (f: (b: Breakdown) => number) => m(f).toFixed(1);
        return `| ${v.name} | ${point === 'idle' ? 'idle after start' : 'after the cells'} | ${n((b) => b.rss)} | ${n((b) => b.file)} | ${n((b) => b.anon)} | ${n((b) => b.heapCommitted)} (${n((b) => b.newSpace)} / ${n((b) => b.oldSpace)} / ${n((b) => b.largeObjects)} / ${d((b) => b.code)}) | ${n((b) => b.oldUsed)} | ${n((b) => b.heapUsed)} | ${d((b) => b.external)} (${d((b) => b.arrayBuffers)}) | ${n((b) => b.anon - b.heapCommitted)} | ${n((b) => b.peakMalloced)} | ${n((b) => b.threads)} |`;
      });
    }),
    '',
    'Main-thread GC from the warm-up to the end of the last cell (`v8.GCProfiler` in the gateway; medians of',
    'per-round ratios): young generation filled per request, bytes scavenges moved into the old generation',
    'per request (what becomes old-generation garbage), scavenges and mark-compacts per 1,000 requests, and',
    "their main-thread time per request (V8's `cost`, wall time: a preempted gateway inflates it).",
    '',
    '| variant | young-gen KB/request | promoted KB/request | scavenges /1k req | mark-compacts /1k req | scavenge µs/req | mark-compact µs/req |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...VARIANTS.map((v) => {
      const ss = samples.get(v.name)!;
      const per = (f: (g: Breakdown['gc']) => number, scale: number, digits: number) =>
        median(ss.map((s) => (f(s.loaded.gc) / s.requests) * scale)).toFixed(digits);
      return `| ${v.name} | ${per((g) => g.youngAllocated, 1 / 1024, 1)} | ${per((g) => g.promoted, 1 / 1024, 2)} | ${per((g) => g.scavenges, 1000, 1)} | ${per((g) => g.markCompacts, 1000, 2)} | ${per((g) => g.scavengeUs ?? Number.NaN, 1, 1)} | ${per((g) => g.markCompactUs ?? Number.NaN, 1, 1)} |`;
    }),
  ];
  const md = `${lines.join('\n')}\n`;
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/memory.md', md);
  process.stdout.write(`\n${md}`);
}

await main();
