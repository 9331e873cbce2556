/**
 * Event-loop stalls of the SQLite writes of the request side (`node --import tsx bench/sqlite-checkpoint.ts`):
 * the gateway's write pattern in one process — every request one ledger entry and one exact-cache row of
 * ~1.1 kB (unique keys, 10,000 rows kept), at a fixed rate; the ledger and the cache store written every
 * 25 ms as the gateway does — for builds compared in interleaved rounds, each round with new files. Reports
 * per build (medians over rounds): the event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms
 * resolution) p50 / p99 / max, the write time of each 25 ms write (ledger batch + cache batch) with the
 * count above 2 ms, and the CPU per request of the process (all threads: the checkpoint thread's work
 * included) and of the main thread alone (/proc/self/task/<pid>/stat, 10 ms ticks: Linux only).
 *
 *   node --import tsx bench/sqlite-checkpoint.ts --build before=<dir> --build after=<dir>
 *        [--rounds 5] [--seconds 10] [--rate 2000]
 *
 * A build is a directory holding `dist/` (e.g. a copy of main taken before a change; `.` for this checkout,
 * after `npm run build`).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { LedgerEntry } from '../src/core/ledger-entry.js';
import { makeEntry } from '../src/ledger/entry-fixtures.js';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
};
const ROUNDS = Number(arg('rounds', '5'));
const SECONDS = Number(arg('seconds', '10'));
const RATE = Number(arg('rate', '2000'));
const WRITE_EVERY_MS = 25;
const SLOW_MS = 2;

interface Ledger {
  append(e: LedgerEntry): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}
interface Cache {
  set(key: string, value: string, ttlMs: number): Promise<void>;
  flush(): void;
  close(): Promise<void>;
}
interface Checkpointer {
  sync(): Promise<{ checkpoints: number; maxWalFrames: number; fallbacks: number }>;
}
interface Build {
  label: string;
  ledger: (path: string) => Ledger;
  cache: (path: string) => Cache;
  checkpointer: Checkpointer | null;
}

const builds: Build[] = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] !== '--build') continue;
  const spec = argv[i + 1] ?? '';
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`--build: expected "label=dir", got "${spec}"`);
  const dist = join(resolve(spec.slice(eq + 1)), 'dist');
  const mod = async (p: string) => import(pathToFileURL(join(dist, p)).href);
  const { SqliteLedger } = await mod('ledger/sqlite/sqlite-ledger.js');
  const { SqliteStore } = await mod('pipeline/cache/store/sqlite-store.js');
  let checkpointer: Checkpointer | null = null;
  try {
    checkpointer = (await mod('core/sqlite-checkpointer.js')).sqliteCheckpointer;
  } catch {}
  builds.push({
    label: spec.slice(0, eq),
    // The bench drives the writes (every 25 ms, timed), so the stores' own timers never fire.
    ledger: (p) => SqliteLedger.open(p, { flushIntervalMs: 1e9, batchSize: 1e9 }),
    cache: (p) => new SqliteStore(p, { maxEntries: 10_000, flushMs: 1e9, batchSize: 1e9 }),
    checkpointer,
  });
}
if (builds.length === 0) {
  console.error(
    'usage: bench/sqlite-checkpoint.ts --build label=<dir> [--build …] [--rounds 5] [--seconds 10]',
  );
  process.exit(2);
}

const VALUE = JSON.stringify({ id: 'chatcmpl-x', text: 'x'.repeat(1000) });
let g = 0;

interface Result {
  eldP50: number;
  eldP99: number;
  eldMax: number;
  writes: number;
  slowWrites: number;
  writeP99: number;
  writeMax: number;
  cpuUsPerRequest: number;
  mainCpuUsPerRequest: number;
  checkpoints: number;
  maxWalFrames: number;
  fallbacks: number;
}

/** CPU of the main thread alone (µs): its task's utime + stime in /proc, in clock ticks of 10 ms. */
function mainThreadCpuUs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
}

function pct(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function round(b: Build): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'penny-ckpt-bench-'));
  const ledger = b.ledger(join(dir, 'ledger.db'));
  const cache = b.cache(join(dir, 'cache.db'));
  const before = b.checkpointer ? await b.checkpointer.sync() : null;
  const eld = monitorEventLoopDelay({ resolution: 1 });
  const writeMs: number[] = [];
  let done = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuUs();
  eld.enable();
  await new Promise<void>((finish) => {
    const load = setInterval(() => {
      const due = Math.floor(((performance.now() - start) / 1000) * RATE);
      for (; done < due; done++) {
        g += 1;
        ledger.append(makeEntry({ id: `e${g}`, ts: Date.now() }));
        void cache.set(`k${g.toString(16).padStart(64, '0')}`, VALUE, 3_600_000);
      }
    }, 1);
    const writes = setInterval(() => {
      const t = performance.now();
      void ledger.flush();
      cache.flush();
      writeMs.push(performance.now() - t);
      if (performance.now() - start >= SECONDS * 1000) {
        clearInterval(load);
        clearInterval(writes);
        finish();
      }
    }, WRITE_EVERY_MS);
  });
  eld.disable();
  const cpu = process.cpuUsage(cpu0);
  const mainCpu = mainThreadCpuUs() - main0;
  const after = b.checkpointer ? await b.checkpointer.sync() : null;
  await ledger.close();
  await cache.close();
  rmSync(dir, { recursive: true, force: true });
  writeMs.sort((x, y) => x - y);
  return {
    eldP50: eld.percentile(50) / 1e6,
    eldP99: eld.percentile(99) / 1e6,
    eldMax: eld.max / 1e6,
    writes: writeMs.length,
    slowWrites: writeMs.filter((t) => t > SLOW_MS).length,
    writeP99: pct(writeMs, 0.99),
    writeMax: writeMs[writeMs.length - 1] ?? 0,
    cpuUsPerRequest: (cpu.user + cpu.system) / done,
    mainCpuUsPerRequest: mainCpu / done,
    checkpoints: after && before ? after.checkpoints - before.checkpoints : 0,
    maxWalFrames: after?.maxWalFrames ?? 0,
    fallbacks: after && before ? after.fallbacks - before.fallbacks : 0,
  };
}

const results = new Map<string, Result[]>(builds.map((b) => [b.label, []]));
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? builds : [...builds].reverse();
  for (const b of order) {
    const res = await round(b);
    results.get(b.label)!.push(res);
    console.log(
      `round ${r + 1} ${b.label}: eld p99 ${res.eldP99.toFixed(2)} ms, max ${res.eldMax.toFixed(1)} ms; ` +
        `writes > ${SLOW_MS} ms ${res.slowWrites}/${res.writes}, max ${res.writeMax.toFixed(1)} ms; ` +
        `${res.cpuUsPerRequest.toFixed(1)} µs CPU/request (main thread ${res.mainCpuUsPerRequest.toFixed(1)}); checkpoints in the thread ${res.checkpoints}`,
    );
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
console.log(
  `\n${ROUNDS} rounds × ${SECONDS} s at ${RATE} requests/s (a ledger entry and a cache row each), writes every ${WRITE_EVERY_MS} ms; medians of the rounds\n`,
);
console.log(
  '| build | event-loop delay p50 / p99 / max (ms) | writes > 2 ms (of ~' +
    Math.round((SECONDS * 1000) / WRITE_EVERY_MS) +
    ') | write p99 / max (ms) | CPU µs per request: all threads / main thread | checkpoints in the thread |',
);
console.log('|---|---:|---:|---:|---:|---:|');
for (const b of builds) {
  const rs = results.get(b.label)!;
  const m = (f: (r: Result) => number) => median(rs.map(f));
  console.log(
    `| ${b.label} | ${m((r) => r.eldP50).toFixed(2)} / ${m((r) => r.eldP99).toFixed(2)} / ${m((r) => r.eldMax).toFixed(1)} | ` +
      `${m((r) => r.slowWrites)} (per round: ${rs.map((r) => r.slowWrites).join(', ')}) | ` +
      `${m((r) => r.writeP99).toFixed(2)} / ${m((r) => r.writeMax).toFixed(1)} | ${m((r) => r.cpuUsPerRequest).toFixed(1)} / ${m((r) => r.mainCpuUsPerRequest).toFixed(1)} | ` +
      `${m((r) => r.checkpoints)} (WAL max ${Math.max(...rs.map((r) => r.maxWalFrames))} frames, fallbacks ${rs.reduce((a, r) => a + r.fallbacks, 0)}) |`,
  );
}
