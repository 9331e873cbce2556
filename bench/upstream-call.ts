/**
 * CPU per upstream call of the two ways to call a provider, in one process, interleaved rounds (issue 14):
 * "request" is what Penny did until round 7 — `Pool.request()` with the call's signal, its body read with
 * 'data'/'end' events (non-streamed) or `for await` (streamed); "dispatch" is `Upstreams.call`/`open` over
 * Penny's own dispatch handler (src/providers/upstream-call.ts). The fake upstream runs in another process
 * (pinned to CPU 1 when taskset is there), so only the calling side's CPU is counted (process.cpuUsage).
 *
 *   node --import tsx bench/upstream-call.ts [--rounds 10] [--calls 4000] [--clients 10] [--stream]
 */
import { Pool } from 'undici';
import { CallAbort } from '../src/core/call-signal.js';
import type { ResolvedProvider } from '../src/config/load.js';
import { Upstreams } from '../src/providers/upstream.js';
import { pin, startProc, stop } from './lib/proc.js';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
};
const ROUNDS = Number(arg('rounds', '10'));
const CALLS = Number(arg('calls', '4000'));
const CLIENTS = Number(arg('clients', '10'));
const STREAM = argv.includes('--stream');

const fake = await startProc(pin(1, [process.execPath, '--import', 'tsx', 'bench/servers/fake.ts']));
const origin = `http://127.0.0.1:${fake.port}`;
const provider = {
  name: 'openai',
  type: 'openai',
  baseUrl: `${origin}/v1`,
  apiKey: 'sk-bench',
  headers: {},
  maxConnections: CLIENTS,
  timeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  deployments: {},
} as unknown as ResolvedProvider;
const body = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
  ...(STREAM ? { stream: true, stream_options: { include_usage: true } } : {}),
});

// "request": the pool and the calls as src/providers/upstream.ts made them before.
const pool = new Pool(origin, {
  connections: CLIENTS,
  pipelining: 1,
  keepAliveTimeout: 30_000,
  headersTimeout: 30_000,
  bodyTimeout: 30_000,
});
const headers = {
  'content-type': 'application/json',
  accept: STREAM ? 'text/event-stream' : 'application/json',
  authorization: 'Bearer sk-bench',
};
function readBodyText(b: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    b.on('data', (c: Buffer) => chunks.push(c));
    b.once('end', () =>
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')),
    );
    b.once('error', reject);
  });
}
let sink = 0;
async function viaRequest(): Promise<void> {
  const ac = new CallAbort();
  const res = await pool.request({
    path: '/v1/chat/completions',
    method: 'POST',
    headers,
    body,
    signal: ac.signal as AbortSignal,
  });
  if (STREAM) {
    for await (const chunk of res.body) sink += (chunk as Buffer).length;
  } else sink += (await readBodyText(res.body)).length;
}

const upstreams = new Upstreams();
async function viaDispatch(): Promise<void> {
  const ac = new CallAbort();
  const opts = { apiKey: 'sk-bench', signal: ac.signal };
  if (STREAM) {
    const res = await upstreams.open(provider, 'gpt-4o-mini', body, opts);
    await res.body.each((chunk) => {
      sink += chunk.length;
      return true;
    });
  } else sink += (await upstreams.call(provider, 'gpt-4o-mini', body, opts)).text.length;
}

/** µs of this process's CPU per call, CALLS calls at CLIENTS at a time. */
async function round(call: () => Promise<void>): Promise<number> {
  let left = CALLS;
  const worker = async () => {
    while (left-- > 0) await call();
  };
  const t = process.cpuUsage();
  await Promise.all(Array.from({ length: CLIENTS }, worker));
  const d = process.cpuUsage(t);
  return (d.user + d.system) / CALLS;
}

const variants: Array<[string, () => Promise<void>]> = [
  ['request', viaRequest],
  ['dispatch', viaDispatch],
];
for (const [, f] of variants) await round(f); // warm-up: JIT, connections
const results = new Map<string, number[]>(variants.map(([n]) => [n, []]));
let favoured = 0;
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? variants : [...variants].reverse();
  const got: Record<string, number> = {};
  for (const [name, f] of order) {
    got[name] = await round(f);
    results.get(name)!.push(got[name]!);
  }
  if (got.dispatch! < got.request!) favoured++;
  console.log(
    `round ${r + 1}: request ${got.request!.toFixed(1)} µs, dispatch ${got.dispatch!.toFixed(1)} µs`,
  );
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const a = median(results.get('request')!);
const b = median(results.get('dispatch')!);
console.log(
  `\n${STREAM ? 'streamed' : 'non-streamed'}, ${CALLS} calls × ${ROUNDS} rounds, ${CLIENTS} at a time: ` +
    `request ${a.toFixed(1)} µs, dispatch ${b.toFixed(1)} µs CPU per call (median; ${(b - a).toFixed(1)} µs, ` +
    `${((b / a - 1) * 100).toFixed(0)}%); dispatch lower in ${favoured} of ${ROUNDS} rounds (${sink > 0 ? 'ok' : '?'})`,
);
await pool.close();
await upstreams.close();
await stop(fake.child);
