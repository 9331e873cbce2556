/**
 * CPU per request of the tactics row against no tactics, with everything in ONE process: the fake upstream
 * (its fast path), one Penny per variant (bench/servers/penny.mjs's two configurations: default, SQLite ledger
 * on; and the exact cache + compression + prompt-cache placement on), and a keep-alive undici client at
 * `--clients` concurrent requests with unique prompts (every request a cache miss). Each round drives each
 * gateway in turn for `--requests` requests and reads process.cpuUsage(); a "direct" variant (client → fake
 * upstream, no gateway) is measured the same way and subtracted, so each row is the gateway's own CPU per
 * request. Rounds are interleaved and medians reported: the variants share the process, so the machine's
 * load falls on all of them alike. Builds: `--dist before=/path/to/dist` (several allowed; default `dist`).
 *
 *   node --import tsx bench/tactics-inproc-ab.ts [--rounds 7] [--requests 4000] [--clients 10]
 *     [--dist label=path]…
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { Pool } from 'undici';
import { startFakeUpstream } from '../test/fake-upstream/index.js';
import { tacticsConfig } from './lib/tactics-config.mjs';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const ROUNDS = opt('rounds', 7);
const N = opt('requests', 4000);
const CLIENTS = opt('clients', 10);
const dists: Array<[string, string]> = [];
for (let i = 0; i < argv.length; i++)
  if (argv[i] === '--dist') {
    const [label, path] = argv[i + 1]!.split('=') as [string, string];
    dists.push([label, path]);
  }
if (dists.length === 0) dists.push(['dist', 'dist']);

const fake = await startFakeUpstream({ fast: true, record: false, port: 0 });
const upstream = `http://127.0.0.1:${fake.port}`;

interface Variant {
  label: string;
  pool: Pool;
  path: string;
  auth: string;
  close: () => Promise<unknown>;
}
const variants: Variant[] = [
  {
    label: 'direct (client + fake upstream)',
    pool: new Pool(upstream, { connections: CLIENTS, pipelining: 1 }),
    path: '/v1/chat/completions',
    auth: 'Bearer sk-bench-0123456789abcdefghij',
    close: async () => {},
  },
];
for (const [label, dist] of dists) {
  const D = `${pathToFileURL(resolve(dist)).href}/`;
  const { startPenny } = await import(new URL('app.js', D).href);
  const { createLogger } = await import(new URL('observability/logger.js', D).href);
  for (const tactics of [false, true]) {
    const dir = mkdtempSync(join(tmpdir(), 'penny-inproc-ab-'));
    const app = await startPenny({
      object: {
        server: { port: 0 },
        ledger: { path: join(dir, 'ledger.db') },
        ...(tactics ? tacticsConfig() : {}),
        providers: {
          openai: { type: 'openai', baseUrl: `${upstream}/v1`, apiKey: 'sk-bench-0123456789abcdefghij' },
        },
      },
      env: {},
      logger: createLogger('warn'),
    });
    variants.push({
      label: `${label}: ${tactics ? 'tactics' : 'no tactics'}`,
      pool: new Pool(app.url, { connections: CLIENTS, pipelining: 1 }),
      path: '/v1/chat/completions',
      auth: 'Bearer penny',
      close: () => app.close(),
    });
  }
}

let uniq = 0;
async function one(v: Variant): Promise<void> {
  const body = JSON.stringify({
    model: 'gpt-4o-mini',
    stream: false,
    messages: [
      { role: 'system', content: 'You are a concise assistant for the Penny benchmark. Answer in one line.' },
      { role: 'user', content: `Say hello in one short sentence. Request ${process.pid}-${uniq++}.` },
    ],
  });
  const res = await v.pool.request({
    method: 'POST',
    path: v.path,
    headers: { 'content-type': 'application/json', authorization: v.auth },
    body,
  });
  await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${v.label}: HTTP ${res.statusCode}`);
}
async function drive(v: Variant, n: number): Promise<void> {
  let left = n;
  const worker = async () => {
    while (left-- > 0) await one(v);
  };
  await Promise.all(Array.from({ length: CLIENTS }, worker));
}
const youngUsed = () =>
  v8
    .getHeapSpaceStatistics()
    .filter((s) => s.space_name === 'new_space' || s.space_name === 'new_large_object_space')
    .reduce((a, s) => a + s.space_used_size, 0);
type Space = { spaceName: string; spaceUsedSize: number };
const youngOf = (spaces: Space[]) =>
  spaces
    .filter((s) => s.spaceName === 'new_space' || s.spaceName === 'new_large_object_space')
    .reduce((a, s) => a + s.spaceUsedSize, 0);
const oldOf = (spaces: Space[]) =>
  spaces
    .filter((s) => s.spaceName === 'old_space' || s.spaceName === 'large_object_space')
    .reduce((a, s) => a + s.spaceUsedSize, 0);
/**
 * CPU µs, bytes allocated in the young generation and bytes its scavenges promoted to the old generation,
 * per request (load changes neither byte count). Promoted bytes are garbage the old generation collects
 * only at a mark-compact, and each one was copied by the scavenges it survived.
 */
async function perRequest(v: Variant, n: number): Promise<{ cpu: number; bytes: number; promoted: number }> {
  await new Promise((r) => setTimeout(r, 50)); // the previous variant's batches (ledger, cache) written
  const gcs = new v8.GCProfiler();
  const y0 = youngUsed();
  gcs.start();
  const t0 = process.cpuUsage();
  await drive(v, n);
  await new Promise((r) => setTimeout(r, 50)); // this variant's last batches
  const c = process.cpuUsage(t0);
  const y1 = youngUsed();
  const { statistics } = gcs.stop();
  let bytes = 0;
  let promoted = 0;
  let after = y0;
  for (const s of statistics) {
    const before = s.beforeGC.heapSpaceStatistics as Space[];
    const afterGC = s.afterGC.heapSpaceStatistics as Space[];
    bytes += Math.max(0, youngOf(before) - after);
    after = youngOf(afterGC);
    if (s.gcType === 'Scavenge') promoted += Math.max(0, oldOf(afterGC) - oldOf(before));
  }
  bytes += Math.max(0, y1 - after);
  return { cpu: (c.user + c.system) / n, bytes: bytes / n, promoted: promoted / n };
}

for (const v of variants) await drive(v, Math.max(2000, N)); // warm-up: JIT, pools; fills no cache bound
const res = new Map<string, number[]>(variants.map((v) => [v.label, []]));
const alloc = new Map<string, number[]>(variants.map((v) => [v.label, []]));
const promo = new Map<string, number[]>(variants.map((v) => [v.label, []]));
for (let round = 0; round < ROUNDS; round++)
  for (const v of round % 2 ? [...variants].reverse() : variants) {
    const r = await perRequest(v, N);
    res.get(v.label)!.push(r.cpu);
    alloc.get(v.label)!.push(r.bytes);
    promo.get(v.label)!.push(r.promoted);
  }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const direct = res.get(variants[0]!.label)!;
const load = (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`rounds ${ROUNDS}, ${N} requests each, ${CLIENTS} clients; load ${load}`);
console.log(
  `${variants[0]!.label}: ${median(direct).toFixed(1)} µs CPU per request, ${(median(alloc.get(variants[0]!.label)!) / 1024).toFixed(2)} KB allocated`,
);
const own = new Map<string, number[]>();
for (const v of variants.slice(1)) {
  const xs = res.get(v.label)!.map((x, i) => x - direct[i]!);
  own.set(v.label, xs);
  console.log(
    `${v.label}: ${median(xs).toFixed(1)} µs of gateway CPU per request (rounds: ${xs.map((x) => x.toFixed(0)).join(' ')}); ${((median(alloc.get(v.label)!) - median(alloc.get(variants[0]!.label)!)) / 1024).toFixed(2)} KB allocated, ${(median(promo.get(v.label)!) / 1024).toFixed(2)} KB promoted per request`,
  );
}
for (const [label] of dists) {
  const a = own.get(`${label}: no tactics`)!;
  const b = own.get(`${label}: tactics`)!;
  const added = b.map((x, i) => x - a[i]!);
  const ratio = a.map((x, i) => x / b[i]!);
  console.log(
    `${label}: tactics add ${median(added).toFixed(1)} µs per request (paired median); no-tactics / tactics CPU ${(median(ratio) * 100).toFixed(0)}%`,
  );
}
for (const v of variants) {
  await v.pool.close();
  await v.close();
}
await fake.close();
