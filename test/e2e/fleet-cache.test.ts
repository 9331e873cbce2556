/**
 * Three `penny serve` processes sharing one Redis (each with its own SQLite ledger): the shared hot state
 * works across processes — an answer stored through one instance is a semantic hit on another, and
 * identical concurrent requests spread over the three make one upstream call, the followers answered at
 * $0 with `x-penny-cache: dedupe`. Its own Redis key prefix per run.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { openTestRedis, redisSkip, TEST_REDIS_URL } from '../../src/pipeline/cache/fleet/test-redis.js';
import { type FakeUpstream, startFakeUpstream } from '../fake-upstream/index.js';

const skip = await redisSkip('fleet-cache.test');
const PREFIX = `penny:test:fleet-procs:${process.pid}:`;
const PENNY = ['--import', 'tsx', 'src/cli/run.ts'];

interface Instance {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

function startInstance(config: string, ledgerPath: string): Promise<Instance> {
  const child = spawn(process.execPath, [...PENNY, 'serve', '--config', config, '--port', '0'], {
    env: { ...process.env, PENNY_LEDGER_PATH: ledgerPath, PENNY_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /Penny listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]!, exited });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`penny serve exited (${code}) before listening: ${out}`)));
  });
}

async function until(fn: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('three penny serve processes sharing Redis', { skip }, () => {
  let fake: FakeUpstream;
  let dir: string;
  const instances: Instance[] = [];
  const client = (i: number) =>
    new OpenAI({ apiKey: 'penny-placeholder', baseURL: `${instances[i]!.url}/v1`, maxRetries: 0 });
  const ask = (i: number, feature: string, content: string, stream = false) => {
    const body = { model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user' as const, content }] };
    const headers = { headers: { 'x-penny-feature': feature } };
    if (!stream) return client(i).chat.completions.create(body, headers).withResponse();
    return client(i)
      .chat.completions.create({ ...body, stream: true }, headers)
      .withResponse()
      .then(async ({ data, response }) => {
        let text = '';
        for await (const c of data) text += c.choices[0]?.delta?.content ?? '';
        return { data: { choices: [{ message: { content: text } }] }, response };
      });
  };

  before(async () => {
    fake = await startFakeUpstream({ record: false });
    dir = mkdtempSync(join(tmpdir(), 'penny-fleet-cache-'));
    const config = join(dir, 'penny.json');
    writeFileSync(
      config,
      JSON.stringify({
        providers: {
          openai: { type: 'openai', baseUrl: `${fake.url}/v1`, apiKey: 'sk-fleet-openai-0123456789abcdef' },
        },
        cache: { store: 'redis', redisUrl: TEST_REDIS_URL, redisKeyPrefix: PREFIX, fleet: { syncMs: 50 } },
        features: {
          faq: { cache: { enabled: true } },
          support: { cache: { enabled: true, semantic: { enabled: true, shadow: false } } },
        },
      }),
    );
    instances.push(
      ...(await Promise.all([0, 1, 2].map((i) => startInstance(config, join(dir, `ledger-${i}.db`))))),
    );
  });

  after(async () => {
    await Promise.all(
      instances.map(async (inst) => {
        inst.child.kill('SIGTERM');
        assert.equal(
          await inst.exited,
          0,
          'SIGTERM drains and exits cleanly with the Redis connections open',
        );
      }),
    );
    await fake?.close();
    const r = await openTestRedis(PREFIX);
    await r.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('an answer stored through instance 0 is a semantic hit on instances 1 and 2', async () => {
    const first = await ask(0, 'support', 'How do I change the billing email on my account?');
    assert.equal(first.response.headers.get('x-penny-cache'), 'miss');
    const c0 = fake.count;
    const replicated = async (i: number) => {
      const text = await (await fetch(`${instances[i]!.url}/metrics`)).text();
      return Number(/^penny_cache_semantic_replicated_total(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0);
    };
    for (const [i, paraphrase] of [
      [1, 'How can I change the billing email of my account?'],
      [2, 'How do I update the billing email on my account?'],
    ] as const) {
      // Replication is asynchronous (every syncMs): wait until this instance has ingested the entry, then ask
      // once. (Asking before it arrived would answer the paraphrase upstream and store it in the shared exact
      // cache, so a retry would be an exact hit, not the semantic one this test is about.)
      await until(async () => (await replicated(i)) >= 1, 20_000);
      const r = await ask(i, 'support', paraphrase);
      assert.equal(r.response.headers.get('x-penny-cache'), 'hit');
      assert.equal(r.response.headers.get('x-penny-cache-kind'), 'semantic');
      assert.equal(r.response.headers.get('x-penny-cost-usd'), '0');
      assert.equal(r.data.choices[0]!.message.content, first.data.choices[0]!.message.content);
    }
    assert.equal(fake.count - c0, 0, 'both paraphrases were answered from the replicated entry');
  });

  test('identical concurrent requests over the three instances: one upstream call', async () => {
    const c0 = fake.count;
    const content = 'Fleet of processes, one call #fake:words=30 #fake:delay=500';
    const leader = ask(0, 'faq', content);
    await until(async () => fake.count > c0);
    const followers = await Promise.all([
      ask(1, 'faq', content),
      ask(2, 'faq', content, true),
      ask(1, 'faq', content, true),
      ask(2, 'faq', content),
    ]);
    const lead = await leader;
    assert.equal(fake.count - c0, 1, 'one upstream call for the fleet');
    assert.equal(lead.response.headers.get('x-penny-cache'), 'miss');
    assert.notEqual(lead.response.headers.get('x-penny-cost-usd'), '0');
    for (const f of followers) {
      assert.equal(f.response.headers.get('x-penny-cache'), 'dedupe');
      assert.equal(f.data.choices[0]!.message.content, lead.data.choices[0]!.message.content);
    }
    for (const f of [followers[0]!, followers[3]!])
      assert.equal(f.response.headers.get('x-penny-cost-usd'), '0', 'a follower is unbilled');
  });
});
