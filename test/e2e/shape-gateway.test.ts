import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { totalSavings } from '../../src/core/ledger-entry.js';
import { makeEntry } from '../../src/ledger/entry-fixtures.js';
import { type Harness, startHarness, until } from './harness.js';

interface SentBody {
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string[];
  stop_sequences?: string[];
  system?: unknown;
  messages: Array<{ role: string; content: unknown }>;
}

describe('output shaping through the gateway', () => {
  let h: Harness;
  let openai: OpenAI;
  let anthropic: Anthropic;
  before(async () => {
    h = await startHarness({
      config: {
        shape: { refreshSeconds: 0.05 },
        features: {
          capped: { shape: { maxTokens: 40, stop: ['###', '---'], brevity: { sentences: 2 } } },
          learned: {
            shape: {
              adaptive: {
                minSamples: 20,
                margin: 1.5,
                minCapped: 10,
                truncationThreshold: 0.2,
                maxBackoffs: 1,
              },
            },
          },
          short: { shape: { earlyStop: { sentences: 2 } } },
        },
      },
    });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
  });
  after(() => h.close());

  test('cap, stop sequences and brevity reach the upstream; a lower client cap is kept', async () => {
    h.fake.reset();
    const headers = { 'x-penny-feature': 'capped' };
    await openai.chat.completions.create(
      {
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'You help.' },
          { role: 'user', content: 'Explain #fake:words=60' },
        ],
        stop: ['STOP', 'END', 'HALT'],
      },
      { headers },
    );
    const sent = h.fake.requests.at(-1)!.body as SentBody;
    assert.equal(sent.max_tokens ?? sent.max_completion_tokens, 40);
    assert.deepEqual(sent.stop, ['STOP', 'END', 'HALT', '###'], 'OpenAI allows 4: the client’s come first');
    assert.match(JSON.stringify(sent.messages[0]), /You help\.\\n\\nAnswer in at most 2 sentences\./);
    const e = (await h.entries()).at(-1)!;
    const meta = e.meta?.shape as { cap: number; truncated?: boolean; stopDropped: string[] };
    assert.equal(meta.cap, 40);
    assert.equal(meta.truncated, true, 'the 60-word answer was cut at 40');
    assert.deepEqual(meta.stopDropped, ['---']);

    await anthropic.messages.create(
      {
        model: 'claude-haiku-4-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'Hi #fake:words=5' }],
      },
      { headers },
    );
    const a = h.fake.requests.at(-1)!.body as SentBody;
    assert.equal(a.max_tokens, 10, 'never raises a client’s lower cap');
    assert.deepEqual(a.stop_sequences, ['###', '---']);
  });

  test('adaptive cap is learned from the ledger and backs off when it truncates too often', async () => {
    h.fake.reset();
    const now = Date.now();
    for (let i = 1; i <= 30; i++)
      h.app.ledger.append(makeEntry({ feature: 'learned', ts: now - 60_000, outputText: 10 + (i % 10) }));
    await h.app.ledger.flush();
    const ask = async (words: number) => {
      await openai.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `Tell me #fake:words=${words}` }] },
        { headers: { 'x-penny-feature': 'learned' } },
      );
      const sent = h.fake.requests.at(-1)!.body as SentBody;
      return sent.max_tokens ?? sent.max_completion_tokens;
    };
    // The first request starts the background refresh; the cap applies once it is computed.
    await ask(5);
    let cap: number | undefined;
    await until(async () => {
      cap = await ask(5);
      return cap !== undefined;
    });
    assert.equal(cap, Math.ceil(19 * 1.5), 'p99 (19 tokens) × margin 1.5');
    // Answers now want 500 tokens, so capped answers are truncated: past 20% of at least 10 the cap doubles.
    for (let i = 0; i < 10; i++) await ask(500);
    await until(async () => (await ask(500)) === Math.ceil(19 * 1.5 * 2));
    const e = (await h.entries()).at(-1)!;
    assert.equal(((e.meta?.shape ?? {}) as { adaptive: { backoffs: number } }).adaptive.backoffs, 1);
    assert.ok(
      (await h.entries()).some(
        (x) => ((x.meta?.shape ?? {}) as { truncated?: boolean } | undefined)?.truncated === true,
      ),
      'truncated answers are recorded, which is what the guard counts',
    );
    // Still truncating: past maxBackoffs (1) the cap is removed.
    for (let i = 0; i < 10; i++) await ask(500);
    await until(async () => (await ask(500)) === undefined);
    const last = (await h.entries()).at(-1)!;
    assert.equal(((last.meta?.shape ?? {}) as { adaptive: { removed: boolean } }).adaptive.removed, true);
  });

  test('early stop (OpenAI stream): upstream aborted, the client stream ends cleanly with finish "stop"', async () => {
    h.fake.reset();
    const stream = await openai.chat.completions.create(
      {
        model: 'gpt-4o-mini',
        stream: true,
        stream_options: { include_usage: true },
        messages: [
          {
            role: 'user',
            content: 'One two. Three four. Five six. Seven eight. #fake:words=40 #fake:chunk_delay=15',
          },
        ],
      },
      { headers: { 'x-penny-feature': 'short' } },
    );
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'echo: One two. Three four.');
    assert.equal(finish, 'stop');
    assert.ok(usage && usage.completion_tokens > 0);
    await h.fake.idle();
    assert.equal(h.fake.requests.at(-1)!.aborted, true, 'generation was stopped upstream');
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.status, 'ok');
    assert.ok(e.flags.includes('early_stop'));
    assert.equal(e.usageEstimated, true);
    assert.ok(e.outputText < 40);
    assert.deepEqual(
      ((e.meta?.shape ?? {}) as { earlyStop: { reason: string } }).earlyStop.reason,
      'sentences',
    );
  });

  test('early stop (Anthropic stream): SDK final message with end_turn; cross-format too', async () => {
    h.fake.reset();
    const stream = anthropic.messages.stream(
      {
        model: 'claude-haiku-4-5',
        max_tokens: 200,
        messages: [
          { role: 'user', content: 'Alpha beta. Gamma delta. Epsilon. #fake:words=40 #fake:chunk_delay=15' },
        ],
      },
      { headers: { 'x-penny-feature': 'short' } },
    );
    const final = await stream.finalMessage();
    const text = final.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    assert.equal(text, 'echo: Alpha beta. Gamma delta.');
    assert.equal(final.stop_reason, 'end_turn');
    await h.fake.idle();
    assert.equal(h.fake.requests.at(-1)!.aborted, true);

    // An Anthropic client served by an OpenAI model: the cut is re-encoded in the client's dialect.
    h.fake.reset();
    const cross = await anthropic.messages
      .stream(
        {
          model: 'gpt-4o-mini',
          max_tokens: 200,
          messages: [{ role: 'user', content: 'Aa bb. Cc dd. Ee ff. #fake:words=30 #fake:chunk_delay=15' }],
        },
        { headers: { 'x-penny-feature': 'short' } },
      )
      .finalMessage();
    assert.equal(cross.content.map((b) => (b.type === 'text' ? b.text : '')).join(''), 'echo: Aa bb. Cc dd.');
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.baselineCost, e.cost! + totalSavings(e));
  });

  test('a non-streamed request with early stop configured is untouched', async () => {
    h.fake.reset();
    const r = await openai.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'X y. Z w. Q r. #fake:words=12' }] },
      { headers: { 'x-penny-feature': 'short' } },
    );
    assert.equal(r.choices[0]!.finish_reason, 'stop');
    assert.equal(h.fake.requests.at(-1)!.aborted, false);
  });
});
