/**
 * CPU per request of two or more gateway servers, in interleaved rounds (`npm run bench:cpu-ab`). Every
 * server runs at once (pinned to CPU 0, idle until its turn; the fake upstream and wrk on CPU 1); each round
 * drives each server in turn with wrk for `--seconds`, and reports its CPU time per request from
 * /proc/<pid>/stat (user + system over the load window, so a busy machine's other processes do not count),
 * its req/s and wrk's p50. Medians over the rounds. Robust on a loaded machine where wall-clock throughput
 * is not: compare servers within one run, never across runs.
 *
 *   node --import tsx bench/cpu-ab.ts [--rounds 5] [--seconds 3] [--clients 10] [--stream] [--unique]
 *     [--server "label=script[,arg…]"]…
 *
 * A server is a script taking the upstream URL as its first argument and printing `READY <port>`; more
 * arguments after commas (e.g. `tactics=bench/servers/penny.mjs,,tactics`). Default: the bare undici hop and
 * Penny's default configuration. `--unique` makes every request's prompt unique (cache misses).
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMicros, pin, requireWrk, startProc, stop } from './lib/proc.js';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
};
const ROUNDS = Number(arg('rounds', '5'));
const SECONDS = Number(arg('seconds', '3'));
const CLIENTS = Number(arg('clients', '10'));
const STREAM = argv.includes('--stream');
const UNIQUE = argv.includes('--unique');
const servers: Array<{ label: string; script: string; args: string[] }> = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] !== '--server') continue;
  const spec = argv[i + 1] ?? '';
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`--server: expected "label=script[,arg…]", got "${spec}"`);
  const [script, ...args] = spec.slice(eq + 1).split(',');
  servers.push({ label: spec.slice(0, eq), script: script!, args });
}
if (servers.length === 0)
  servers.push(
    { label: 'bare undici hop', script: 'bench/servers/bare-proxy.mjs', args: [] },
    { label: 'Penny', script: 'bench/servers/penny.mjs', args: [] },
  );
for (const [name, v] of [
  ['rounds', ROUNDS],
  ['seconds', SECONDS],
  ['clients', CLIENTS],
] as const)
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name}: expected a whole number ≥ 1, got ${v}`);

requireWrk('bench:cpu-ab');

let run = 0;
function script(auth: string): string {
  const lines = [
    'wrk.method = "POST"',
    'wrk.headers["Content-Type"] = "application/json"',
    `wrk.headers["Authorization"] = ${JSON.stringify(auth)}`,
  ];
  const body = (content: string) =>
    JSON.stringify({
      model: 'gpt-4o-mini',
      stream: STREAM,
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
  if (UNIQUE) {
    const [head, tail] = body('Say hello in one short sentence. Request TAG-0b7e.').split('TAG-0b7e') as [
      string,
      string,
    ];
    lines.push(
      'local n = 0',
      `local head = ${JSON.stringify(`${head}${process.pid}-${Date.now()}-${++run}-`)}`,
      `local tail = ${JSON.stringify(tail)}`,
      'request = function()',
      '  n = n + 1',
      '  return wrk.format(nil, nil, nil, head .. n .. tail)',
      'end',
    );
  } else lines.push(`wrk.body = ${JSON.stringify(body('Say hello in one short sentence.'))}`);
  const file = join(tmpdir(), `penny-cpu-ab-${process.pid}.lua`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function wrk(url: string, seconds: number, auth: string): { requests: number; p50: number } {
  const cmd = pin(1, [
    'wrk',
    '-t1',
    `-c${CLIENTS}`,
    `-d${seconds}s`,
    '--latency',
    '-s',
    script(auth),
    `${url}/v1/chat/completions`,
  ]);
  const out = execFileSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
  const bad = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  if (bad) throw new Error(`wrk: ${bad} non-2xx responses from ${url}`);
  const m = /\s50%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p50 = m ? Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1) : Number.NaN;
  return { requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0), p50 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main() {
  const fake = await startProc(pin(1, [process.execPath, '--import', 'tsx', 'bench/servers/fake.ts']));
  const upstream = `http://127.0.0.1:${fake.port}`;
  const started: Array<{ label: string; child: ChildProcess; url: string; auth: string }> = [];
  try {
    for (const s of servers) {
      const p = await startProc(pin(0, [process.execPath, s.script, upstream, ...s.args]));
      const auth = s.script.includes('penny') ? 'Bearer penny' : 'Bearer sk-bench-0123456789abcdefghij';
      started.push({ label: s.label, child: p.child, url: `http://127.0.0.1:${p.port}`, auth });
    }
    await new Promise((r) => setTimeout(r, 3000)); // start-up work (price catalog worker) done
    for (const s of started) wrk(s.url, 2, s.auth); // warm-up: JIT, pools
    const per = new Map(
      started.map((s) => [s.label, { cpu: [] as number[], rps: [] as number[], p50: [] as number[] }]),
    );
    const load0 = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    for (let r = 0; r < ROUNDS; r++) {
      for (const s of started) {
        const c0 = cpuMicros(s.child.pid!);
        const t0 = performance.now();
        const { requests, p50 } = wrk(s.url, SECONDS, s.auth);
        await new Promise((res) => setTimeout(res, 150)); // the last ledger batch
        const cpu = cpuMicros(s.child.pid!) - c0;
        const x = per.get(s.label)!;
        x.cpu.push(cpu / requests);
        x.rps.push(requests / ((performance.now() - t0 - 150) / 1000));
        x.p50.push(p50);
        process.stderr.write(
          `round ${r + 1} ${s.label}: ${(cpu / requests).toFixed(1)} µs CPU/request, ${requests} requests, p50 ${p50.toFixed(3)} ms\n`,
        );
      }
    }
    const load1 = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const first = started[0]!.label;
    const lines = [
      `Command: \`node --import tsx bench/cpu-ab.ts ${argv.join(' ')}\` (wrk -t1 -c${CLIENTS}, ${STREAM ? 'streamed' : 'non-streamed'}${UNIQUE ? ', unique prompts' : ''}, ${ROUNDS} interleaved rounds of ${SECONDS} s; load average ${load0} → ${load1}; ${new Date().toISOString().slice(0, 16)}Z)`,
      '',
      `| server | µs CPU per request (median) | vs ${first} | req/s (median) | p50 (ms, median) |`,
      '|---|---:|---:|---:|---:|',
    ];
    const base = median(per.get(first)!.cpu);
    for (const [label, x] of per)
      lines.push(
        `| ${label} | ${median(x.cpu).toFixed(1)} | ${(median(x.cpu) / base).toFixed(2)}× | ${median(x.rps).toFixed(0)} | ${median(x.p50).toFixed(3)} |`,
      );
    process.stdout.write(`\n${lines.join('\n')}\n`);
  } finally {
    for (const s of started) await stop(s.child);
    await stop(fake.child);
  }
}

await main();
