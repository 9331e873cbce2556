import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { cacheCommand } from '../../src/cli/cache.js';
import { type Harness, startHarness } from './harness.js';

/** About 1,500 tokens (characters / 4) of stable instructions. */
const LONG =
  'You are the support assistant of Example Corp. Follow the policy below exactly and cite the section you used. '.repeat(
    55,
  );

interface SentBody {
  system?: string | Array<{ text: string; cache_control?: { type: string; ttl?: string } }>;
  messages: Array<{
    role: string;
    content: string | Array<{ type: string; cache_control?: { type: string; ttl?: string } }>;
  }>;
  prompt_cache_key?: string;
}

const markers = (b: SentBody) => {
  const out: string[] = [];
  if (Array.isArray(b.system))
    for (const [i, s] of b.system.entries())
      if (s.cache_control) out.push(`system[${i}]:${s.cache_control.ttl ?? '5m'}`);
  for (const [i, m] of b.messages.entries()) {
    if (typeof m.content === 'string') continue;
    for (const [j, c] of m.content.entries())
      if (c.cache_control) out.push(`messages[${i}][${j}]:${c.cache_control.ttl ?? '5m'}`);
  }
  return out;
};

describe('provider prompt caching placed by the gateway', () => {
  let h: Harness;
  let anthropic: Anthropic;
  let openai: OpenAI;
  before(async () => {
    h = await startHarness();
    anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(() => h.close());

  const sent = () => h.fake.requests.at(-1)!.body as SentBody;

  test('Anthropic: a reused system prompt gets a breakpoint; reads and writes are booked as cache.prompt', async () => {
    const system = `${LONG} Variant A.`;
    const send = (content: string) =>
      anthropic.messages.create(
        { model: 'claude-sonnet-4-5', max_tokens: 100, system, messages: [{ role: 'user', content }] },
        { headers: { 'x-penny-feature': 'support' } },
      );
    await send('First question');
    assert.deepEqual(markers(sent()), [], 'nothing is marked the first time a prefix is seen');
    await send('Second question #fake:cache_write=1500');
    assert.deepEqual(markers(sent()), ['system[0]:5m']);
    await send('Third question #fake:cached=1500');
    const [, write, read] = (await h.entries()).slice(-3);
    assert.deepEqual((write!.meta!.promptCache as { placed: unknown[] }).placed, [
      { kind: 'system', index: 0, tokens: Math.ceil(system.length / 4), ttl: '5m', reason: 'reused' },
    ]);
    // Sonnet 4.5: input $3, 5m write $3.75, read $0.30 per 1M tokens.
    assert.equal(write!.savings['cache.prompt'], -1500n * 750_000n);
    assert.equal(read!.savings['cache.prompt'], 1500n * 2_700_000n);
    for (const e of [write!, read!]) {
      assert.equal(e.baselineCost! - e.cost!, e.savings['cache.prompt'], 'baseline − cost = Σ savings');
    }
  });

  test('Anthropic conversation: the earlier turns and the end of the prompt are marked as it grows', async () => {
    const system = `${LONG} Variant B.`;
    const turn1 = [{ role: 'user' as const, content: 'Hello, I need help with my order.' }];
    await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, system, messages: turn1 });
    const turn2 = [
      ...turn1,
      { role: 'assistant' as const, content: 'Of course. What is the order number?' },
      { role: 'user' as const, content: 'It is 12345.' },
    ];
    await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, system, messages: turn2 });
    assert.deepEqual(markers(sent()), ['system[0]:5m', 'messages[0][0]:5m', 'messages[2][0]:5m']);
  });

  test("Anthropic: a caller's own markers are left alone and count against the limit of 4", async () => {
    const blocks = [0, 1, 2, 3].map((i) => ({
      type: 'text' as const,
      text: `${LONG} Part ${i}.`,
      cache_control: { type: 'ephemeral' as const },
    }));
    for (let i = 0; i < 2; i++)
      await anthropic.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        system: blocks,
        messages: [{ role: 'user', content: `Question ${i}` }],
      });
    assert.deepEqual(markers(sent()), ['system[0]:5m', 'system[1]:5m', 'system[2]:5m', 'system[3]:5m']);
  });

  test('Anthropic: a prefix below the model minimum is never marked', async () => {
    for (let i = 0; i < 2; i++)
      await anthropic.messages.create({
        model: 'claude-haiku-4-5', // 4,096-token minimum
        max_tokens: 100,
        system: `${LONG} Variant C.`,
        messages: [{ role: 'user', content: `Question ${i}` }],
      });
    assert.deepEqual(markers(sent()), []);
  });

  test('OpenAI: a long stable prefix gets a prompt_cache_key per feature; a caller key is kept', async () => {
    const ask = (feature: string, extra: Record<string, unknown> = {}) =>
      openai.chat.completions.create(
        {
          model: 'gpt-4o-mini',
          messages: [
            { role: 'system', content: LONG },
            { role: 'user', content: 'Hi' },
          ],
          ...extra,
        },
        { headers: { 'x-penny-feature': feature } },
      );
    await ask('alpha');
    const a = sent().prompt_cache_key;
    assert.match(a ?? '', /^penny-[0-9a-f]{32}$/);
    await ask('alpha');
    assert.equal(sent().prompt_cache_key, a, 'the same feature and prefix get the same key');
    await ask('beta');
    assert.notEqual(sent().prompt_cache_key, a);
    await ask('alpha', { prompt_cache_key: 'mine' });
    assert.equal(sent().prompt_cache_key, 'mine');
  });

  test('prefix breakers: a timestamp early in the system prompt is found, logged, costed and reported', async () => {
    for (const second of ['01', '07', '13']) {
      await anthropic.messages.create(
        {
          model: 'claude-sonnet-4-5',
          max_tokens: 100,
          system: `Current time: 2025-06-01T12:00:${second}Z.\n${LONG}`,
          messages: [{ role: 'user', content: 'Hi' }],
        },
        { headers: { 'x-penny-feature': 'clocked' } },
      );
    }
    const entries = (await h.entries()).filter((e) => e.feature === 'clocked');
    assert.equal(entries[0]!.meta?.promptCache, undefined, 'nothing to compare with on the first request');
    const b = (
      entries[2]!.meta!.promptCache as {
        breaker: { kind: string; atToken: number; lostTokens: number; lostCost: string };
      }
    ).breaker;
    assert.equal(b.kind, 'timestamp');
    assert.equal(b.atToken, 3);
    assert.ok(b.lostTokens > 1024);
    // Sonnet 4.5: (input − cache read) = $2.70 per 1M tokens.
    assert.equal(Number(b.lostCost), (b.lostTokens * 2.7) / 1e6);
    assert.ok(h.logs.some((l) => l.includes('prompt cache breaker') && l.includes('timestamp')));
    const text = await cacheCommand({ ledger: h.app.ledger, view: 'breakers' });
    assert.match(text, /clocked\s+│\s+timestamp\s+│\s+2\s+│/);
    const json = JSON.parse(await cacheCommand({ ledger: h.app.ledger, view: 'breakers', json: true })) as {
      breakers: Array<{ feature: string; kind: string; requests: number }>;
    };
    assert.deepEqual(
      json.breakers.map((r) => [r.feature, r.kind, r.requests]),
      [['clocked', 'timestamp', 2]],
    );
  });
});
