import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { SqliteLedger } from '../../src/ledger/sqlite/sqlite-ledger.js';
import { type FakeUpstream, startFakeUpstream } from '../fake-upstream/index.js';

const PENNY = ['--import', 'tsx', 'src/cli/run.ts'];

function startServe(
  env: NodeJS.ProcessEnv,
  args: string[],
): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [...PENNY, 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d: string) => {
      err += d;
      const m = /Penny listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve({ child, url: m[1]!, stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`penny serve exited (${code}): ${err}`)));
  });
}

describe('the penny CLI', () => {
  let fake: FakeUpstream;
  let dir: string;
  before(async () => {
    fake = await startFakeUpstream();
    dir = mkdtempSync(join(tmpdir(), 'penny-cli-'));
  });
  after(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('--help lists the commands', () => {
    const r = spawnSync(process.execPath, [...PENNY, '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    for (const c of ['serve', 'report', 'prices']) assert.match(r.stdout, new RegExp(`\\b${c}\\b`));
  });

  test('serve from the usual env vars, SIGTERM loses nothing, report reads the ledger', async () => {
    const ledgerPath = join(dir, 'ledger.db');
    const env = {
      OPENAI_API_KEY: 'sk-cli-0123456789abcdefghij',
      OPENAI_BASE_URL: `${fake.url}/v1`,
      PORT: '0',
      PENNY_LEDGER_PATH: ledgerPath,
      PENNY_LOG_LEVEL: 'warn',
    };
    const { child, url } = await startServe(env, []);
    const client = new OpenAI({ apiKey: 'penny', baseURL: `${url}/v1`, maxRetries: 0 });
    const features = ['search', 'search', 'search', 'chat', 'summarize'];
    await Promise.all(
      features.map((f, i) =>
        client.chat.completions.create(
          {
            model: i % 2 ? 'gpt-4o' : 'gpt-4o-mini',
            messages: [{ role: 'user', content: `q${i} #fake:words=${10 + i}` }],
          },
          { headers: { 'x-penny-feature': f } },
        ),
      ),
    );
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    const ledger = SqliteLedger.open(ledgerPath);
    const entries = await ledger.query({});
    await ledger.close();
    assert.equal(entries.length, features.length, 'every request written before exit');

    const rep = spawnSync(process.execPath, [...PENNY, 'report', '--ledger', ledgerPath, '--json'], {
      encoding: 'utf8',
    });
    assert.equal(rep.status, 0, rep.stderr);
    const report = JSON.parse(rep.stdout);
    assert.equal(report.totals.requests, features.length);
    const csv = spawnSync(
      process.execPath,
      [...PENNY, 'report', '--ledger', ledgerPath, '--csv', '--by', 'model'],
      { encoding: 'utf8' },
    );
    assert.equal(csv.status, 0, csv.stderr);
    assert.match(csv.stdout, /gpt-4o-mini/);
    const table = spawnSync(process.execPath, [...PENNY, 'report', '--ledger', ledgerPath], {
      encoding: 'utf8',
    });
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /search/);
  });

  test('a config mistake names the field and exits 2', () => {
    const r = spawnSync(process.execPath, [...PENNY, 'serve', '--config', join(dir, 'bad.json')], {
      encoding: 'utf8',
      input: '',
    });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /config file not found/);
  });

  test('prices shows a known model with its source, and says an unknown one is recorded as unknown', () => {
    const r = spawnSync(process.execPath, [...PENNY, 'prices', 'gpt-4o'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /2\.5/);
    const u = spawnSync(process.execPath, [...PENNY, 'prices', 'no-such-model-xyz'], { encoding: 'utf8' });
    assert.match(u.stdout + u.stderr, /unknown/i);
  });
});
