/**
 * Where Penny's CPU goes per request (`npm run bench:profile`). Starts the fake upstream and Penny (as built,
 * default configuration, SQLite ledger on — bench/servers/penny.mjs), drives it with wrk at 10 clients,
 * non-streamed then streamed, and reports µs of CPU per request: the total from the process's own CPU time
 * (/proc/<pid>/stat, user + system, over the load window only) in a run without the profiler, split by
 * component in the proportions of a second run with `--cpu-prof` (V8 samples in the same load window,
 * monotonic clock), attributed by source file. Native and builtin frames (JSON.parse, Buffer work) count
 * for the nearest caller with a source file, so JSON.parse of the request body counts as "parse". The bare
 * undici hop's CPU per request is measured in the same run as the baseline: on a busy machine every
 * process's CPU per request grows (fewer requests per event-loop wake-up), so compare within one run.
 *
 *   npm run bench:profile [-- --seconds 5] [--only=json|stream] [--top N] [--keep] [--penny <server script>]
 *     [--args a,b] [--unique]
 *
 * `--args` passes more arguments to the server script after the upstream URL (`--args ,tactics`: Penny with
 * the exact cache, compression and prompt-cache placement on); `--unique` gives every request a prompt of
 * its own (a system prompt and a numbered user prompt), so a response cache never hits.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMicros, pin, requireWrk, startProc, stop } from './lib/proc.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
};
const SECONDS = Number(arg('seconds') ?? 5);
const ONLY = arg('only');
const CLIENTS = Number(arg('clients') ?? 10);
/** `--top N`: also print the N functions with the most self time in the window (stderr). */
const TOP = Number(arg('top') ?? 0);
/** `--penny <script>`: another build's server script (e.g. a copy of an older dist/), to compare builds. */
const PENNY = arg('penny') ?? 'bench/servers/penny.mjs';
const PENNY_ARGS = arg('args')?.split(',') ?? [];
const UNIQUE = process.argv.includes('--unique');
let scriptRun = 0;

requireWrk('bench:profile');

function wrk(url: string, stream: boolean, clients: number, seconds: number, auth: string): number {
  const body = (content: string) =>
    JSON.stringify({
      model: 'gpt-4o-mini',
      stream,
      messages: UNIQUE
        ? [
            {
              role: 'system',
              content: 'You are a concise assistant for the Penny benchmark. Answer in one line.',
            },
            { role: 'user', content },
          ]
        : [{ role: 'user', content }],
    });
  const script = join(tmpdir(), `penny-profile-${process.pid}-${stream ? 's' : 'j'}.lua`);
  const lines = [
    'wrk.method = "POST"',
    'wrk.headers["Content-Type"] = "application/json"',
    `wrk.headers["Authorization"] = ${JSON.stringify(auth)}`,
  ];
  if (UNIQUE) {
    // A counter after a tag unique to this wrk run: no two requests of any run share a prompt.
    const [head, tail] = body('Say hello in one short sentence. Request TAG-0b7e.').split('TAG-0b7e') as [
      string,
      string,
    ];
    lines.push(
      'local n = 0',
      `local head = ${JSON.stringify(`${head}${process.pid}-${Date.now()}-${++scriptRun}-`)}`,
      `local tail = ${JSON.stringify(tail)}`,
      'request = function()',
      '  n = n + 1',
      '  return wrk.format(nil, nil, nil, head .. n .. tail)',
      'end',
    );
  } else lines.push(`wrk.body = ${JSON.stringify(body('Say hello in one short sentence.'))}`);
  writeFileSync(script, `${lines.join('\n')}\n`);
  const cmd = pin(1, [
    'wrk',
    '-t1',
    `-c${clients}`,
    `-d${seconds}s`,
    '-s',
    script,
    `${url}/v1/chat/completions`,
  ]);
  const out = execFileSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const bad = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  if (bad) throw new Error(`wrk: ${bad} non-2xx responses against ${url}`);
  return requests;
}

// --- CPU profile aggregation --------------------------------------------------------------------------

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export const COMPONENTS = [
  'parse (request body, JSON, canonical request)',
  'pipeline (gateway, stages, context, execute)',
  'render (request for the upstream)',
  'upstream I/O (undici)',
  'response parse (upstream answer, stream decode)',
  'answer (client response, stream encode)',
  'settle (money, entry)',
  'ledger (SQLite insert)',
  'metrics',
  'HTTP server + sockets (node:http, net, streams)',
  'GC',
  'other (runtime, timers, unattributed)',
] as const;
type Component = (typeof COMPONENTS)[number];

/** The component a source file belongs to; undefined for a frame without one (native, builtin). */
function componentOf(url: string, fn: string): Component | undefined {
  if (!url) return undefined;
  const f = url.replace(/^file:\/\//, '');
  if (
    /\/(providers\/[\w-]+\/(parse-request|parse-message|wire-guards|request-\w+))|\/providers\/request-limits|\/core\/json-depth|\/server\/server\.js/.test(
      f,
    )
  )
    return fn === 'sendJson' ? 'HTTP server + sockets (node:http, net, streams)' : COMPONENTS[0];
  if (/\/providers\/[\w-]+\/render-(request|message)/.test(f)) return COMPONENTS[2];
  if (/node_modules\/undici\/|\/providers\/upstream(-call)?\.js|^wasm:/.test(f)) return COMPONENTS[3];
  if (
    /\/providers\/([\w-]+\/)?(parse-response|convert-usage|stream-decoder|sse|fast-answer)|\/pipeline\/stream\//.test(
      f,
    )
  )
    return COMPONENTS[4];
  if (
    /\/providers\/[\w-]+\/(render-response|stream-encoder)|\/server\/node-sink|\/pipeline\/guarded-sink|\/execute\/pipe-stream/.test(
      f,
    )
  )
    return COMPONENTS[5];
  if (/\/pipeline\/settle\/|\/pricing\//.test(f)) return COMPONENTS[6];
  if (/\/ledger\/|better-sqlite3/.test(f)) return COMPONENTS[7];
  if (/\/metrics\/|prom-client|tdigest|bintrees/.test(f)) return COMPONENTS[8];
  if (/\/dist\/(pipeline|providers|core|resilience|governance|server)\//.test(f)) return COMPONENTS[1];
  if (
    /^node:(_http|http|net|stream|internal\/(http|streams|stream_base|net|js_stream|timers)|events|buffer)|node:internal\/(http|streams)/.test(
      f,
    )
  )
    return COMPONENTS[9];
  return undefined;
}

/** µs of self time per component over the samples taken between `from` and `to` (monotonic µs). */
function aggregate(
  profile: CpuProfile,
  from: number,
  to: number,
  top?: Map<string, number>,
): Map<Component, number> {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const memo = new Map<number, Component | 'idle'>();
  const resolve = (id: number): Component | 'idle' => {
    const hit = memo.get(id);
    if (hit) return hit;
    const n = byId.get(id)!;
    const fn = n.callFrame.functionName;
    let c: Component | 'idle';
    if (fn === '(idle)') c = 'idle';
    else if (fn === '(garbage collector)') c = 'GC';
    else if (fn === '(program)' || fn === '(root)') c = COMPONENTS[11];
    else {
      let cur: number | undefined = id;
      let found: Component | undefined;
      while (cur !== undefined && found === undefined) {
        const node = byId.get(cur)!;
        found = componentOf(node.callFrame.url, node.callFrame.functionName);
        // A frame with a source file we do not classify ends the walk: it is "other".
        if (found === undefined && node.callFrame.url) break;
        cur = parent.get(cur);
      }
      c = found ?? COMPONENTS[11];
    }
    memo.set(id, c);
    return c;
  };
  const out = new Map<Component, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i]!;
    t += dt;
    if (t < from || t > to) continue;
    // A sample stands for the interval up to the next one.
    const span = profile.timeDeltas[i + 1] ?? 0;
    const c = resolve(profile.samples[i]!);
    if (c === 'idle') continue;
    out.set(c, (out.get(c) ?? 0) + span);
    if (top) {
      const f = byId.get(profile.samples[i]!)!.callFrame;
      const k = `${c.split(' ')[0]}  ${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}`;
      top.set(k, (top.get(k) ?? 0) + span);
    }
  }
  return out;
}

/** Waits until the process stops using CPU on its own (start-up work, e.g. the price catalog's worker, is done). */
async function settled(pid: number): Promise<void> {
  const until = Date.now() + 60_000;
  let last = cpuMicros(pid);
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 500));
    const now = cpuMicros(pid);
    if (now - last <= 20_000) return;
    last = now;
  }
}

const monoMicros = () => Number(process.hrtime.bigint() / 1000n);

interface ModeResult {
  requests: number;
  cpuPerRequest: number;
  byComponent: Map<Component, number>;
  bareCpuPerRequest: number;
}

async function profileMode(upstream: string, stream: boolean): Promise<ModeResult> {
  // Baseline in the same run: the bare undici hop's CPU per request.
  const bare = await startProc(pin(0, [process.execPath, 'bench/servers/bare-proxy.mjs', upstream]));
  const bareUrl = `http://127.0.0.1:${bare.port}`;
  await settled(bare.child.pid!);
  wrk(bareUrl, stream, CLIENTS, 2, 'Bearer sk-bench-0123456789abcdefghij');
  const bc0 = cpuMicros(bare.child.pid!);
  const bareN = wrk(bareUrl, stream, CLIENTS, SECONDS, 'Bearer sk-bench-0123456789abcdefghij');
  const bareCpu = (cpuMicros(bare.child.pid!) - bc0) / bareN;
  await stop(bare.child);

  // Penny without the profiler: the CPU per request (the profiler's own cost would inflate it).
  const plain = await startProc(pin(0, [process.execPath, PENNY, upstream, ...PENNY_ARGS]));
  const plainUrl = `http://127.0.0.1:${plain.port}`;
  await settled(plain.child.pid!);
  wrk(plainUrl, stream, CLIENTS, 2, 'Bearer penny'); // warm-up: JIT, pools, tokenizer tables
  await new Promise((r) => setTimeout(r, 300));
  const c0 = cpuMicros(plain.child.pid!);
  const requests = wrk(plainUrl, stream, CLIENTS, SECONDS, 'Bearer penny');
  await new Promise((r) => setTimeout(r, 200)); // the last ledger batch
  const cpu = cpuMicros(plain.child.pid!) - c0;
  await stop(plain.child);

  // Penny with the profiler: the split by component, over the same load window.
  const dir = mkdtempSync(join(tmpdir(), 'penny-prof-'));
  const penny = await startProc(
    pin(0, [
      process.execPath,
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
      '--cpu-prof-interval=500',
      PENNY,
      upstream,
      ...PENNY_ARGS,
    ]),
  );
  const url = `http://127.0.0.1:${penny.port}`;
  await settled(penny.child.pid!);
  wrk(url, stream, CLIENTS, 2, 'Bearer penny');
  await new Promise((r) => setTimeout(r, 300));
  const from = monoMicros();
  wrk(url, stream, CLIENTS, SECONDS, 'Bearer penny');
  await new Promise((r) => setTimeout(r, 200));
  const to = monoMicros();
  await stop(penny.child);
  // The main thread's profile (thread 0); a worker's (the price catalog's converter) is left out.
  const file = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .find((f) => /\.0\.\d+\.cpuprofile$/.test(f));
  if (!file) throw new Error(`no CPU profile written in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  if (process.argv.includes('--keep')) process.stderr.write(`  profile kept: ${join(dir, file)}\n`);
  else rmSync(dir, { recursive: true, force: true });
  const top = TOP ? new Map<string, number>() : undefined;
  const sampled = aggregate(profile, from, to, top);
  // The sampled split scaled to the CPU per request measured without the profiler.
  const total = [...sampled.values()].reduce((a, b) => a + b, 0);
  const byComponent = new Map<Component, number>();
  for (const c of COMPONENTS) byComponent.set(c, ((sampled.get(c) ?? 0) / total) * (cpu / requests));
  if (top)
    for (const [k, v] of [...top].sort((a, b) => b[1] - a[1]).slice(0, TOP))
      process.stderr.write(`  ${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}\n`);
  return { requests, cpuPerRequest: cpu / requests, byComponent, bareCpuPerRequest: bareCpu };
}

async function main() {
  const fake = await startProc(pin(1, [process.execPath, '--import', 'tsx', 'bench/servers/fake.ts']));
  const upstream = `http://127.0.0.1:${fake.port}`;
  const modes = ONLY === 'json' ? [false] : ONLY === 'stream' ? [true] : [false, true];
  const results: Array<[string, ModeResult]> = [];
  try {
    for (const stream of modes) {
      const r = await profileMode(upstream, stream);
      results.push([stream ? 'stream' : 'json', r]);
      process.stderr.write(
        `${stream ? 'stream' : 'json  '}: ${r.requests} requests, ${r.cpuPerRequest.toFixed(1)} µs CPU/request (bare hop ${r.bareCpuPerRequest.toFixed(1)})\n`,
      );
    }
  } finally {
    await stop(fake.child);
  }
  const lines = [
    `Command: \`npm run bench:profile -- --seconds ${SECONDS}\` (wrk -t1 -c${CLIENTS}, Penny pinned to CPU 0; ${new Date().toISOString().slice(0, 10)})`,
    '',
    `| component (µs CPU per request) | ${results.map(([m]) => m).join(' | ')} |`,
    `|---|${results.map(() => '---:').join('|')}|`,
  ];
  for (const c of COMPONENTS)
    lines.push(`| ${c} | ${results.map(([, r]) => r.byComponent.get(c)!.toFixed(1)).join(' | ')} |`);
  lines.push(
    `| **total (process CPU time / requests)** | ${results.map(([, r]) => `**${r.cpuPerRequest.toFixed(1)}**`).join(' | ')} |`,
  );
  lines.push(
    `| bare undici hop, same run | ${results.map(([, r]) => r.bareCpuPerRequest.toFixed(1)).join(' | ')} |`,
  );
  const md = `${lines.join('\n')}\n`;
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/profile.md', md);
  process.stdout.write(`\n${md}`);
}

await main();
