import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type Harness, startHarness, until } from './harness.js';

describe('in-flight de-duplication through the gateway', () => {
  let h: Harness;
  let openai: OpenAI;
  let anthropic: Anthropic;
  const opts = { headers: { 'x-penny-feature': 'faq' } };
  let n = 0;
  const q = (label: string) => `Dedupe ${++n} ${label}`;

  before(async () => {
    h = await startHarness({
      config: { cache: { store: 'memory' }, features: { faq: { cache: { enabled: true } } } },
    });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
  });
  after(() => h.close());

  const readStream = async (stream: AsyncIterable<OpenAI.ChatCompletionChunk>) => {
    let text = '';
    let finish: string | null = null;
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    return { text, finish };
  };

  test('5 concurrent identical requests: 1 upstream call, 5 complete answers, 4 followers at $0', async () => {
    const c0 = h.fake.count;
    const content = q('#fake:words=20 #fake:delay=300');
    const all = await Promise.all(
      Array.from({ length: 5 }, () =>
        openai.chat.completions
          .create({ model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content }] }, opts)
          .withResponse(),
      ),
    );
    assert.equal(h.fake.count - c0, 1);
    const texts = new Set(all.map((r) => r.data.choices[0]!.message.content));
    assert.equal(texts.size, 1);
    assert.match([...texts][0]!, /^echo: Dedupe/);
    const states = all.map((r) => r.response.headers.get('x-penny-cache')).sort();
    assert.deepEqual(states, ['dedupe', 'dedupe', 'dedupe', 'dedupe', 'miss']);
    const ids = new Set(all.map((r) => r.response.headers.get('x-penny-request-id')));
    const entries = (await h.entries()).filter((e) => ids.has(e.id));
    const leader = entries.find((e) => (e.meta!.cache as { status: string }).status === 'miss')!;
    assert.equal((leader.meta!.cache as { followers: number }).followers, 4);
    const followers = entries.filter((e) => e !== leader);
    assert.equal(followers.length, 4);
    for (const f of followers) {
      assert.equal(f.status, 'ok');
      assert.equal(f.cost, 0n);
      assert.equal(f.baselineCost, leader.cost);
      assert.deepEqual(f.savings, { 'cache.dedupe': leader.cost });
    }
  });

  test('streaming: followers that attach mid-stream get the earlier chunks too', async () => {
    const c0 = h.fake.count;
    const content = q('#fake:words=40 #fake:chunk_delay=15');
    const body = {
      model: 'gpt-4o-mini',
      temperature: 0,
      stream: true as const,
      messages: [{ role: 'user' as const, content }],
    };
    const leader = openai.chat.completions.create(body, opts).then(readStream);
    // Wait until the leader's answer is streaming, then start four more.
    await until(() => h.fake.count > c0);
    await new Promise((r) => setTimeout(r, 120));
    const followers = Array.from({ length: 4 }, () =>
      openai.chat.completions.create(body, opts).then(readStream),
    );
    const results = await Promise.all([leader, ...followers]);
    assert.equal(h.fake.count - c0, 1, 'one upstream call');
    for (const r of results) {
      assert.equal(r.text, results[0]!.text);
      assert.equal(r.finish, 'stop');
    }
    assert.equal(results[0]!.text.split(' ').length, 40);
    const statuses = (await h.entries())
      .slice(-5)
      .map((e) => (e.meta!.cache as { status: string }).status)
      .sort();
    assert.deepEqual(statuses, ['dedupe', 'dedupe', 'dedupe', 'dedupe', 'miss']);
  });

  test('followers in another format or mode get the answer rendered for them', async () => {
    const c0 = h.fake.count;
    const content = q('#fake:words=12 #fake:delay=250');
    const base = { model: 'claude-haiku-4-5', max_tokens: 300, temperature: 0 };
    const results = await Promise.all([
      openai.chat.completions
        .create({ ...base, messages: [{ role: 'user', content }] }, opts)
        .then((r) => r.choices[0]!.message.content ?? ''),
      openai.chat.completions
        .create({ ...base, stream: true, messages: [{ role: 'user', content }] }, opts)
        .then(readStream)
        .then((r) => r.text),
      anthropic.messages
        .create({ ...base, messages: [{ role: 'user', content }] }, opts)
        .then((m) => m.content.map((b) => (b.type === 'text' ? b.text : '')).join('')),
      anthropic.messages
        .stream({ ...base, messages: [{ role: 'user', content }] }, opts)
        .finalMessage()
        .then((m) => m.content.map((b) => (b.type === 'text' ? b.text : '')).join('')),
    ]);
    assert.equal(h.fake.count - c0, 1);
    for (const t of results) assert.equal(t, results[0]);
    assert.match(results[0]!, /^echo: Dedupe/);
  });

  test('a leader failure reaches every follower as an error, never as an answer', async () => {
    const c0 = h.fake.count;
    const content = q('#fake:status=500 #fake:delay=250');
    const results = await Promise.allSettled(
      Array.from({ length: 3 }, () =>
        openai.chat.completions.create(
          { model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content }] },
          opts,
        ),
      ),
    );
    assert.equal(h.fake.count - c0, 1);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.ok(((r as PromiseRejectedResult).reason as { status: number }).status >= 500);
    }
    const entries = (await h.entries()).slice(-3);
    for (const e of entries) {
      assert.equal(e.status, 'error');
      assert.deepEqual(e.savings, {});
    }
  });

  test('a stream that breaks mid-way ends every follower with an error event', async () => {
    const c0 = h.fake.count;
    const content = q('#fake:words=30 #fake:chunk_delay=10 #fake:break_after=5');
    const body = {
      model: 'gpt-4o-mini',
      temperature: 0,
      stream: true as const,
      messages: [{ role: 'user' as const, content }],
    };
    const results = await Promise.allSettled(
      Array.from({ length: 3 }, () => openai.chat.completions.create(body, opts).then(readStream)),
    );
    assert.equal(h.fake.count - c0, 1);
    for (const r of results)
      assert.equal(r.status, 'rejected', 'no follower mistakes a broken answer for a complete one');
  });

  test('the leader leaving does not cut its followers off', async () => {
    const c0 = h.fake.count;
    const content = q('#fake:words=40 #fake:chunk_delay=10');
    const body = {
      model: 'gpt-4o-mini',
      temperature: 0,
      stream: true as const,
      messages: [{ role: 'user' as const, content }],
    };
    const ac = new AbortController();
    const leader = (async () => {
      const s = await openai.chat.completions.create(body, { ...opts, signal: ac.signal });
      let got = 0;
      for await (const _ of s) if (++got === 3) ac.abort();
    })().catch(() => {});
    await until(() => h.fake.count > c0);
    const follower = openai.chat.completions.create(body, opts).then(readStream);
    await leader;
    const r = await follower;
    assert.equal(r.text.split(' ').length, 40);
    assert.equal(r.finish, 'stop');
    assert.equal(h.fake.count - c0, 1);
  });
});
