/**
 * Where the tactics row's extra allocation goes: the in-process setup of bench/tactics-inproc-ab.ts (fake
 * upstream, Penny without and with the tactics, an undici client, unique prompts), each gateway driven for
 * `--requests` requests under V8's sampling heap profiler with the objects that GC collected kept in the
 * profile, so short-lived garbage counts. Prints bytes allocated per request by allocating function (its
 * source file), tactics minus no tactics, largest first.
 *
 *   node --import tsx bench/tactics-alloc.ts [--requests 5000] [--top 40] [--dist path]
 */
import { mkdtempSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Pool } from 'undici';
import { startFakeUpstream } from '../test/fake-upstream/index.js';
import { tacticsConfig } from './lib/tactics-config.mjs';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : dflt;
};
const N = Number(opt('requests', '5000'));
const TOP = Number(opt('top', '40'));
const D = `${pathToFileURL(resolve(opt('dist', 'dist'))).href}/`;
const { startPenny } = await import(new URL('app.js', D).href);
const { createLogger } = await import(new URL('observability/logger.js', D).href);

const fake = await startFakeUpstream({ fast: true, record: false, port: 0 });
const upstream = `http://127.0.0.1:${fake.port}`;
let uniq = 0;
async function drive(pool: Pool, n: number): Promise<void> {
  let left = n;
  const worker = async () => {
    while (left-- > 0) {
      const res = await pool.request({
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { 'content-type': 'application/json', authorization: 'Bearer penny' },
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          stream: false,
          messages: [
            {
              role: 'system',
              content: 'You are a concise assistant for the Penny benchmark. Answer in one line.',
            },
            { role: 'user', content: `Say hello in one short sentence. Request ${process.pid}-${uniq++}.` },
          ],
        }),
      });
      await res.body.text();
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
}
interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: Node[];
}
const session = new Session();
session.connect();
const byFn: Array<Map<string, number>> = [];
for (const tactics of [false, true]) {
  const app = await startPenny({
    object: {
      server: { port: 0 },
      ledger: { path: join(mkdtempSync(join(tmpdir(), 'penny-alloc-')), 'ledger.db') },
      ...(tactics ? tacticsConfig() : {}),
      providers: {
        openai: { type: 'openai', baseUrl: `${upstream}/v1`, apiKey: 'sk-bench-0123456789abcdefghij' },
      },
    },
    env: {},
    logger: createLogger('warn'),
  });
  const pool = new Pool(app.url, { connections: 10 });
  await drive(pool, 3000);
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  await drive(pool, N);
  await new Promise((r) => setTimeout(r, 60));
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as {
    profile: { head: Node };
  };
  const m = new Map<string, number>();
  const walk = (n: Node) => {
    const f = n.callFrame;
    const k = `${f.functionName || '(anon)'} ${f.url.replace(/.*\/(dist|node_modules|test)\//, '$1/')}:${f.lineNumber + 1}`;
    m.set(k, (m.get(k) ?? 0) + n.selfSize / N);
    for (const c of n.children) walk(c);
  };
  walk(profile.head);
  byFn.push(m);
  await pool.close();
  await app.close();
}
await fake.close();
const [a, b] = byFn as [Map<string, number>, Map<string, number>];
const total = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);
console.log(
  `bytes allocated per request (sampled): no tactics ${total(a).toFixed(0)}, tactics ${total(b).toFixed(0)}`,
);
const keys = new Set([...a.keys(), ...b.keys()]);
const rows = [...keys].map((k) => [k, (b.get(k) ?? 0) - (a.get(k) ?? 0), b.get(k) ?? 0] as const);
rows.sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]));
for (const [k, d, t] of rows.slice(0, TOP))
  console.log(`${d.toFixed(0).padStart(7)} ${t.toFixed(0).padStart(7)}  ${k}`);
