/**
 * What budgets add to a gateway request's CPU, with everything in ONE process: the fake upstream (its fast
 * path), per build one Penny with budgets off (bench/servers/penny.mjs's default configuration) and one with
 * budgets on (bench/servers/penny-budgets.mjs's: a virtual key with a budget and an rpm/tpm limit, counters
 * in Redis on loopback, or in the embedded SQLite store), and `--clients` keep-alive connections of a raw
 * HTTP/1.1 client (a prepared request's bytes written, the answer's end found by its content-length in the
 * bytes, nothing parsed into strings or objects — so the client's own cost does not grow with the answer's
 * headers: with an HTTP client library in the same process, parsing the six x-ratelimit-* headers would be
 * counted as the gateway's). Each round drives each gateway in turn for `--requests` requests and reads
 * process.cpuUsage(); a "direct" variant (client → fake upstream, no gateway) is measured the same way and
 * subtracted, so each row is the gateway's own CPU per request. Rounds are interleaved and medians reported
 * (and the per-round paired difference on − off), so the machine's load falls on every variant alike; bytes
 * allocated per request (young generation, from V8's GC statistics) do not depend on the load at all.
 * Builds: `--dist label=path` (several allowed; default `dist`). Redis keys under a prefix of this process,
 * removed at the end.
 *
 *   node --import tsx bench/governance-inproc-ab.ts [--rounds 7] [--requests 4000] [--clients 10]
 *     [--stores redis,sqlite] [--dist label=path]… [--profile off|redis|sqlite]
 *
 * `--profile <kind>`: only that gateway (no direct row, no comparison), driven `--rounds` × `--requests`
 * times after the warm-up — run under `node --cpu-prof` to profile one configuration alone.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { connect, type Socket } from 'node:net';
import { startFakeUpstream } from '../test/fake-upstream/index.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
};
const ROUNDS = Number(opt('rounds', '7'));
const N = Number(opt('requests', '4000'));
const CLIENTS = Number(opt('clients', '10'));
const PROFILE = opt('profile', '') as '' | 'off' | 'redis' | 'sqlite';
const STORES = (
  PROFILE === 'redis' || PROFILE === 'sqlite'
    ? PROFILE
    : PROFILE === 'off'
      ? ''
      : opt('stores', 'redis,sqlite')
)
  .split(',')
  .filter((x) => x !== '') as Array<'redis' | 'sqlite'>;
const dists: Array<[string, string]> = [];
for (let i = 0; i < argv.length; i++)
  if (argv[i] === '--dist') {
    const spec = argv[i + 1] ?? '';
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new Error(`--dist: expected label=path, got "${spec}"`);
    dists.push([spec.slice(0, eq), spec.slice(eq + 1)]);
  }
if (dists.length === 0) dists.push(['dist', 'dist']);

const BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
});

/** One keep-alive connection: writes a prepared request, resolves when the answer's last byte is in. */
class RawConnection {
  private readonly socket: Socket;
  private chunks: Buffer[] = [];
  private have = 0;
  private done: ((status: number) => void) | null = null;
  private fail: ((e: Error) => void) | null = null;
  private ready: Promise<void>;

  constructor(port: number) {
    this.socket = connect({ port, host: '127.0.0.1', noDelay: true });
    this.ready = new Promise((r, j) => {
      this.socket.once('connect', () => r());
      this.socket.once('error', j);
    });
    this.socket.on('data', (d: Buffer) => this.onData(d));
    this.socket.on('error', (e) => this.fail?.(e));
  }

  async send(request: Buffer): Promise<number> {
    await this.ready;
    return new Promise((resolve, reject) => {
      this.done = resolve;
      this.fail = reject;
      this.socket.write(request);
    });
  }

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.have += d.length;
    const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.have);
    this.chunks = [buf];
    const end = buf.indexOf(HEAD_END);
    if (end < 0) return;
    let at = buf.indexOf(LENGTH_LC);
    if (at < 0 || at > end) at = buf.indexOf(LENGTH_TC);
    if (at < 0 || at > end) throw new Error('raw client: an answer without content-length');
    let length = 0;
    for (let i = at + LENGTH_LC.length; buf[i]! >= 48 && buf[i]! <= 57; i++)
      length = length * 10 + buf[i]! - 48;
    const total = end + 4 + length;
    if (this.have < total) return;
    if (this.have > total) throw new Error('raw client: more bytes than one answer');
    const status = (buf[9]! - 48) * 100 + (buf[10]! - 48) * 10 + (buf[11]! - 48);
    this.chunks = [];
    this.have = 0;
    const done = this.done!;
    this.done = null;
    done(status);
  }

  close(): void {
    this.socket.destroy();
  }
}
const HEAD_END = Buffer.from('\r\n\r\n');
const LENGTH_LC = Buffer.from('\r\ncontent-length: ');
const LENGTH_TC = Buffer.from('\r\nContent-Length: ');

/** `--clients` connections to one server, each sending the same prepared request. */
class RawClient {
  readonly conns: RawConnection[];
  readonly request: Buffer;
  constructor(port: number, auth: string) {
    this.conns = Array.from({ length: CLIENTS }, () => new RawConnection(port));
    this.request = Buffer.from(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\nauthorization: ${auth}\r\ncontent-length: ${Buffer.byteLength(BODY)}\r\n\r\n${BODY}`,
    );
  }
  close(): void {
    for (const c of this.conns) c.close();
  }
}

const fake = await startFakeUpstream({ fast: true, record: false, port: 0 });
const upstream = `http://127.0.0.1:${fake.port}`;
const API_KEY = 'sk-bench-0123456789abcdefghij';

interface Variant {
  label: string;
  build: string;
  kind: 'direct' | 'off' | 'redis' | 'sqlite';
  client: RawClient;
  close: () => Promise<unknown>;
}
const variants: Variant[] = [
  {
    label: 'direct (client + fake upstream)',
    build: '',
    kind: 'direct',
    client: new RawClient(fake.port, `Bearer ${API_KEY}`),
    close: async () => {},
  },
];
for (const [label, dist] of dists) {
  const D = `${pathToFileURL(resolve(dist)).href}/`;
  const { startPenny } = await import(new URL('app.js', D).href);
  const { createLogger } = await import(new URL('observability/logger.js', D).href);
  const { createKey } = await import(new URL('governance/key-admin.js', D).href);
  const { dropPrefix } = await import(new URL('governance/redis-counter-store.js', D).href);
  for (const kind of ['off', ...STORES] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'penny-gov-inproc-'));
    const prefix = `penny:bench-gov-inproc:${process.pid}:${label.replace(/\W/g, '')}:`;
    const governance =
      kind === 'off'
        ? {}
        : {
            governance:
              kind === 'sqlite'
                ? { requireKeys: true }
                : { store: { redis: { url: 'redis://127.0.0.1:6379', keyPrefix: prefix } } },
          };
    const app = await startPenny({
      object: {
        server: { port: 0 },
        ledger: { path: join(dir, 'ledger.db') },
        providers: { openai: { type: 'openai', baseUrl: `${upstream}/v1`, apiKey: API_KEY } },
        ...governance,
      },
      env: {},
      logger: createLogger('warn'),
    });
    let auth = 'Bearer penny';
    if (kind !== 'off') {
      const stores = app.governance.storesOrNull();
      const { key } = await createKey(stores.keys, {
        name: 'bench',
        budget: '1000000/month',
        rpm: 1_000_000_000,
        tpm: 1_000_000_000,
      });
      auth = `Bearer ${key}`;
    }
    variants.push({
      label: `${label}: budgets ${kind === 'off' ? 'off' : `on (${kind === 'redis' ? 'Redis' : 'SQLite'})`}`,
      build: label,
      kind,
      client: new RawClient(Number(new URL(app.url).port), auth),
      close: async () => {
        await app.governance.drain();
        if (kind === 'redis') await dropPrefix(app.governance.storesOrNull().counters.client, prefix);
        await app.close();
      },
    });
  }
}

async function drive(v: Variant, n: number): Promise<void> {
  let left = n;
  const worker = async (c: RawConnection) => {
    while (left-- > 0) {
      const status = await c.send(v.client.request);
      if (status !== 200) throw new Error(`${v.label}: HTTP ${status}`);
    }
  };
  await Promise.all(v.client.conns.map(worker));
}
const YOUNG = new Set(['new_space', 'new_large_object_space']);
const youngUsed = () =>
  v8
    .getHeapSpaceStatistics()
    .filter((s) => YOUNG.has(s.space_name))
    .reduce((a, s) => a + s.space_used_size, 0);
type Space = { spaceName: string; spaceUsedSize: number };
const youngOf = (spaces: Space[]) =>
  spaces.filter((s) => YOUNG.has(s.spaceName)).reduce((a, s) => a + s.spaceUsedSize, 0);
/** CPU µs and bytes allocated in the young generation per request (load does not change the latter). */
async function perRequest(v: Variant, n: number): Promise<{ cpu: number; bytes: number }> {
  await new Promise((r) => setTimeout(r, 60)); // the previous variant's batches (ledger, spend) written
  const gcs = new v8.GCProfiler();
  const y0 = youngUsed();
  gcs.start();
  const t0 = process.cpuUsage();
  await drive(v, n);
  await new Promise((r) => setTimeout(r, 60)); // this variant's last batches and write-behind
  const c = process.cpuUsage(t0);
  const y1 = youngUsed();
  const { statistics } = gcs.stop();
  let bytes = 0;
  let after = y0;
  for (const s of statistics) {
    bytes += Math.max(0, youngOf(s.beforeGC.heapSpaceStatistics as Space[]) - after);
    after = youngOf(s.afterGC.heapSpaceStatistics as Space[]);
  }
  bytes += Math.max(0, y1 - after);
  return { cpu: (c.user + c.system) / n, bytes: bytes / n };
}

for (const v of variants) await drive(v, Math.max(2000, N)); // warm-up: JIT, pools, allowances
if (PROFILE) {
  const v = variants.find((x) => x.kind === PROFILE)!;
  const t0 = process.cpuUsage();
  for (let round = 0; round < ROUNDS; round++) await drive(v, N);
  const c = process.cpuUsage(t0);
  console.log(
    `${v.label}: ${((c.user + c.system) / (ROUNDS * N)).toFixed(1)} µs CPU per request (with client and upstream)`,
  );
  for (const x of variants) {
    x.client.close();
    await x.close();
  }
  await fake.close();
  process.exit(0);
}
const cpu = new Map<string, number[]>(variants.map((v) => [v.label, []]));
const alloc = new Map<string, number[]>(variants.map((v) => [v.label, []]));
for (let round = 0; round < ROUNDS; round++)
  for (const v of round % 2 ? [...variants].reverse() : variants) {
    const r = await perRequest(v, N);
    cpu.get(v.label)!.push(r.cpu);
    alloc.get(v.label)!.push(r.bytes);
  }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const direct = cpu.get(variants[0]!.label)!;
const directB = median(alloc.get(variants[0]!.label)!);
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(
  `rounds ${ROUNDS}, ${N} requests each, ${CLIENTS} clients; ${new Date().toISOString().slice(0, 16)}Z, load ${load}`,
);
console.log(`${variants[0]!.label}: ${median(direct).toFixed(1)} µs CPU per request`);
const own = new Map<string, number[]>();
for (const v of variants.slice(1)) {
  const xs = cpu.get(v.label)!.map((x, i) => x - direct[i]!);
  own.set(v.label, xs);
  console.log(
    `${v.label}: ${median(xs).toFixed(1)} µs gateway CPU per request (rounds: ${xs.map((x) => x.toFixed(0)).join(' ')}); ${((median(alloc.get(v.label)!) - directB) / 1024).toFixed(2)} KB allocated`,
  );
}
for (const [label] of dists) {
  const off = own.get(`${label}: budgets off`)!;
  const offB = median(alloc.get(`${label}: budgets off`)!);
  for (const v of variants.filter((x) => x.build === label && x.kind !== 'off')) {
    const on = own.get(v.label)!;
    const added = on.map((x, i) => x - off[i]!);
    const ratio = off.map((x, i) => x / on[i]!);
    console.log(
      `${v.label}: adds ${median(added).toFixed(1)} µs per request (paired median; rounds ${added.map((x) => x.toFixed(1)).join(' ')}), ${((median(alloc.get(v.label)!) - offB) / 1024).toFixed(2)} KB; off / on CPU ${(median(ratio) * 100).toFixed(0)}%`,
    );
  }
}
for (const v of variants) {
  v.client.close();
  await v.close();
}
await fake.close();
process.exit(0);
