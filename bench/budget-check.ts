/**
 * The budget check in isolation (`npm run bench:budget-check`): the guard stage of a built Penny — virtual
 * key verified (cached), rate limit admitted, the call's worst case reserved, settled after — run in process
 * against Redis on loopback (and the embedded SQLite store), without HTTP or an upstream, so a loaded machine
 * disturbs it less than the gateway benchmark. Per store: p50 of the check at 1 request in flight, checks
 * per second at 10 in flight, the gateway's CPU per check and, at 10 in flight, how many admissions waited for
 * a store call per 1,000 checks (leased allowances; '–' for a build that does not count them), and store calls
 * per 1,000 checks; and the bytes allocated per check at 10 in flight (from V8's GC statistics: unlike CPU
 * time, a loaded machine does not change it, so a change that allocates less shows at any load).
 * `--before=<dist>` runs a previous build's
 * stage beside this one, interleaved round by round. Results: stdout and bench/results/budget-check.md.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const N1 = Number(process.env.BENCH_N1 ?? 400);
const N10 = Number(process.env.BENCH_N10 ?? 2000);
const BEFORE = process.argv.find((a) => a.startsWith('--before='))?.slice(9);

// biome-ignore lint/suspicious/noExplicitAny: modules of a build loaded at run time
type M = any;

interface Rig {
  name: string;
  check: () => Promise<void>;
  /** Admissions that waited for a store call, and the allowances' store calls, so far (NaN: not counted). */
  counters: () => { waited: number; storeCalls: number };
  close: () => Promise<void>;
}

interface Measured {
  p50: number;
  rps: number;
  cpuUs: number;
  /** Bytes allocated per check at 10 in flight (young generation, from GC statistics): load-independent. */
  allocB: number;
  waited: number;
  storeCalls: number;
}

async function rig(name: string, dist: string, store: 'redis' | 'sqlite'): Promise<Rig> {
  const base = pathToFileURL(`${resolve(dist)}/`).href;
  const load = (p: string): Promise<M> => import(`${base}${p}`);
  const [{ loadConfig }, { buildCatalog }, gov, guard, ctxm, { CODECS }, { TargetResolver }, keys, rc] =
    await Promise.all([
      load('config/load.js'),
      load('app.js'),
      load('governance/governance.js'),
      load('governance/guard-stage.js'),
      load('pipeline/context.js'),
      load('providers/codecs.js'),
      load('providers/resolve-target.js'),
      load('governance/key-admin.js'),
      load('governance/redis-counter-store.js'),
    ]);
  const prefix = `penny:bench-check:${process.pid}:${name.replace(/\W/g, '')}:`;
  const dir = mkdtempSync(join(tmpdir(), 'penny-bench-check-'));
  const loaded = loadConfig({
    object: {
      ledger: { path: join(dir, 'ledger.db') },
      providers: {
        openai: { type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-bench-0123456789' },
      },
      governance:
        store === 'redis'
          ? { store: { redis: { url: 'redis://127.0.0.1:6379', keyPrefix: prefix } } }
          : { requireKeys: true },
    },
    env: {},
  });
  const logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => logger };
  const g = new gov.Governance(loaded, logger);
  await g.ready();
  const { key } = await keys.createKey(g.storesOrNull().keys, {
    name: 'bench',
    budget: '1000000/month',
    rpm: 1_000_000_000,
    tpm: 1_000_000_000,
  });
  const resolver = new TargetResolver(loaded);
  const stage = guard.createGuardStage({ gov: g, catalog: buildCatalog(loaded), resolver });
  const target = resolver.resolve('gpt-4o-mini');
  const body = {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
  };
  const usage = {
    inputUncached: 14,
    cacheRead: 0,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    outputText: 9,
    reasoning: 0,
  };
  const outcome = {
    status: 'ok',
    httpStatus: 200,
    provider: 'openai',
    servedModel: 'gpt-4o-mini',
    usage,
    response: null,
    error: null,
    ttftMs: null,
    simulated: false,
    written: true,
  };
  let n = 0;
  const check = async () => {
    const request = CODECS.openai.parseRequest(body);
    const ctx = ctxm.createContext({
      id: `bench-${n++}`,
      startedAt: Date.now(),
      t0: process.hrtime.bigint(),
      clientDialect: 'openai',
      request,
      original: request,
      attribution: { feature: null, user: null, keyId: null },
      clientKey: undefined,
      signal: new AbortController().signal,
      sink: null,
      requestHeaders: { authorization: `Bearer ${key}` },
    });
    await stage.run(ctx, async () => {
      const ticket = ctx.callGuard ? await ctx.callGuard.begin(ctx, target) : null;
      ticket?.end(outcome);
      return outcome;
    });
  };
  return {
    name: `${name} (${store === 'redis' ? 'Redis' : 'SQLite'})`,
    check,
    counters: () => {
      const s = typeof g.allowanceStats === 'function' ? g.allowanceStats() : null;
      return { waited: s?.waited ?? Number.NaN, storeCalls: s?.storeCalls ?? Number.NaN };
    },
    close: async () => {
      await g.drain();
      if (store === 'redis') await rc.dropPrefix(g.counters.client, prefix);
      await g.close();
    },
  };
}

const fmt = (x: number) => (Number.isNaN(x) ? '–' : x.toFixed(1));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

const YOUNG = new Set(['new_space', 'new_large_object_space']);

/** Bytes in the young generation now. */
function youngUsed(): number {
  let n = 0;
  for (const s of v8.getHeapSpaceStatistics()) if (YOUNG.has(s.space_name)) n += s.space_used_size;
  return n;
}

/**
 * Bytes allocated since `start` young bytes were in use: what each GC found in the young generation beyond
 * what the previous one left, plus what is there now beyond the last GC's leftovers.
 */
function youngAllocated(start: number, stats: v8.GCProfilerResult['statistics']): number {
  const used = (side: { heapSpaceStatistics: v8.HeapSpaceStatistics[] }) =>
    side.heapSpaceStatistics.reduce((a, x) => a + (YOUNG.has(x.spaceName) ? x.spaceUsedSize : 0), 0);
  let total = 0;
  let after = start;
  for (const s of stats) {
    total += Math.max(0, used(s.beforeGC) - after);
    after = used(s.afterGC);
  }
  return total + Math.max(0, youngUsed() - after);
}

async function measure(r: Rig): Promise<Measured> {
  const times: number[] = [];
  for (let i = 0; i < N1; i++) {
    const t0 = process.hrtime.bigint();
    await r.check();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const c0 = r.counters();
  const gcs = new v8.GCProfiler();
  const young0 = youngUsed();
  gcs.start();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let left = N10;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (left-- > 0) await r.check();
    }),
  );
  await new Promise((res) => setImmediate(res)); // the last settlements' flush
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const allocated = youngAllocated(young0, gcs.stop().statistics);
  const c1 = r.counters();
  return {
    p50: median(times),
    rps: N10 / secs,
    cpuUs: (cpu.user + cpu.system) / N10,
    allocB: allocated / N10,
    waited: ((c1.waited - c0.waited) / N10) * 1000,
    storeCalls: ((c1.storeCalls - c0.storeCalls) / N10) * 1000,
  };
}

async function main() {
  const rigs: Rig[] = [];
  for (const store of ['redis', 'sqlite'] as const) {
    rigs.push(await rig('this build', 'dist', store));
    if (BEFORE) rigs.push(await rig('before', BEFORE, store));
  }
  for (const r of rigs) await measure(r); // warm-up
  const runs = new Map<string, Measured[]>(rigs.map((r) => [r.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < rigs.length; i++) {
      const r = rigs[(i + round) % rigs.length]!;
      const m = await measure(r);
      runs.get(r.name)!.push(m);
      process.stderr.write(
        `round ${round + 1} ${r.name.padEnd(22)} p50@1 ${m.p50.toFixed(3)} ms  checks/s@10 ${m.rps.toFixed(0)}  CPU ${m.cpuUs.toFixed(1)} µs/check  ${m.allocB.toFixed(0)} B/check  waited@10 ${fmt(m.waited)}/1k\n`,
      );
    }
  }
  for (const r of rigs) await r.close();
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const out = [
    `Command: \`npm run bench:budget-check${BEFORE ? ' -- --before=<previous dist>' : ''}\` (${ROUNDS} interleaved rounds; ${N1} sequential checks, then ${N10} at 10 in flight; medians of rounds; ${new Date().toISOString().slice(0, 16)}Z, load average at the end ${load})`,
    '',
    '| stage | p50 @1 (ms) | checks/s @10 | gateway CPU per check (µs) | allocated per check @10 (B) | waited /1k checks @10 | store calls /1k checks @10 |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [name, ms] of runs)
    out.push(
      `| ${name} | ${median(ms.map((m) => m.p50)).toFixed(3)} | ${median(ms.map((m) => m.rps)).toFixed(0)} | ${median(ms.map((m) => m.cpuUs)).toFixed(1)} | ${median(ms.map((m) => m.allocB)).toFixed(0)} | ${fmt(median(ms.map((m) => m.waited)))} | ${fmt(median(ms.map((m) => m.storeCalls)))} |`,
    );
  const text = `${out.join('\n')}\n`;
  process.stdout.write(`\n${text}`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/budget-check.md', text);
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
