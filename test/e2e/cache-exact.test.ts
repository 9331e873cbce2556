import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { cacheStats } from '../../src/pipeline/cache/index.js';
import { type Harness, startHarness, until } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('exact response cache through the gateway', () => {
  let h: Harness;
  let openai: OpenAI;
  let anthropic: Anthropic;
  const faq = { headers: { 'x-penny-feature': 'faq' } };
  let n = 0;
  /** A question no other test asks, so tests do not share entries. */
  const q = (label: string) => `Question ${++n} ${label}`;

  before(async () => {
    h = await startHarness({
      config: {
        cache: { store: 'memory' },
        features: {
          faq: { cache: { enabled: true, ttlSeconds: 600 } },
          chat: { cache: { enabled: true, allowSampling: true } },
        },
      },
    });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
  });
  after(() => h.close());

  const ask = (content: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    openai.chat.completions
      .create(
        { model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content }], ...extra },
        { headers: { ...faq.headers, ...headers } },
      )
      .withResponse();

  test('a repeated request is a hit: $0, baseline = the first call, savings cache.exact, one upstream call', async () => {
    const before = h.fake.count;
    const content = q('#fake:words=9 #fake:cached=0');
    const a = await ask(content);
    const b = await ask(content);
    assert.equal(a.response.headers.get('x-penny-cache'), 'miss');
    assert.equal(b.response.headers.get('x-penny-cache'), 'hit');
    assert.equal(b.response.headers.get('x-penny-cache-kind'), 'exact');
    assert.equal(h.fake.count - before, 1, 'the second answer came from the cache');
    assert.equal(b.data.choices[0]!.message.content, a.data.choices[0]!.message.content);
    assert.deepEqual(b.data.usage, a.data.usage, 'the hit carries the original usage');
    const entries = await h.entries();
    const first = entries.find((e) => e.id === a.response.headers.get('x-penny-request-id'))!;
    const hit = entries.find((e) => e.id === b.response.headers.get('x-penny-request-id'))!;
    assert.equal(hit.cost, 0n);
    assert.equal(hit.baselineCost, first.cost);
    assert.deepEqual(hit.savings, { 'cache.exact': first.cost });
    assert.equal(hit.inputUncached + hit.outputText, 0, 'no tokens were consumed by the hit');
    assert.equal((hit.meta!.cache as { status: string }).status, 'hit');
    assert.equal((first.meta!.cache as { stored: boolean }).stored, true);
  });

  test('a hit is replayed as a proper OpenAI stream, with usage when asked for', async () => {
    const content = q('stream me #fake:words=15');
    const a = await ask(content);
    const before = h.fake.count;
    const stream = await openai.chat.completions.create(
      {
        model: 'gpt-4o-mini',
        temperature: 0,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content }],
      },
      faq,
    );
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null | undefined;
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? '';
      finish ??= c.choices[0]?.finish_reason;
      if (c.usage) usage = c.usage;
    }
    assert.equal(h.fake.count, before, 'served from the cache');
    assert.equal(text, a.data.choices[0]!.message.content);
    assert.equal(finish, 'stop');
    assert.equal(usage?.completion_tokens, a.data.usage?.completion_tokens);
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.stream, true);
    assert.equal((e.meta!.cache as { status: string }).status, 'hit');
  });

  test('an answer first given in OpenAI format is replayed as an Anthropic stream (cross-dialect key)', async () => {
    const content = q('cross #fake:words=11');
    const first = await openai.chat.completions.create(
      { model: 'claude-haiku-4-5', max_tokens: 200, temperature: 0, messages: [{ role: 'user', content }] },
      faq,
    );
    const before = h.fake.count;
    const stream = anthropic.messages.stream(
      { model: 'claude-haiku-4-5', max_tokens: 200, temperature: 0, messages: [{ role: 'user', content }] },
      faq,
    );
    const final = await stream.finalMessage();
    assert.equal(h.fake.count, before, 'served from the cache');
    const text = final.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    assert.equal(text, first.choices[0]!.message.content);
    assert.equal(final.usage.output_tokens, first.usage?.completion_tokens);
    assert.equal(final.stop_reason, 'end_turn');
  });

  test('a streamed answer is stored and replayed non-streamed in Anthropic format', async () => {
    const content = q('anthropic stream first #fake:words=6');
    const params = {
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      temperature: 0,
      messages: [{ role: 'user' as const, content }],
    };
    const streamed = await anthropic.messages.stream(params, faq).finalMessage();
    const before = h.fake.count;
    const { data, response } = await anthropic.messages.create(params, faq).withResponse();
    assert.equal(response.headers.get('x-penny-cache'), 'hit');
    assert.equal(h.fake.count, before);
    assert.deepEqual(data.content, streamed.content);
    assert.equal(data.usage.input_tokens, streamed.usage.input_tokens);
  });

  test('x-penny-cache: bypass skips the cache; refresh calls upstream and replaces the entry', async () => {
    const content = q('headers');
    await ask(content);
    const c0 = h.fake.count;
    const bypass = await ask(content, {}, { 'x-penny-cache': 'bypass' });
    assert.equal(bypass.response.headers.get('x-penny-cache'), 'bypass');
    assert.equal(h.fake.count, c0 + 1);
    const refresh = await ask(content, {}, { 'x-penny-cache': 'refresh' });
    assert.equal(refresh.response.headers.get('x-penny-cache'), 'refresh');
    assert.equal(h.fake.count, c0 + 2);
    const hit = await ask(content);
    assert.equal(hit.response.headers.get('x-penny-cache'), 'hit');
    assert.equal(Number(hit.response.headers.get('x-penny-cache-age')), 0, 'the refreshed entry is served');
    assert.equal(h.fake.count, c0 + 2);
  });

  test('x-penny-cache-ttl shortens the life of an entry', async () => {
    const content = q('short-lived');
    await ask(content, {}, { 'x-penny-cache-ttl': '1' });
    assert.equal((await ask(content)).response.headers.get('x-penny-cache'), 'hit');
    await sleep(1100);
    assert.equal((await ask(content)).response.headers.get('x-penny-cache'), 'miss');
  });

  test('x-penny-cache-namespace separates entries; so do features and tenants', async () => {
    const content = q('namespaces');
    await ask(content, {}, { 'x-penny-cache-namespace': 'tenant-a' });
    assert.equal(
      (await ask(content, {}, { 'x-penny-cache-namespace': 'tenant-a' })).response.headers.get(
        'x-penny-cache',
      ),
      'hit',
    );
    assert.equal(
      (await ask(content, {}, { 'x-penny-cache-namespace': 'tenant-b' })).response.headers.get(
        'x-penny-cache',
      ),
      'miss',
    );
    assert.equal(
      (await ask(content)).response.headers.get('x-penny-cache'),
      'miss',
      'no namespace is its own',
    );
    const other = new OpenAI({
      apiKey: 'sk-other-tenant-key-0123456789',
      baseURL: `${h.app.url}/v1`,
      maxRetries: 0,
    });
    const r = await other.chat.completions
      .create({ model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content }] }, faq)
      .withResponse();
    assert.equal(r.response.headers.get('x-penny-cache'), 'miss', 'another provider key is another tenant');
  });

  test('sampling (temperature > 0 or unset) is not cached unless the feature allows it', async () => {
    const content = q('sampled');
    const c0 = h.fake.count;
    for (const temperature of [0.7, undefined]) {
      const body = {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user' as const, content }],
        ...(temperature !== undefined ? { temperature } : {}),
      };
      const a = await openai.chat.completions.create(body, faq).withResponse();
      const b = await openai.chat.completions.create(body, faq).withResponse();
      assert.equal(a.response.headers.get('x-penny-cache'), 'bypass');
      assert.equal(b.response.headers.get('x-penny-cache'), 'bypass');
    }
    assert.equal(h.fake.count, c0 + 4);
    const e = (await h.entries()).at(-1)!;
    assert.deepEqual(e.meta?.cache, { status: 'bypass', reason: 'sampling' });
    const chat = { headers: { 'x-penny-feature': 'chat' } };
    const body = { model: 'gpt-4o-mini', temperature: 0.9, messages: [{ role: 'user' as const, content }] };
    await openai.chat.completions.create(body, chat);
    const hit = await openai.chat.completions.create(body, chat).withResponse();
    assert.equal(hit.response.headers.get('x-penny-cache'), 'hit', 'allowSampling opts in');
  });

  test('errors and length-truncated answers are never stored', async () => {
    const failing = q('#fake:status=500');
    await assert.rejects(ask(failing), (e: unknown) => ((e as { status?: number }).status ?? 0) >= 500);
    const c0 = h.fake.count;
    await assert.rejects(ask(failing));
    assert.equal(h.fake.count, c0 + 1, 'the error was not replayed from the cache');

    const truncated = q('#fake:finish=length');
    const t1 = await ask(truncated);
    assert.equal(t1.data.choices[0]!.finish_reason, 'length');
    const c1 = h.fake.count;
    const t2 = await ask(truncated);
    assert.equal(t2.response.headers.get('x-penny-cache'), 'miss');
    assert.equal(h.fake.count, c1 + 1);
    const entries = await h.entries();
    const meta = entries.find((e) => e.id === t1.response.headers.get('x-penny-request-id'))!.meta!.cache as {
      stored: boolean;
      notStored: string;
    };
    assert.equal(meta.stored, false);
    assert.equal(meta.notStored, 'finish_length');
  });

  test('an aborted stream is never stored', async () => {
    const content = q('abort me #fake:words=60 #fake:chunk_delay=20');
    const ac = new AbortController();
    const stream = await openai.chat.completions.create(
      { model: 'gpt-4o-mini', temperature: 0, stream: true, messages: [{ role: 'user', content }] },
      { ...faq, signal: ac.signal },
    );
    let chunks = 0;
    // The SDK ends the iteration (or throws APIUserAbortError, depending on timing) once aborted.
    await (async () => {
      for await (const _ of stream) if (++chunks === 3) ac.abort();
    })().catch((e: unknown) => assert.equal((e as Error).name, 'APIUserAbortError'));
    await until(() => h.fake.requests.at(-1)?.aborted === true);
    const aborted = (await h.entries()).at(-1)!;
    assert.equal(aborted.status, 'aborted');
    assert.deepEqual(
      [
        (aborted.meta!.cache as { stored: boolean }).stored,
        (aborted.meta!.cache as { notStored: string }).notStored,
      ],
      [false, 'aborted'],
    );
    const c0 = h.fake.count;
    const again = await ask(content);
    assert.equal(again.response.headers.get('x-penny-cache'), 'miss');
    assert.equal(h.fake.count, c0 + 1);
  });

  test('counters are readable by other code', () => {
    const s = cacheStats();
    assert.ok(s.hit > 0 && s.miss > 0 && s.bypass > 0 && s.notStored > 0);
  });
});

test('simulated answers are cached and stay marked as simulated', async () => {
  const h = await startHarness({
    noProviders: true,
    config: { cache: { store: 'memory' }, features: { default: { cache: { enabled: true } } } },
  });
  try {
    const client = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    const body = {
      model: 'gpt-4o-mini',
      temperature: 0,
      messages: [{ role: 'user' as const, content: 'Simulate me' }],
    };
    await client.chat.completions.create(body);
    const { response } = await client.chat.completions.create(body).withResponse();
    assert.equal(response.headers.get('x-penny-cache'), 'hit');
    assert.equal(response.headers.get('x-penny-simulated'), 'true');
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.simulated, true);
    assert.ok(e.flags.includes('simulated'));
  } finally {
    await h.close();
  }
});
