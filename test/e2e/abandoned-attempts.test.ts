/**
 * Calls the provider had but Penny gave up on — a body that broke after a 200, a timeout, a client that left
 * while the upstream worked — are billed by providers. Found by the chaos suite: they were recorded at $0,
 * and a retry or fallback that followed them hid them entirely. Now their prompt is counted (a flagged lower
 * bound) and every abandoned attempt is part of the entry's cost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startPenny, type PennyApp } from '../../src/app.js';
import { createLogger } from '../../src/observability/logger.js';
import { MemoryLedger } from '../../src/ledger/memory-ledger.js';
import { countRequestTokens } from '../../src/tokens/index.js';
import { computeCost } from '../../src/pricing/cost.js';
import { type FakeUpstream, startFakeUpstream } from '../fake-upstream/index.js';

describe('abandoned upstream attempts are billed', () => {
  let fake: FakeUpstream;
  let app: PennyApp;
  let ledger: MemoryLedger;
  let client: OpenAI;
  before(async () => {
    fake = await startFakeUpstream();
    ledger = new MemoryLedger();
    app = await startPenny({
      object: {
        server: { port: 0 },
        providers: {
          openai: {
            type: 'openai',
            baseUrl: `${fake.url}/v1`,
            apiKey: 'sk-test-0123456789abcdefghij',
            timeoutMs: 400,
          },
        },
        // A fallback chain gives the request an execution plan, and with it retries.
        route: {
          fallbacks: { 'gpt-4o-mini': ['gpt-4o'] },
          retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 },
        },
      },
      env: {},
      logger: createLogger('silent', () => {}),
      ledger,
    });
    client = new OpenAI({ apiKey: 'penny', baseURL: `${app.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await app.close();
    await fake.close();
  });
  const entries = async () => {
    await app.gateway.drain();
    return (await ledger.query({})).reverse();
  };
  const messages = [{ role: 'user' as const, content: 'how much is an abandoned call' }];
  const promptTokens = countRequestTokens(
    {
      dialect: 'openai',
      model: 'gpt-4o-mini',
      system: [],
      messages: [{ role: 'user', content: [{ type: 'text', text: messages[0]!.content }] }],
      stream: false,
      extra: {},
    } as never,
    'gpt-4o-mini',
  ).tokens;

  test('a body that broke after a 200, then a retry that answered: both are in the cost', async () => {
    fake.reset();
    fake.setNext({ breakAfter: 1 });
    const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    const e = (await entries()).at(-1)!;
    assert.equal(e.status, 'ok');
    assert.equal(fake.requests.length, 2);
    assert.ok(e.flags.includes('abandoned_attempt_billed'), e.flags.join());
    assert.ok(e.flags.includes('usage_estimated'));
    const price = app.catalog.lookup('gpt-4o-mini');
    const answered = computeCost(
      {
        inputUncached: r.usage!.prompt_tokens,
        cacheRead: 0,
        cacheWrite5m: 0,
        cacheWrite1h: 0,
        outputText: r.usage!.completion_tokens,
        reasoning: 0,
      },
      price,
    ).cost!;
    const abandoned = computeCost(
      {
        inputUncached: promptTokens,
        cacheRead: 0,
        cacheWrite5m: 0,
        cacheWrite1h: 0,
        outputText: 0,
        reasoning: 0,
      },
      price,
    ).cost!;
    assert.ok(abandoned > 0n);
    assert.equal(e.cost, answered + abandoned);
    assert.equal(
      e.baselineCost! - e.cost!,
      Object.values(e.savings).reduce((a, b) => a + b, 0n),
    );
  });

  test('a timeout, then a retry that answered: the timed-out call is billed too', async () => {
    fake.reset();
    fake.setNext({ delay: 1500 });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    const e = (await entries()).at(-1)!;
    assert.equal(e.status, 'ok');
    assert.ok(e.flags.includes('abandoned_attempt_billed'), e.flags.join());
    const attempts = (e.meta?.attempts ?? []) as Array<{ code: string | null }>;
    assert.equal(attempts[0]?.code, 'upstream_timeout');
  });

  test('a call that failed for good after the upstream answered 200 is not $0', async () => {
    fake.reset();
    // Two tries of the model asked for, two of its fallback.
    for (let i = 0; i < 4; i++) fake.setNext({ badJson: true });
    await assert.rejects(client.chat.completions.create({ model: 'gpt-4o-mini', messages }));
    const e = (await entries()).at(-1)!;
    assert.equal(e.status, 'error');
    assert.equal(fake.requests.length, 4);
    assert.ok(e.cost !== null && e.cost > 0n, `cost ${e.cost}`);
    assert.ok(e.flags.includes('usage_estimated'));
    assert.ok(e.flags.includes('abandoned_attempt_billed'));
  });

  test('an upstream that refuses (500) before generating bills nothing', async () => {
    fake.reset();
    for (let i = 0; i < 4; i++) fake.setNext({ status: 500 });
    await assert.rejects(client.chat.completions.create({ model: 'gpt-4o-mini', messages }));
    const e = (await entries()).at(-1)!;
    assert.equal(e.cost, 0n);
    assert.ok(!e.flags.includes('abandoned_attempt_billed'));
  });
});
