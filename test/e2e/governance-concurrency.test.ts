/**
 * The budget promise under load: three `penny serve` processes share one budget in Redis, and 500 concurrent
 * requests whose combined worst case is 5× the budget arrive across them. Settled spend (the three ledgers)
 * must stay within the budget, every refusal must be a proper 429, and the numbers must agree exactly:
 * served + refused = 500, provider calls = served, the Redis counter = the ledgers' spend (per entry rounded up
 * to the nanodollar), nothing left reserved.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { loadConfig } from '../../src/config/load.js';
import { usd } from '../../src/core/money.js';
import { buildCatalog } from '../../src/app.js';
import { RedisCounterStore, connectRedis, redisReady } from '../../src/governance/redis-counter-store.js';
import { REDIS_URL, dropPrefix, redisUp, uniquePrefix } from '../../src/governance/redis-test-support.js';
import { nanoToUsd, picoToNanoCeil } from '../../src/governance/units.js';
import { worstCase } from '../../src/governance/worst-case.js';
import { resolveWindow } from '../../src/governance/window.js';
import { SqliteLedger } from '../../src/ledger/sqlite/sqlite-ledger.js';
import { loadGenaiPricesIsolated } from '../../src/pricing/load-builtin-isolated.js';
import { CODECS } from '../../src/providers/codecs.js';
import { type FakeUpstream, startFakeUpstream } from '../fake-upstream/index.js';

const up = await redisUp('governance-concurrency.test');
const INSTANCES = 3;
const REQUESTS = 500;
const BODY = {
  model: 'gpt-4o-mini',
  max_tokens: 40,
  messages: [
    { role: 'user', content: 'Please write a short note to the team about the offsite. #fake:words=40' },
  ],
};

function serve(config: string, ledger: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/run.ts', 'serve', '--config', config, '--ledger', ledger, '--port', '0'],
    { env: { ...process.env, PENNY_LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (process.env.PENNY_TEST_DEBUG) child.stderr!.on('data', (d) => process.stderr.write(d));
  let err = '';
  child.stderr!.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d: string) => {
      err += d;
      const m = /Penny listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on('exit', (code) => reject(new Error(`penny serve exited (${code}): ${err}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('three gateways, one budget in Redis', { skip: up ? false : `no Redis at ${REDIS_URL}` }, () => {
  let fake: FakeUpstream;
  let dir: string;
  const prefix = uniquePrefix('conc');
  const procs: ChildProcess[] = [];
  const urls: string[] = [];
  let limitNano = 0;
  let worstNano = 0;

  before(async () => {
    fake = await startFakeUpstream({ fast: true });
    dir = mkdtempSync(join(tmpdir(), 'penny-conc-'));
    // The worst case of one request, computed exactly as the gateways will.
    const catalog = buildCatalog(loadConfig({ object: {}, env: {} }), await loadGenaiPricesIsolated());
    const req = CODECS.openai.parseRequest(BODY);
    const w = worstCase(req, 'gpt-4o-mini', catalog.lookup('gpt-4o-mini', 'openai'), {
      inputMargin: 0.1,
      defaultMaxOutput: 16_384,
    });
    worstNano = picoToNanoCeil(w.cost!);
    limitNano = (worstNano * REQUESTS) / 5; // combined worst case = 5× the budget
    assert.ok(Number.isInteger(limitNano));
    const config = {
      providers: { openai: { type: 'openai', baseUrl: `${fake.url}/v1`, apiKey: 'sk-test-conc-0123456789' } },
      ledger: { flushIntervalMs: 20 },
      governance: {
        // A long command timeout: this test is about exact accounting on a busy machine, not about Redis outages.
        store: { redis: { url: REDIS_URL, keyPrefix: prefix, commandTimeoutMs: 15_000 } },
        budgets: [{ name: 'shared', limit: nanoToUsd(limitNano), window: 'day' }],
      },
    };
    const file = join(dir, 'penny.config.json');
    writeFileSync(file, JSON.stringify(config));
    const started = await Promise.all(
      Array.from({ length: INSTANCES }, (_, i) => serve(file, join(dir, `ledger-${i}.db`))),
    );
    for (const s of started) {
      procs.push(s.child);
      urls.push(s.url);
    }
  });

  after(async () => {
    await Promise.all(procs.map(stop));
    await fake?.close();
    const c = connectRedis({ url: REDIS_URL, keyPrefix: '' });
    await redisReady(c);
    await dropPrefix(c, prefix);
    c.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  test('500 concurrent requests, worst case 5× the budget: settled spend ≤ budget, exact accounting', async () => {
    const clients = urls.map(
      (u) => new OpenAI({ apiKey: 'penny', baseURL: `${u}/v1`, maxRetries: 0, timeout: 60_000 }),
    );
    const results = await Promise.all(
      Array.from({ length: REQUESTS }, async (_, i) => {
        try {
          await clients[i % INSTANCES]!.chat.completions.create(
            BODY as OpenAI.ChatCompletionCreateParamsNonStreaming,
          );
          return { ok: true as const };
        } catch (e) {
          const x = e as {
            status?: number;
            headers?: Headers;
            error?: { code?: string; details?: { budget?: string } };
          };
          return {
            ok: false as const,
            status: x.status,
            retryAfter: x.headers?.get('retry-after'),
            error: x.error,
          };
        }
      }),
    );
    const served = results.filter((r) => r.ok).length;
    const refused = results.filter((r) => !r.ok);
    for (const r of refused) {
      assert.equal(r.status, 429, JSON.stringify(r.error));
      assert.equal(r.error?.code, 'budget_exceeded');
      assert.equal(r.error?.details?.budget, 'shared');
      assert.ok(Number(r.retryAfter) >= 1, 'retry-after on every refusal');
    }
    assert.equal(served + refused.length, REQUESTS);
    assert.ok(refused.length > 0, 'the budget refused the overflow');
    assert.ok(served >= 1);

    await Promise.all(procs.map(stop)); // SIGTERM drains, settles and flushes each ledger
    let spentPico = 0n;
    let spentNano = 0;
    let ledgerOk = 0;
    let ledgerRefused = 0;
    for (let i = 0; i < INSTANCES; i++) {
      const ledger = SqliteLedger.open(join(dir, `ledger-${i}.db`));
      for (const e of await ledger.query({})) {
        if (e.status === 'ok') {
          ledgerOk++;
          spentPico += e.cost!;
          spentNano += picoToNanoCeil(e.cost!);
        } else if (e.errorClass === 'budget_exceeded') ledgerRefused++;
      }
      await ledger.close();
    }
    assert.equal(ledgerOk, served, 'every served request is in a ledger');
    assert.equal(ledgerRefused, refused.length, 'every refusal is in a ledger');
    assert.equal(fake.requests.length, served, 'refused requests never reached the provider');
    assert.ok(spentPico <= usd(nanoToUsd(limitNano)), `settled ${spentPico} pico ≤ budget ${limitNano} nano`);

    const client = connectRedis({ url: REDIS_URL, keyPrefix: '' });
    await redisReady(client);
    const store = new RedisCounterStore(client, prefix);
    const now = await store.now();
    const w = resolveWindow('day', now, 'UTC');
    const [snap] = await store.read([{ key: `b:shared:${w.id}`, window: w.spec }]);
    await store.close();
    assert.equal(snap!.spent, spentNano, 'the shared counter equals the ledgers, exactly');
    assert.equal(snap!.reserved, 0, 'nothing is left reserved');
    // As many as fit on their worst case were served (the rest were refused, not lost to a race), less what
    // leased allowances can strand: a call may be refused while another gateway still holds room it is not
    // using (README, "Leased allowances"); near the limit an allowance shrinks to its waiting calls, so each
    // other gateway strands at most about one call's worth at the end.
    const fit = Number(limitNano / worstNano);
    assert.ok(served >= fit - (INSTANCES - 1), `served ${served} ≥ ${fit} − ${INSTANCES - 1}`);
    process.stderr.write(
      `concurrency: served ${served}, refused ${refused.length}, spent ${nanoToUsd(spentNano)} of ${nanoToUsd(limitNano)} USD\n`,
    );
  });
});
