import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { totalSavings } from '../../src/core/ledger-entry.js';
import { type Harness, startHarness } from './harness.js';

interface OpenAIBody {
  messages: Array<{ role: string; content: string | Array<{ type: string; text?: string }> }>;
}

const PARA = 'Our store ships to every country in the European Union within five business days.';

describe('compression through the gateway', () => {
  let h: Harness;
  let openai: OpenAI;
  let anthropic: Anthropic;
  before(async () => {
    h = await startHarness({
      config: {
        features: {
          docs: { compress: {} },
          chat: { compress: { history: { maxTokens: 200 } } },
          summarised: {
            compress: { history: { maxTokens: 300, summarize: { model: 'gpt-4o-mini', maxTokens: 60 } } },
          },
        },
      },
    });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
  });
  after(() => h.close());

  test('lossless transforms: the upstream sees the compressed prompt, the ledger the savings', async () => {
    h.fake.reset();
    const json = JSON.stringify({ order: { id: 7, items: ['lamp', 'desk'] } }, null, 2);
    const content = `${PARA}\n\n${json}\n\n\n\n${PARA}\n\nWhat   did   I   order?   #fake:words=5`;
    const { response } = await openai.chat.completions
      .create(
        { model: 'gpt-4o', messages: [{ role: 'user', content }] },
        { headers: { 'x-penny-feature': 'docs' } },
      )
      .withResponse();
    const sent = h.fake.requests.at(-1)!.body as OpenAIBody;
    const seen = sent.messages[0]!.content as string;
    assert.equal(
      seen,
      `${PARA}\n\n{"order":{"id":7,"items":["lamp","desk"]}}\n\nWhat did I order? #fake:words=5`,
    );
    const e = (await h.entries()).find((x) => x.id === response.headers.get('x-penny-request-id'))!;
    assert.ok(e.savings['compress.whitespace']! > 0n);
    assert.ok(e.savings['compress.json']! > 0n);
    assert.ok(e.savings['compress.dedupe']! > 0n);
    // gpt-4o input: $2.50 / 1M → 2_500_000 picodollars per token saved.
    const meta = e.meta?.compress as {
      saved: Record<string, number>;
      tokensBefore: number;
      tokensAfter: number;
    };
    assert.equal(e.savings['compress.json'], BigInt(meta.saved.json!) * 2_500_000n);
    assert.equal(e.baselineCost, e.cost! + totalSavings(e), 'baseline − cost = Σ savings');
    assert.equal(
      meta.tokensBefore - meta.tokensAfter,
      Object.values(meta.saved).reduce((a, b) => a + b, 0),
    );
  });

  test('history windowing keeps tool calls with their results; Anthropic client', async () => {
    h.fake.reset();
    const filler = 'lorem ipsum dolor sit amet '.repeat(12);
    const messages: Anthropic.MessageParam[] = [];
    for (let i = 0; i < 6; i++) {
      messages.push({ role: 'user', content: `Turn ${i}: ${filler}` });
      messages.push({ role: 'assistant', content: `Reply ${i}: ${filler}` });
    }
    messages.push({ role: 'user', content: 'Look up order 7' });
    messages.push({
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'tu_1', name: 'lookup', input: { id: 7 } }],
    });
    messages.push({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'tu_1', content: 'shipped' }],
    });
    await anthropic.messages.create(
      {
        model: 'claude-haiku-4-5',
        max_tokens: 50,
        tools: [{ name: 'lookup', input_schema: { type: 'object', properties: { id: { type: 'number' } } } }],
        messages,
      },
      { headers: { 'x-penny-feature': 'chat' } },
    );
    const sent = h.fake.requests.at(-1)!.body as { messages: Array<{ role: string; content: unknown }> };
    assert.ok(sent.messages.length < messages.length, `${sent.messages.length} messages sent`);
    assert.equal(sent.messages[0]!.role, 'user');
    assert.deepEqual(
      sent.messages.slice(-3).map((m) => m.role),
      ['user', 'assistant', 'user'],
    );
    assert.equal(
      JSON.stringify(sent.messages.at(-1)!.content).includes('tu_1'),
      true,
      'the tool result is kept',
    );
    assert.equal(JSON.stringify(sent.messages.at(-2)!.content).includes('tu_1'), true, 'with its tool call');
    const e = (await h.entries()).at(-1)!;
    assert.ok(e.savings['compress.history']! > 0n);
    assert.equal(
      ((e.meta?.compress ?? {}) as { estimated?: boolean }).estimated,
      true,
      'Claude counts are estimates',
    );
    assert.equal(e.baselineCost, e.cost! + totalSavings(e));
  });

  test('a history that cannot fit goes through unchanged, and says so', async () => {
    h.fake.reset();
    const big = 'word '.repeat(400);
    await openai.chat.completions.create(
      {
        model: 'gpt-4o-mini',
        messages: [
          { role: 'user', content: 'hello' },
          { role: 'assistant', content: 'hi' },
          { role: 'user', content: big },
        ],
      },
      { headers: { 'x-penny-feature': 'chat' } },
    );
    const sent = h.fake.requests.at(-1)!.body as OpenAIBody;
    assert.equal(sent.messages.length, 3);
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.status, 'ok');
    assert.deepEqual(((e.meta?.compress ?? {}) as { events: string[] }).events, ['history_over_budget']);
  });

  test('older turns are summarised by the configured model once, then the summary is reused', async () => {
    h.fake.reset();
    const messages: OpenAI.ChatCompletionMessageParam[] = [];
    for (let i = 0; i < 8; i++) {
      messages.push({ role: 'user', content: `Question ${i} ${'alpha beta gamma '.repeat(15)}` });
      messages.push({ role: 'assistant', content: `Answer ${i} ${'delta epsilon '.repeat(15)}` });
    }
    messages.push({ role: 'user', content: 'And now? #fake:words=4' });
    const headers = { 'x-penny-feature': 'summarised' };
    await openai.chat.completions.create({ model: 'gpt-4o', messages }, { headers });
    assert.equal(h.fake.requests.length, 2, 'one summary call, one answer');
    const summaryCall = h.fake.requests[0]!.body as OpenAIBody & { model: string };
    assert.equal(summaryCall.model, 'gpt-4o-mini');
    const main = h.fake.requests[1]!.body as OpenAIBody;
    assert.match(JSON.stringify(main.messages[0]), /Summary of the earlier conversation: echo:/);
    await openai.chat.completions.create({ model: 'gpt-4o', messages }, { headers });
    assert.equal(h.fake.requests.length, 3, 'the cached summary is reused');
    const [first, second] = (await h.entries()).slice(-2);
    assert.equal(((first!.meta?.compress ?? {}) as { history: { summary: string } }).history.summary, 'new');
    assert.equal(
      ((second!.meta?.compress ?? {}) as { history: { summary: string } }).history.summary,
      'cached',
    );
    assert.ok(
      second!.savings['compress.history']! > first!.savings['compress.history']!,
      'net of the summary cost',
    );
  });
});
