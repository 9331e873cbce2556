/**
 * Shared semantic cache benchmark (issue 10): instance A stores N entries through a semantic cache whose
 * entries are replicated by a Redis stream; instance B (a second cache in this process with its own Redis
 * connection) loads them; lookups on B's replicated index are compared with lookups on a local-only index
 * holding the same entries (the single-process baseline), same queries, same run. Also: the cold load of
 * N entries (bulk, and entry by entry as the baseline in the same run), the replication delay at syncMs 50,
 * and the stream's size in Redis.
 * Run: npm run bench:semantic-fleet   (options: --entries N (default 100000), --queries N (default 500))
 * Needs Redis at PENNY_TEST_REDIS_URL (default redis://127.0.0.1:6379); uses its own key prefix.
 */
import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { RedisSemanticLog } from '../src/pipeline/cache/fleet/redis-semantic-log.js';
import { SemanticReplica } from '../src/pipeline/cache/fleet/semantic-replica.js';
import { LocalEmbedder } from '../src/pipeline/cache/semantic/local-embedder.js';
import { SemanticCache } from '../src/pipeline/cache/semantic/semantic-cache.js';
import type { SemanticScope } from '../src/pipeline/cache/semantic/scope.js';
import { VectorIndex } from '../src/pipeline/cache/semantic/vector-index.js';

const args = process.argv.slice(2);
const argNum = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ENTRIES = argNum('--entries', 100_000);
const QUERIES = argNum('--queries', 500);
const URL = process.env.PENNY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const KEY = `penny:bench:semantic-fleet:${process.pid}`;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const WORDS = (
  'account billing invoice refund password login export import report team seat plan upgrade downgrade ' +
  'cancel renew trial api key token webhook email domain sso calendar mobile desktop backup restore ' +
  'delete archive share invite permission role admin user project folder file upload download sync'
).split(' ');
const OPEN = ['how do i', 'can i', 'why does my', 'where is the', 'what happens to', 'is it possible to'];
function text(next: () => number): string {
  const w = () => WORDS[Math.floor(next() * WORDS.length)]!;
  return `${OPEN[Math.floor(next() * OPEN.length)]} ${w()} ${w()} ${w()} ${w()} ${Math.floor(next() * 1000)}`;
}
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const ms = (x: number) => `${x.toFixed(3)} ms`;
/** CPU seconds (user + system) of this process since `c0`: the cost without the wait for a CPU. */
const cpuSecs = (c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};

const scope: SemanticScope = {
  modelFamily: 'bench',
  systemHash: 's',
  toolsHash: 't',
  prefixHash: 'p',
  namespace: 'bench',
};
const embedder = new LocalEmbedder({});
const next = rng(42);
const texts = Array.from({ length: ENTRIES }, () => text(next));

const ra = new Redis(URL, { lazyConnect: false });
const rb = new Redis(URL, { lazyConnect: false });
const newCache = (onStore?: ConstructorParameters<typeof SemanticCache>[0]['onStore']) =>
  new SemanticCache({
    embedder,
    index: new VectorIndex({ dims: embedder.dims, maxEntries: ENTRIES }),
    ...(onStore ? { onStore } : {}),
  });

try {
  // Baseline: one process, local index only.
  const local = newCache();
  let t = performance.now();
  let c = process.cpuUsage();
  for (let i = 0; i < ENTRIES; i++) await local.store({ scope, text: texts[i]!, id: `e${i}` });
  const localStoreSecs = (performance.now() - t) / 1000;
  const localStoreCpu = cpuSecs(c);

  // Instance A: the same entries, each also appended to the shared stream.
  let replicaA: SemanticReplica | undefined;
  const a = newCache((r) => replicaA!.publish(r));
  replicaA = new SemanticReplica(a, new RedisSemanticLog(ra, KEY, ENTRIES));
  t = performance.now();
  c = process.cpuUsage();
  for (let i = 0; i < ENTRIES; i++) {
    await a.store({ scope, text: texts[i]!, id: `e${i}` });
    if (i % 2000 === 1999) await replicaA.flushed();
  }
  await replicaA.flushed();
  const sharedStoreSecs = (performance.now() - t) / 1000;
  const sharedStoreCpu = cpuSecs(c);
  const streamBytes = Number(await ra.call('MEMORY', 'USAGE', KEY, 'SAMPLES', '0'));

  // Instance B: starts empty and loads the stream.
  const b = newCache();
  const replicaB = new SemanticReplica(b, new RedisSemanticLog(rb, KEY, ENTRIES), {
    syncMs: 50,
    bulkLoad: true,
  });
  t = performance.now();
  c = process.cpuUsage();
  const loaded = await replicaB.sync();
  const loadSecs = (performance.now() - t) / 1000;
  const loadCpu = cpuSecs(c);

  // The default cold load (fleet.bulkLoad false), same run: the same log read and indexed entry by entry.
  const c1 = newCache();
  const logC = new RedisSemanticLog(rb, KEY, ENTRIES);
  t = performance.now();
  c = process.cpuUsage();
  let oneByOne = 0;
  for (let cursor = ''; ; ) {
    const page = await logC.read(cursor, 1000);
    for (const r of page.records) if (c1.ingest(r)) oneByOne++;
    cursor = page.cursor;
    if (page.records.length < 1000) break;
  }
  const oneSecs = (performance.now() - t) / 1000;
  const oneCpu = cpuSecs(c);

  // Lookups: the same queries on the local-only index and on B's replicated one (alternating).
  const qnext = rng(7);
  const queries = Array.from({ length: QUERIES }, (_, i) => {
    if (i % 2 === 1) return text(qnext);
    const words = texts[Math.floor(qnext() * ENTRIES)]!.split(' ');
    words.splice(1 + Math.floor(qnext() * (words.length - 1)), 1);
    return words.join(' ');
  });
  const tLocal: number[] = [];
  const tShared: number[] = [];
  const cLocal: number[] = [];
  const cShared: number[] = [];
  let agree = 0;
  let agreeOne = 0;
  for (const q of queries) {
    let s = performance.now();
    let cq = process.cpuUsage();
    const x = await local.lookup({ scope, text: q });
    tLocal.push(performance.now() - s);
    cLocal.push(cpuSecs(cq) * 1000);
    s = performance.now();
    cq = process.cpuUsage();
    const y = await b.lookup({ scope, text: q });
    tShared.push(performance.now() - s);
    cShared.push(cpuSecs(cq) * 1000);
    if ((x.hit?.id ?? null) === (y.hit?.id ?? null)) agree++;
    if ((x.hit?.id ?? null) === ((await c1.lookup({ scope, text: q })).hit?.id ?? null)) agreeOne++;
  }

  // Replication delay: A stores one entry every 5 ms; B syncs every 50 ms; delay = store done → on B.
  replicaB.start();
  const delays: number[] = [];
  for (let i = 0; i < 200; i++) {
    const id = `late${i}`;
    await a.store({ scope, text: `${text(qnext)} late ${i}`, id });
    const s = performance.now();
    await new Promise<void>((resolve) => {
      const poll = () => (b.index.has(id) ? resolve() : setTimeout(poll, 1));
      poll();
    });
    delays.push(performance.now() - s);
  }
  await replicaB.close();
  await replicaA.close();

  const [load1] = loadavg();
  const lines = [
    `## Shared semantic cache (Redis stream replication), ${ENTRIES.toLocaleString('en-US')} entries in one scope, ${QUERIES} queries`,
    '',
    '| measure | value | CPU of this process |',
    '|---|---:|---:|',
    `| store ${ENTRIES.toLocaleString('en-US')} entries (embed + index), local index only | ${localStoreSecs.toFixed(1)} s | ${localStoreCpu.toFixed(1)} s |`,
    `| store the same entries and append each to the Redis stream | ${sharedStoreSecs.toFixed(1)} s (${(sharedStoreSecs / localStoreSecs).toFixed(2)}×) | ${sharedStoreCpu.toFixed(1)} s (${(sharedStoreCpu / localStoreCpu).toFixed(2)}×) |`,
    `| cold load on a new instance (${loaded.toLocaleString('en-US')} entries read, \`fleet.bulkLoad\`) | ${loadSecs.toFixed(1)} s | ${loadCpu.toFixed(1)} s |`,
    `| same log read and indexed entry by entry (the default; same run, ${oneByOne.toLocaleString('en-US')} entries) | ${oneSecs.toFixed(1)} s | ${oneCpu.toFixed(1)} s (bulk ${(loadCpu / oneCpu).toFixed(2)}×) |`,
    `| lookup p50 / p99, local-only index (one-process baseline) | ${ms(quantile(tLocal, 0.5))} / ${ms(quantile(tLocal, 0.99))} | ${ms(quantile(cLocal, 0.5))} / ${ms(quantile(cLocal, 0.99))} |`,
    `| lookup p50 / p99, replicated index on the other instance | ${ms(quantile(tShared, 0.5))} / ${ms(quantile(tShared, 0.99))} (p99 ratio ${(quantile(tShared, 0.99) / quantile(tLocal, 0.99)).toFixed(2)}×) | ${ms(quantile(cShared, 0.5))} / ${ms(quantile(cShared, 0.99))} (p99 ratio ${(quantile(cShared, 0.99) / quantile(cLocal, 0.99)).toFixed(2)}×) |`,
    `| same answer (hit id or miss) on both | ${agree}/${QUERIES} (B bulk-loaded; entry-by-entry load: ${agreeOne}/${QUERIES}) | |`,
    `| replication delay p50 / p99 (syncMs 50) | ${ms(quantile(delays, 0.5))} / ${ms(quantile(delays, 0.99))} | |`,
    `| Redis memory of the stream | ${(streamBytes / 1e6).toFixed(0)} MB (${Math.round(streamBytes / ENTRIES)} B/entry) | |`,
    '',
    `1-minute load average ${load1!.toFixed(1)} at the end (shared machine).`,
  ];
  console.log(lines.join('\n'));
} finally {
  await ra.del(KEY);
  ra.disconnect();
  rb.disconnect();
}
