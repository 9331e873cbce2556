/**
 * `npm run bench:sigkill` — what a SIGKILL of `penny serve` loses. Ledger writes are batched off the
 * request path, so entries of answers given in the last moments before the kill may still be in memory.
 * This drives keep-alive load at a real `penny serve` (built dist, SQLite ledger, fake upstream), SIGKILLs
 * it mid-load, and compares the answers the clients got with the entries on disk: how many answered
 * requests have no entry, and how old the oldest of them was at the kill (the loss window). Loopback only.
 *
 *   npm run bench:sigkill -- [--runs 3] [--seconds 3] [--concurrency 32] [--flush-ms N] [--journal]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { SqliteLedger } from '../src/ledger/sqlite/sqlite-ledger.js';
import { startFakeUpstream } from '../test/fake-upstream/index.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
    'flush-ms': { type: 'string' },
    journal: { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const FLUSH_MS = values['flush-ms'] === undefined ? undefined : Number(values['flush-ms']);
const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/penny.js');
if (!existsSync(join(ROOT, 'dist/cli/run.js'))) {
  console.error('bench:sigkill: run `npm run build` first (it drives the built `penny serve`)');
  process.exit(1);
}

function serve(configPath: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--config', configPath], {
    env: { ...process.env, PENNY_LOG_LEVEL: 'warn', OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.setEncoding('utf8');
  return new Promise((res, rej) => {
    child.stderr!.on('data', (d: string) => {
      err += d;
      const m = /Penny listening on http:\/\/[^:]+:(\d+)/.exec(err);
      if (m) res({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => rej(new Error(`penny serve exited (${code}): ${err}`)));
  });
}

const BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });

function post(port: number, agent: Agent): Promise<string | null> {
  return new Promise((res) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/chat/completions',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) },
      },
      (r) => {
        r.resume();
        r.on('end', () => res(r.statusCode === 200 ? String(r.headers['x-penny-request-id']) : null));
        r.on('error', () => res(null));
      },
    );
    req.on('error', () => res(null));
    req.end(BODY);
  });
}

async function run(i: number) {
  const fake = await startFakeUpstream({ fast: true, record: false });
  const dir = mkdtempSync(join(tmpdir(), 'penny-sigkill-'));
  const ledgerPath = join(dir, 'ledger.db');
  const configPath = join(dir, 'penny.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      server: { port: 0 },
      ledger: {
        path: ledgerPath,
        ...(FLUSH_MS === undefined ? {} : { flushIntervalMs: FLUSH_MS }),
        ...(values.journal ? { journal: true } : {}),
      },
      providers: {
        openai: { type: 'openai', baseUrl: `${fake.url}/v1`, apiKey: 'sk-sigkill-0123456789abcdef' },
      },
    }),
  );
  const { child, port } = await serve(configPath);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const answeredAt = new Map<string, number>();
  let killed = false;
  let killAt = 0;
  const worker = async () => {
    while (!killed) {
      const id = await post(port, agent);
      if (id !== null && !killed) answeredAt.set(id, performance.now());
    }
  };
  const workers = Array.from({ length: CONCURRENCY }, worker);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  killAt = performance.now();
  killed = true;
  child.kill('SIGKILL');
  await exited;
  await Promise.all(workers);
  agent.destroy();
  await fake.close();
  // With the journal on, opening replays what the killed process had received (as its restart would).
  const ledger = SqliteLedger.open(ledgerPath, { journal: values.journal });
  const ids = new Set((await ledger.query({})).map((e) => e.id));
  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
  let lost = 0;
  let oldest = 0;
  for (const [id, at] of answeredAt) {
    if (ids.has(id)) continue;
    lost++;
    oldest = Math.max(oldest, killAt - at);
  }
  const rps = Math.round(answeredAt.size / SECONDS);
  console.log(
    `run ${i + 1}: ${answeredAt.size} answered (${rps}/s), ${ids.size} recorded, ${lost} answered but not recorded; oldest lost answer ${oldest.toFixed(0)} ms before the kill`,
  );
  return { lost, oldest, rps };
}

console.log(
  `SIGKILL under load: ${CONCURRENCY} keep-alive clients, kill after ${SECONDS} s, ledger.flushIntervalMs ${FLUSH_MS ?? 'default'}, journal ${values.journal ? 'on' : 'off'}`,
);
let worstLost = 0;
let worstMs = 0;
for (let i = 0; i < RUNS; i++) {
  const r = await run(i);
  worstLost = Math.max(worstLost, r.lost);
  worstMs = Math.max(worstMs, r.oldest);
}
console.log(`worst: ${worstLost} answered requests lost, window ${worstMs.toFixed(0)} ms`);
