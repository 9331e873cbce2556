import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { loadConfig } from '../../src/config/load.js';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import { computeCost } from '../../src/pricing/cost.js';
import { itemAnswer } from '../fake-upstream/answer.js';
import { type Harness, startHarness } from './harness.js';

interface BatchMeta {
  status: string;
  reason?: string;
  callId?: string;
  size?: number;
  index?: number;
}

// A realistic shared prompt: batching pays it once, which is what makes the shares cheaper than alone.
const SYSTEM = `You classify support tickets as billing, bug or other. Answer with the label only. ${'Billing covers refunds, invoices, charges and plans; bugs cover crashes, errors and broken pages. '.repeat(12)}`;

describe('micro-batching through the gateway', () => {
  let h: Harness;
  let openai: OpenAI;
  let anthropic: Anthropic;
  const batchOf = (e: LedgerEntry) => e.meta?.batch as BatchMeta | undefined;
  const chatCalls = () =>
    h.fake.requests.filter((r) => r.path.endsWith('/chat/completions') || r.path === '/v1/messages');
  const ask = (text: string, feature = 'tickets', extra: Record<string, unknown> = {}) =>
    openai.chat.completions
      .create(
        {
          model: 'gpt-4o-mini',
          messages: [
            { role: 'system', content: SYSTEM },
            { role: 'user', content: text },
          ],
          ...extra,
        } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming,
        { headers: { 'x-penny-feature': feature } },
      )
      .withResponse();
  const entriesOf = async (ids: Array<string | null>) => {
    const all = await h.entries();
    return ids.map((id) => all.find((e) => e.id === id) as LedgerEntry);
  };
  /** The shares add up exactly to the call's cost: the items' usage columns add up to the call's usage. */
  const assertExactSplit = (entries: LedgerEntry[]) => {
    const sum = (k: keyof LedgerEntry) => entries.reduce((s, e) => s + (e[k] as number), 0);
    const callUsage = {
      inputUncached: sum('inputUncached'),
      cacheRead: sum('cacheRead'),
      cacheWrite5m: sum('cacheWrite5m'),
      cacheWrite1h: sum('cacheWrite1h'),
      outputText: sum('outputText'),
      reasoning: sum('reasoning'),
    };
    const e0 = entries[0]!;
    const callCost = computeCost(callUsage, h.app.catalog.lookup(e0.servedModel!, e0.provider!)).cost!;
    assert.equal(
      entries.reduce((s, e) => s + e.cost!, 0n),
      callCost,
    );
  };

  before(async () => {
    h = await startHarness({
      config: {
        features: {
          tickets: { batch: { maxItems: 8, maxWaitMs: 150 } },
          solo: { batch: { maxItems: 8, maxWaitMs: 30 } },
          checked: {
            batch: { maxItems: 8, maxWaitMs: 150 },
            cascade: {
              models: [{ model: 'gpt-4o-mini', checks: [{ type: 'regex', pattern: '^echo: ok' }] }, 'gpt-4o'],
            },
          },
          perkey: { batch: { maxItems: 8, maxWaitMs: 150, scope: 'user' } },
        },
      },
    });
    openai = new OpenAI({ apiKey: 'sk-none', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'sk-none', baseURL: h.app.url, maxRetries: 0 });
  });
  after(() => h?.close());

  test('concurrent items share one upstream call; each client gets its own answer, streamed or not', async () => {
    h.fake.reset();
    const texts = ['refund my card please', 'app crashes on login', 'where is my invoice', 'hello there'];
    const streamText = 'dark mode request';
    const [plain, streamed] = await Promise.all([
      Promise.all(texts.map((t) => ask(t))),
      (async () => {
        const stream = await openai.chat.completions.create(
          {
            model: 'gpt-4o-mini',
            messages: [
              { role: 'system', content: SYSTEM },
              { role: 'user', content: streamText },
            ],
            stream: true,
            stream_options: { include_usage: true },
          },
          { headers: { 'x-penny-feature': 'tickets' } },
        );
        let text = '';
        let usage: unknown = null;
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta.content ?? '';
          if (chunk.usage) usage = chunk.usage;
        }
        return { text, usage };
      })(),
    ]);
    assert.equal(chatCalls().length, 1, 'one upstream call for five items');
    const sent = chatCalls()[0]!.body as {
      messages: Array<{ role: string; content: string }>;
      stream?: boolean;
    };
    assert.equal(
      sent.messages.filter((m) => m.role === 'system').length,
      1,
      'the system prompt is sent once',
    );
    assert.notEqual(sent.stream, true);
    plain.forEach((r, i) => {
      assert.equal(r.data.choices[0]?.message.content, itemAnswer(texts[i]!));
      assert.match(r.response.headers.get('x-penny-batch') ?? '', /^batch_/);
    });
    assert.equal(streamed.text, itemAnswer(streamText));
    assert.ok(streamed.usage, 'a streamed client that asked for usage gets it');
    const ids = plain.map((r) => r.response.headers.get('x-penny-request-id'));
    const entries = (await h.entries()).filter((e) => e.feature === 'tickets');
    assert.equal(entries.length, 5);
    const callIds = new Set(entries.map((e) => batchOf(e)?.callId));
    assert.equal(callIds.size, 1);
    for (const e of entries) {
      assert.equal(batchOf(e)?.status, 'answered');
      assert.equal(batchOf(e)?.size, 5);
      assert.equal(e.status, 'ok');
      assert.ok(e.cost! > 0n);
      assert.ok(e.baselineCost! > e.cost!, 'the item alone would have cost more');
      assert.equal(e.savings.batch, e.baselineCost! - e.cost!);
    }
    assert.ok(ids.every((id) => entries.some((e) => e.id === id)));
    assertExactSplit(entries);
  });

  test('Anthropic clients are batched too and answered in their dialect', async () => {
    h.fake.reset();
    const texts = ['charge twice', 'cannot upload'];
    const answers = await Promise.all(
      texts.map((t) =>
        anthropic.messages.create(
          {
            model: 'claude-3-5-haiku-latest',
            max_tokens: 50,
            system: SYSTEM,
            messages: [{ role: 'user', content: t }],
          },
          { headers: { 'x-penny-feature': 'tickets' } },
        ),
      ),
    );
    assert.equal(chatCalls().length, 1);
    answers.forEach((a, i) => {
      assert.equal(a.type, 'message');
      assert.equal(a.content[0]?.type === 'text' ? a.content[0].text : '', itemAnswer(texts[i]!));
    });
    const body = chatCalls()[0]!.body as { max_tokens: number };
    assert.ok(body.max_tokens >= 100, 'output room for every item');
  });

  test('a missing or duplicated id sends that item again alone, and it pays for both', async () => {
    h.fake.reset();
    const texts = ['fine one', 'dropped one #fake:batch_drop', 'twice one #fake:batch_dup', 'fine two'];
    const res = await Promise.all(texts.map((t) => ask(t)));
    assert.equal(chatCalls().length, 3, 'one batch call + two single retries');
    for (const [i, r] of res.entries())
      assert.equal(r.data.choices[0]?.message.content, itemAnswer(texts[i]!));
    const entries = await entriesOf(res.map((r) => r.response.headers.get('x-penny-request-id')));
    const [ok1, dropped, dup, ok2] = entries as [LedgerEntry, LedgerEntry, LedgerEntry, LedgerEntry];
    assert.equal(batchOf(dropped)?.status, 'retried');
    assert.equal(batchOf(dropped)?.reason, 'missing');
    assert.equal(batchOf(dup)?.reason, 'duplicate');
    for (const e of [dropped, dup]) {
      assert.ok(e.savings.batch! < 0n, 'a retried item cost more than alone');
      assert.equal(e.savings.batch, e.baselineCost! - e.cost!);
    }
    assert.equal(batchOf(ok1)?.status, 'answered');
    assert.equal(batchOf(ok1)?.callId, batchOf(dropped)?.callId);
    assert.ok(ok2.savings.batch! > 0n);
  });

  test('an answer that does not parse sends every item again alone', async () => {
    h.fake.reset();
    const texts = ['one #fake:batch_garbage', 'two', 'three'];
    const res = await Promise.all(texts.map((t) => ask(t)));
    assert.equal(chatCalls().length, 4);
    for (const [i, r] of res.entries())
      assert.equal(r.data.choices[0]?.message.content, itemAnswer(texts[i]!));
    const entries = await entriesOf(res.map((r) => r.response.headers.get('x-penny-request-id')));
    for (const e of entries) assert.equal(batchOf(e)?.reason, 'unparseable');
  });

  test('an answer failing the feature cascade checks is sent again alone', async () => {
    h.fake.reset();
    const texts = ['ok first', 'not ok', 'ok second'];
    const res = await Promise.all(texts.map((t) => ask(t, 'checked')));
    const entries = await entriesOf(res.map((r) => r.response.headers.get('x-penny-request-id')));
    assert.equal(batchOf(entries[0]!)?.status, 'answered');
    assert.equal(batchOf(entries[1]!)?.status, 'retried');
    assert.equal(batchOf(entries[1]!)?.reason, 'check:regex');
    assert.equal(batchOf(entries[2]!)?.status, 'answered');
  });

  test('the upstream failing the batch call: items are retried alone and each gets its own result', async () => {
    h.fake.reset();
    const texts = ['boom #fake:status=500', 'calm', 'quiet'];
    const res = await Promise.all(
      texts.map((t) =>
        ask(t).then(
          (r) => r,
          (e: unknown) => e,
        ),
      ),
    );
    assert.ok(res[0] instanceof OpenAI.APIError, `the failing item fails: ${String(res[0])}`);
    assert.ok((res[0] as InstanceType<typeof OpenAI.APIError>).status! >= 500);
    for (const i of [1, 2]) {
      const r = res[i] as Awaited<ReturnType<typeof ask>>;
      assert.equal(r.data.choices[0]?.message.content, itemAnswer(texts[i]!));
    }
    const all = await h.entries();
    const retried = all.filter((e) => batchOf(e)?.reason === 'batch_call_failed');
    assert.equal(retried.length, 3, 'nothing lost: every item has its entry');
  });

  test('never batched: tools, n > 1, history; a lone item goes alone after maxWaitMs', async () => {
    h.fake.reset();
    const tool = await ask('use a tool', 'tickets', {
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }],
    });
    const many = await ask('two answers', 'tickets', { n: 2 });
    const lone = await ask('just me', 'solo');
    const entries = await entriesOf(
      [tool, many, lone].map((r) => r.response.headers.get('x-penny-request-id')),
    );
    assert.deepEqual(
      entries.map((e) => [batchOf(e)?.status, batchOf(e)?.reason]),
      [
        ['skipped', 'tools'],
        ['skipped', 'n'],
        ['alone', 'no_peers'],
      ],
    );
    assert.equal(chatCalls().length, 3);
  });

  test('scope: user keeps different users out of one call', async () => {
    h.fake.reset();
    const send = (t: string, user: string) =>
      openai.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: t }] },
        { headers: { 'x-penny-feature': 'perkey', 'x-penny-user': user } },
      );
    await Promise.all([send('a1', 'alice'), send('a2', 'alice'), send('b1', 'bob'), send('b2', 'bob')]);
    assert.equal(chatCalls().length, 2);
    for (const c of chatCalls()) {
      const text = JSON.stringify(c.body);
      assert.ok(!(text.includes('a1') && text.includes('b1')));
    }
  });

  test('bad config names the field', () => {
    assert.throws(
      () => loadConfig({ object: { features: { x: { batch: { maxItems: 1 } } } }, env: {} }),
      /features\.x\.batch\.maxItems/,
    );
    assert.throws(
      () => loadConfig({ object: { features: { x: { batch: { maxWait: 5 } } } }, env: {} }),
      /features\.x\.batch/,
    );
  });
});
