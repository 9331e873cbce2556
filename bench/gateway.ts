/**
 * Gateway overhead benchmark (`npm run bench`). In one run on one machine it measures the same request
 * straight to the fake upstream, through a bare undici proxy hop, through Penny (default config, SQLite
 * ledger on) and through Portkey's open-source gateway — non-streamed and streamed, at 1, 10 and 64
 * concurrent clients — with wrk as the load generator. Gateways run pinned to CPU 0; the upstream and wrk
 * share CPU 1, as in reference/gateway-performance.md. Also: time to first streamed byte, and RSS.
 * Needs `wrk` (Debian package). Results: stdout and bench/results/gateway.md.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';

const DURATION = Number(process.env.BENCH_SECONDS ?? 6);
const KEY_FILE = join(tmpdir(), `penny-bench-key-${process.pid}`);
const CLIENTS = [1, 10, 64];
const QUICK = process.argv.includes('--quick');
/** `--pg` (or BENCH_PG_URL) adds Penny with its ledger in PostgreSQL, to compare with the SQLite ledger. */
const PG_URL =
  process.env.BENCH_PG_URL ??
  (process.argv.includes('--pg') ? 'postgres://postgres@127.0.0.1:5432/test' : undefined);
/** `--journal` adds Penny with the SQLite ledger's write-ahead journal on (ledger.journal), to price it. */
const JOURNAL = process.argv.includes('--journal');
const ONLY = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');

function have(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (!have('wrk')) {
  console.error('bench: `wrk` is required (apt-get install -y wrk)');
  process.exit(1);
}
const pin = (cpu: number, cmd: string[]) => (have('taskset') ? ['taskset', '-c', String(cpu), ...cmd] : cmd);

async function startProc(
  cmd: string[],
  readyPattern: RegExp,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(cmd[0]!, cmd.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = readyPattern.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${cmd.join(' ')} exited ${code}: ${out}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    child.removeAllListeners('exit');
    child.once('exit', () => r());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  pid?: number;
  /** Every request's prompt is unique (see luaScript). */
  unique?: boolean;
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  /** µs of the gateway process's CPU time (user + system, /proc/<pid>/stat) per request in this cell. */
  cpuPerRequest?: number;
}

/** CPU time (user + system) of a process so far, in µs (CLK_TCK = 100). */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** The benchmark's request body; with `tag`, a system prompt and a user prompt unique to the tag. */
function requestBody(stream: boolean, tag?: string): string {
  if (tag === undefined)
    return JSON.stringify({
      model: 'gpt-4o-mini',
      stream,
      messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
    });
  return JSON.stringify({
    model: 'gpt-4o-mini',
    stream,
    messages: [
      { role: 'system', content: 'You are a concise assistant for the Penny benchmark. Answer in one line.' },
      { role: 'user', content: `Say hello in one short sentence. Request ${tag}.` },
    ],
  });
}

let scriptRun = 0;

/**
 * wrk's Lua script. For a target with `unique` prompts every request gets a body of its own (a counter after
 * a tag unique to this wrk run), so a response cache never hits: the tactics row measures cache misses.
 */
function luaScript(t: Target, stream: boolean): string {
  const lines = ['wrk.method = "POST"', 'wrk.headers["Content-Type"] = "application/json"'];
  for (const [k, v] of Object.entries(t.headers))
    lines.push(`wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
  if (t.unique) {
    // The body split around the tag, so Lua only concatenates a counter per request.
    const marker = 'TAG-0b7e';
    const [head, tail] = requestBody(stream, marker).split(marker) as [string, string];
    const runTag = `${process.pid}-${Date.now()}-${++scriptRun}-`;
    lines.push(
      'local n = 0',
      `local head = ${JSON.stringify(head + runTag)}`,
      `local tail = ${JSON.stringify(tail)}`,
      'request = function()',
      '  n = n + 1',
      '  return wrk.format(nil, nil, nil, head .. n .. tail)',
      'end',
    );
  } else {
    lines.push(`wrk.body = ${JSON.stringify(requestBody(stream))}`);
  }
  const file = join(tmpdir(), `penny-bench-${t.name.replace(/\W/g, '')}-${stream ? 's' : 'j'}.lua`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function ms(v: string, unit: string): number {
  const n = Number(v);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : n;
}

function wrk(t: Target, stream: boolean, clients: number, seconds: number): Run {
  const script = luaScript(t, stream);
  const out = execFileSync(
    pin(1, [
      'wrk',
      '-t1',
      `-c${clients}`,
      `-d${seconds}s`,
      '--latency',
      '-s',
      script,
      `${t.url}/v1/chat/completions`,
    ])[0]!,
    pin(1, [
      'wrk',
      '-t1',
      `-c${clients}`,
      `-d${seconds}s`,
      '--latency',
      '-s',
      script,
      `${t.url}/v1/chat/completions`,
    ]).slice(1),
    { encoding: 'utf8' },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p = (q: string) => {
    const m = new RegExp(`\\s${q}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    return m ? ms(m[1]!, m[2]!) : Number.NaN;
  };
  const errors =
    Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0) +
    Number(/Socket errors:.*?timeout (\d+)/.exec(out)?.[1] ?? 0);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  return { rps, p50: p('50'), p99: p('99'), errors, requests };
}

/** Median time from sending a streamed request to its first body byte, over `n` sequential requests. */
async function ttfb(t: Target, n: number): Promise<number> {
  const u = new URL(t.url);
  const pool = new Pool(u.origin, { connections: 1 });
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const body = requestBody(true, t.unique ? `ttfb-${process.pid}-${Date.now()}-${i}` : undefined);
    const t0 = process.hrtime.bigint();
    const res = await pool.request({
      path: '/v1/chat/completions',
      method: 'POST',
      headers: { 'content-type': 'application/json', ...t.headers },
      body,
    });
    let first = 0n;
    for await (const _c of res.body) if (!first) first = process.hrtime.bigint();
    times.push(Number(first - t0) / 1e6);
  }
  await pool.close();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function rssMb(pid: number | undefined): { rss: number; peak: number } {
  if (!pid) return { rss: Number.NaN, peak: Number.NaN };
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function main() {
  const secs = QUICK ? 2 : DURATION;
  const fake = await startProc(
    pin(1, [process.execPath, '--import', 'tsx', 'bench/servers/fake.ts']),
    /READY (\d+)/,
  );
  const upstream = `http://127.0.0.1:${fake.port}`;
  const auth = { authorization: 'Bearer sk-bench-0123456789abcdefghij' };
  const results: Record<string, { json: Run[]; stream: Run[]; ttfb: number; rss: number; peak: number }> = {};

  const targets: Array<{
    name: string;
    start?: () => Promise<{ child: ChildProcess; port: number }>;
    headers: Record<string, string>;
    unique?: boolean;
  }> = [
    { name: 'direct', headers: auth },
    {
      name: 'bare undici proxy',
      start: () =>
        startProc(pin(0, [process.execPath, 'bench/servers/bare-proxy.mjs', upstream]), /READY (\d+)/),
      headers: auth,
    },
    {
      name: 'Penny (ledger on)',
      start: () => startProc(pin(0, [process.execPath, 'bench/servers/penny.mjs', upstream]), /READY (\d+)/),
      headers: { authorization: 'Bearer penny' },
    },
    // The tactics row of issue 14 and its baseline, both with a unique prompt per request (cache misses):
    // Penny's default configuration, then the same with the exact response cache, compression and provider
    // prompt-cache placement on for every request (bench/servers/penny.mjs "tactics").
    {
      name: 'Penny (no tactics, unique prompts)',
      start: () => startProc(pin(0, [process.execPath, 'bench/servers/penny.mjs', upstream]), /READY (\d+)/),
      headers: { authorization: 'Bearer penny' },
      unique: true,
    },
    {
      name: 'Penny (tactics on)',
      start: () =>
        startProc(
          pin(0, [process.execPath, 'bench/servers/penny.mjs', upstream, '', 'tactics']),
          /READY (\d+)/,
        ),
      headers: { authorization: 'Bearer penny' },
      unique: true,
    },
    ...(JOURNAL
      ? [
          {
            name: 'Penny (journal on)',
            start: () =>
              startProc(
                pin(0, [process.execPath, 'bench/servers/penny.mjs', upstream, '', 'journal']),
                /READY (\d+)/,
              ),
            headers: { authorization: 'Bearer penny' },
          },
        ]
      : []),
    ...(PG_URL
      ? [
          {
            name: 'Penny (PostgreSQL ledger)',
            start: () =>
              startProc(
                pin(0, [process.execPath, 'bench/servers/penny.mjs', upstream, PG_URL]),
                /READY (\d+)/,
              ),
            headers: { authorization: 'Bearer penny' },
          },
        ]
      : []),
    {
      // Same as above plus governance: a virtual key with a budget and a rate limit, counters in Redis (loopback).
      name: 'Penny (budgets on)',
      start: () =>
        startProc(
          pin(0, [process.execPath, 'bench/servers/penny-budgets.mjs', upstream, KEY_FILE]),
          /READY (\d+)/,
        ),
      headers: { authorization: 'Bearer penny' }, // replaced by the key the server wrote, once it is up
    },
    {
      name: 'Portkey 1.15.2',
      start: async () => {
        const port = 20000 + Math.floor(Math.random() * 20000);
        const p = await startProc(
          pin(0, [
            process.execPath,
            'node_modules/@portkey-ai/gateway/build/start-server.js',
            `--port=${port}`,
            '--headless',
          ]),
          /(running|listening|Server|port)/i,
        );
        await new Promise((r) => setTimeout(r, 1000));
        return { child: p.child, port };
      },
      headers: { ...auth, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstream}/v1` },
    },
  ];

  for (const spec of targets) {
    if (ONLY && !ONLY.some((o) => spec.name.toLowerCase().includes(o))) continue;
    const proc = spec.start ? await spec.start() : undefined;
    const headers =
      spec.name === 'Penny (budgets on)'
        ? { authorization: `Bearer ${readFileSync(KEY_FILE, 'utf8').trim()}` }
        : spec.headers;
    const t: Target = {
      name: spec.name,
      url: proc ? `http://127.0.0.1:${proc.port}` : upstream,
      headers,
      ...(proc?.child.pid ? { pid: proc.child.pid } : {}),
      ...(spec.unique ? { unique: true } : {}),
    };
    process.stderr.write(`\n== ${t.name} (${t.url})\n`);
    wrk(t, false, 10, 2); // warm-up (JIT, connection pools, tokenizer tables)
    wrk(t, true, 10, 2);
    const r = { json: [] as Run[], stream: [] as Run[], ttfb: 0, rss: 0, peak: 0 };
    for (const stream of [false, true]) {
      for (const c of CLIENTS) {
        const cpu0 = t.pid ? cpuMicros(t.pid) : 0;
        const run = wrk(t, stream, c, secs);
        if (t.pid && run.requests) run.cpuPerRequest = (cpuMicros(t.pid) - cpu0) / run.requests;
        (stream ? r.stream : r.json).push(run);
        process.stderr.write(
          `  ${stream ? 'stream' : 'json  '} c=${String(c).padEnd(2)} ${run.rps.toFixed(0).padStart(6)} req/s  p50 ${run.p50.toFixed(3)} ms  p99 ${run.p99.toFixed(3)} ms${run.cpuPerRequest ? `  ${run.cpuPerRequest.toFixed(0)} µs CPU/req` : ''}${run.errors ? `  ERRORS ${run.errors}` : ''}\n`,
        );
        if (c === 64) {
          const m = rssMb(t.pid);
          r.rss = Math.max(r.rss, m.rss); // the larger of the two 64-client cells
          r.peak = m.peak;
        }
      }
    }
    r.ttfb = await ttfb(t, QUICK ? 100 : 400);
    // Again after the TTFB runs: the token-estimate worker that the streamed cell's aborted streams start
    // loads its rank table after wrk has gone, and its memory is the gateway's too.
    const later = rssMb(t.pid);
    if (t.pid) Object.assign(r, { rss: Math.max(r.rss, later.rss), peak: later.peak });
    process.stderr.write(
      `  ttfb (streamed, 1 client, median) ${r.ttfb.toFixed(3)} ms; RSS after 64 clients ${r.rss.toFixed(0)} MB (peak ${r.peak.toFixed(0)} MB)\n`,
    );
    results[t.name] = r;
    if (proc) await stop(proc.child);
  }
  await stop(fake.child);

  const d = results.direct;
  const bare = results['bare undici proxy'];
  const penny = results['Penny (ledger on)'];
  const pk = results['Portkey 1.15.2'];
  const gov = results['Penny (budgets on)'];
  const lines: string[] = [];
  const f = (n: number | undefined, dig = 0) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(dig));
  lines.push(
    `Command: \`npm run bench\` (${secs} s per cell, wrk -t1, gateways pinned to CPU 0, upstream + wrk on CPU 1; ${new Date().toISOString().slice(0, 10)})`,
    '',
  );
  lines.push(
    '| path | mode | req/s @1 | req/s @10 | req/s @64 | p50 @1 (ms) | p99 @10 (ms) | TTFB stream (ms) | RSS @64 (MB) | CPU µs/req @10 |',
    '|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const [name, r] of Object.entries(results)) {
    for (const mode of ['json', 'stream'] as const) {
      const runs = r[mode];
      lines.push(
        `| ${name} | ${mode} | ${f(runs[0]?.rps)} | ${f(runs[1]?.rps)} | ${f(runs[2]?.rps)} | ${f(runs[0]?.p50, 3)} | ${f(runs[1]?.p99, 3)} | ${mode === 'stream' ? f(r.ttfb, 3) : ''} | ${mode === 'json' ? f(r.rss) : ''} | ${f(runs[1]?.cpuPerRequest)} |`,
      );
    }
  }
  if (d && penny) {
    lines.push('', '| target (issues #2, #14) | measured | result |', '|---|---|---|');
    const added = penny.json[0]!.p50 - d.json[0]!.p50;
    lines.push(
      `| added p50 at 1 client ≤ 0.3 ms (issue 14; 0.4 in issue 2) | ${added.toFixed(3)} ms (Penny ${penny.json[0]!.p50.toFixed(3)} − direct ${d.json[0]!.p50.toFixed(3)}) | ${added <= 0.3 ? 'met' : 'NOT met'} |`,
    );
    if (pk) {
      const ratio = penny.json[1]!.rps / pk.json[1]!.rps;
      lines.push(
        `| throughput @10 ≥ 10× Portkey | ${ratio.toFixed(1)}× (${penny.json[1]!.rps.toFixed(0)} vs ${pk.json[1]!.rps.toFixed(0)} req/s) | ${ratio >= 10 ? 'met' : 'NOT met'} |`,
      );
      // The same comparison in CPU time per request, which the machine's other load does not skew.
      const pc = penny.json[1]!.cpuPerRequest;
      const kc = pk.json[1]!.cpuPerRequest;
      if (pc && kc)
        lines.push(
          `| (CPU per request @10: Portkey ÷ Penny) | ${(kc / pc).toFixed(1)}× (${kc.toFixed(0)} vs ${pc.toFixed(0)} µs) | – |`,
        );
    }
    if (bare) {
      const ratio = penny.json[1]!.rps / bare.json[1]!.rps;
      lines.push(
        `| throughput @10 ≥ 50% of bare undici hop | ${(ratio * 100).toFixed(0)}% (${penny.json[1]!.rps.toFixed(0)} vs ${bare.json[1]!.rps.toFixed(0)} req/s) | ${ratio >= 0.5 ? 'met' : 'NOT met'} |`,
      );
    }
    const jr = results['Penny (journal on)'];
    if (jr) {
      const ratio = jr.json[1]!.rps / penny.json[1]!.rps;
      const sratio = jr.stream[1]!.rps / penny.stream[1]!.rps;
      lines.push(
        `| journal on (SIGKILL-safe ledger): throughput @10 vs journal off | json ${(ratio * 100).toFixed(0)}%, stream ${(sratio * 100).toFixed(0)}% (${jr.json[1]!.rps.toFixed(0)} vs ${penny.json[1]!.rps.toFixed(0)} req/s) | – |`,
      );
    }
    const pgr = results['Penny (PostgreSQL ledger)'];
    if (pgr) {
      const ratio = pgr.json[1]!.rps / penny.json[1]!.rps;
      lines.push(
        `| PostgreSQL ledger ≥ 90% of SQLite @10 | ${(ratio * 100).toFixed(0)}% (${pgr.json[1]!.rps.toFixed(0)} vs ${penny.json[1]!.rps.toFixed(0)} req/s) | ${ratio >= 0.9 ? 'met' : 'NOT met'} |`,
      );
    }
    if (gov) {
      const added = gov.json[0]!.p50 - penny.json[0]!.p50;
      lines.push(
        `| budgets on: added p50 of the budget check ≤ 0.15 ms | ${added.toFixed(3)} ms (${gov.json[0]!.p50.toFixed(3)} − ${penny.json[0]!.p50.toFixed(3)}) | ${added <= 0.15 ? 'met' : 'NOT met'} |`,
      );
      const ratio = gov.json[1]!.rps / penny.json[1]!.rps;
      lines.push(
        `| budgets on: throughput @10 ≥ 85% of budgets off | ${(ratio * 100).toFixed(0)}% (${gov.json[1]!.rps.toFixed(0)} vs ${penny.json[1]!.rps.toFixed(0)} req/s) | ${ratio >= 0.85 ? 'met' : 'NOT met'} |`,
      );
    }
    const dt = penny.ttfb - d.ttfb;
    lines.push(
      `| TTFB within 0.5 ms of direct (issue 14; 1 ms in issue 2) | +${dt.toFixed(3)} ms (${penny.ttfb.toFixed(3)} vs ${d.ttfb.toFixed(3)}) | ${dt <= 0.5 ? 'met' : 'NOT met'} |`,
    );
    lines.push(
      `| RSS < 150 MB at 64 clients | ${penny.rss.toFixed(0)} MB (peak ${penny.peak.toFixed(0)} MB) | ${penny.peak < 150 ? 'met' : 'NOT met'} |`,
    );
  }
  const plain = results['Penny (no tactics, unique prompts)'];
  const tac = results['Penny (tactics on)'];
  if (plain && tac) {
    if (!d || !penny) lines.push('', '| target | measured | result |', '|---|---|---|');
    const ratio = tac.json[1]!.rps / plain.json[1]!.rps;
    const sratio = tac.stream[1]!.rps / plain.stream[1]!.rps;
    lines.push(
      `| tactics on (exact cache, compression, prompt-cache placement; all misses): throughput @10 ≥ 70% of no tactics | json ${(ratio * 100).toFixed(0)}% (${tac.json[1]!.rps.toFixed(0)} vs ${plain.json[1]!.rps.toFixed(0)} req/s), stream ${(sratio * 100).toFixed(0)}% (${tac.stream[1]!.rps.toFixed(0)} vs ${plain.stream[1]!.rps.toFixed(0)}) | ${Math.min(ratio, sratio) >= 0.7 ? 'met' : 'NOT met'} |`,
    );
  }
  const md = `${lines.join('\n')}\n`;
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/gateway.md', md);
  process.stdout.write(`\n${md}`);
}

await main();
