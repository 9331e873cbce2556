import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import { usd } from '../../src/core/money.js';
import { computeCost } from '../../src/pricing/cost.js';
import { type Harness, startHarness } from './harness.js';

interface AttemptMeta {
  step: number;
  purpose: string;
  model: string;
  provider: string | null;
  code?: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: string | null;
  checks?: Array<{ name: string; passed: boolean; detail?: string }>;
  passed?: boolean;
}
interface CascadeMeta {
  attempts: AttemptMeta[];
  accepted?: { step: number | null; model: string | null; reason: string };
  totalCostUsd: string | null;
  holdMs?: number;
}

describe('cascades through the gateway', () => {
  let h: Harness;
  let openai: OpenAI;
  let anthropic: Anthropic;
  const entry = async (id: string | null) => (await h.entries()).find((e) => e.id === id) as LedgerEntry;
  const cascadeOf = (e: LedgerEntry) => e.meta?.cascade as CascadeMeta;
  const body = (i: number) =>
    h.fake.requests[i]?.body as { model?: string; stream?: boolean; logprobs?: boolean };
  const attemptCost = (a: AttemptMeta) =>
    computeCost(
      {
        inputUncached: a.inputTokens,
        cacheRead: 0,
        cacheWrite5m: 0,
        cacheWrite1h: 0,
        outputText: a.outputTokens,
        reasoning: 0,
      },
      h.app.catalog.lookup(a.model, a.provider ?? undefined),
    ).cost!;
  const ask = (feature: string, content: string, model = 'gpt-4o') =>
    openai.chat.completions
      .create({ model, messages: [{ role: 'user', content }] }, { headers: { 'x-penny-feature': feature } })
      .withResponse();

  before(async () => {
    h = await startHarness({
      config: {
        features: {
          qa: { cascade: { models: ['gpt-4o-mini', 'gpt-4o'] } },
          digits: {
            cascade: {
              models: [{ model: 'gpt-4o-mini', checks: [{ type: 'regex', pattern: '^\\d+$' }] }, 'gpt-4o'],
            },
          },
          judged: {
            cascade: { models: ['gpt-4o-mini', 'gpt-4o'], judge: { model: 'gpt-4o-mini', minScore: 6 } },
          },
          agree: {
            cascade: {
              models: [
                {
                  model: 'gpt-4o-mini',
                  parallelWith: 'anthropic/claude-3-5-haiku-latest',
                  checks: [{ type: 'agreement', mode: 'text' }],
                },
                'gpt-4o',
              ],
            },
          },
          confident: {
            cascade: {
              models: [
                { model: 'gpt-4o-mini', checks: [{ type: 'logprob', minMeanLogprob: -0.5 }] },
                'gpt-4o',
              ],
            },
          },
        },
      },
    });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
  });
  after(() => h.close());

  test('the cheap answer passes its checks: served by the cheap model, saving against the requested one', async () => {
    h.fake.reset();
    const { data, response } = await ask('qa', 'Name a colour. #fake:words=8');
    assert.equal(data.choices[0]!.message.content?.split(' ').length, 8);
    assert.deepEqual([h.fake.requests.length, body(0).model], [1, 'gpt-4o-mini']);
    assert.equal(response.headers.get('x-penny-cascade'), 'step=0; model=gpt-4o-mini');
    const e = await entry(response.headers.get('x-penny-request-id'));
    assert.equal(e.requestedModel, 'gpt-4o');
    assert.equal(e.servedModel, 'gpt-4o-mini');
    const c = cascadeOf(e);
    assert.equal(c.attempts.length, 1);
    assert.equal(c.attempts[0]!.passed, true);
    assert.deepEqual(
      c.attempts[0]!.checks?.map((x) => [x.name, x.passed]),
      [
        ['nonEmpty', true],
        ['notRefusalOrHedge', true],
      ],
    );
    const cheap = attemptCost(c.attempts[0]!);
    assert.equal(e.cost, cheap);
    const atRequested = computeCost(
      {
        inputUncached: e.inputUncached,
        cacheRead: 0,
        cacheWrite5m: 0,
        cacheWrite1h: 0,
        outputText: e.outputText,
        reasoning: 0,
      },
      h.app.catalog.lookup('gpt-4o'),
    ).cost!;
    assert.equal(e.savings.cascade, atRequested - cheap);
    assert.equal(e.baselineCost! - e.cost!, e.savings.cascade);
  });

  test('the cheap answer fails a check: escalated, and the discarded call counts in the cost', async () => {
    h.fake.reset();
    h.fake.setNext({ words: 0 });
    const { data, response } = await ask('qa', 'Explain tides. #fake:words=9');
    assert.equal(data.choices[0]!.message.content?.split(' ').length, 9);
    assert.deepEqual([body(0).model, body(1).model], ['gpt-4o-mini', 'gpt-4o']);
    const e = await entry(response.headers.get('x-penny-request-id'));
    assert.equal(e.servedModel, 'gpt-4o');
    const c = cascadeOf(e);
    assert.deepEqual(
      c.attempts.map((a) => [a.model, a.passed]),
      [
        ['gpt-4o-mini', false],
        ['gpt-4o', true],
      ],
    );
    assert.equal(c.attempts[0]!.checks?.find((x) => !x.passed)?.name, 'nonEmpty');
    const cheap = attemptCost(c.attempts[0]!);
    const strong = attemptCost(c.attempts[1]!);
    assert.ok(cheap > 0n, 'the cheap call was billed for its prompt');
    assert.equal(e.cost, cheap + strong);
    assert.equal(usd(c.totalCostUsd!), cheap + strong);
    // Straight to gpt-4o would have cost `strong`: the cascade lost the cheap call, recorded honestly.
    assert.equal(e.savings.cascade, -cheap);
    assert.equal(e.baselineCost, strong);
  });

  test('a regex check fails the cheap answer', async () => {
    h.fake.reset();
    const { response } = await ask('digits', 'How many? #fake:words=3');
    const e = await entry(response.headers.get('x-penny-request-id'));
    assert.equal(e.servedModel, 'gpt-4o');
    assert.match(cascadeOf(e).attempts[0]!.checks?.[0]?.detail ?? '', /does not match/);
  });

  test('a judge that answers garbage fails the check (recorded) and the request escalates', async () => {
    h.fake.reset();
    const { data, response } = await ask('judged', 'Is the sky blue? #fake:words=6');
    assert.ok(data.choices[0]!.message.content);
    assert.deepEqual(
      h.fake.requests.map((_, i) => body(i).model),
      ['gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o'],
    );
    const e = await entry(response.headers.get('x-penny-request-id'));
    assert.equal(e.status, 'ok');
    assert.equal(e.servedModel, 'gpt-4o');
    const c = cascadeOf(e);
    assert.deepEqual(
      c.attempts.map((a) => a.purpose),
      ['cascade', 'judge', 'cascade'],
    );
    const judge = c.attempts[0]!.checks?.find((x) => x.name === 'judge');
    assert.equal(judge?.passed, false);
    assert.match(judge?.detail ?? '', /judge reply is not "SCORE: <1-10>"/);
    assert.equal(
      e.cost,
      c.attempts.map(attemptCost).reduce((a, b) => a + b, 0n),
    );
  });

  test('agreement with a parallel cheap answer from another provider', async () => {
    h.fake.reset();
    const { response } = await ask('agree', 'Same answer twice #fake:words=5');
    const e = await entry(response.headers.get('x-penny-request-id'));
    assert.equal(e.servedModel, 'gpt-4o-mini');
    const c = cascadeOf(e);
    assert.deepEqual(
      c.attempts.map((a) => [a.purpose, a.provider]),
      [
        ['cascade', 'openai'],
        ['parallel', 'anthropic'],
      ],
    );
    assert.equal(c.attempts[0]!.checks?.[0]?.passed, true);
    assert.equal(e.cost, attemptCost(c.attempts[0]!) + attemptCost(c.attempts[1]!));
  });

  test('a logprob check asks the OpenAI-format model for log-probabilities the client did not want', async () => {
    h.fake.reset();
    const { data, response } = await ask('confident', 'Sure? #fake:words=4');
    assert.equal(body(0).logprobs, true);
    assert.equal(data.choices[0]!.logprobs ?? null, null);
    const e = await entry(response.headers.get('x-penny-request-id'));
    assert.equal(e.servedModel, 'gpt-4o-mini');
    assert.match(cascadeOf(e).attempts[0]!.checks?.[0]?.detail ?? '', /mean logprob/);
  });

  test('an unreachable cascade model is recorded and the next model serves', async () => {
    h.fake.reset();
    h.fake.setNext({ reset: true });
    const { response } = await ask('qa', 'Still answered? #fake:words=4');
    const e = await entry(response.headers.get('x-penny-request-id'));
    assert.equal(e.status, 'ok');
    assert.equal(e.servedModel, 'gpt-4o');
    assert.equal(cascadeOf(e).attempts[0]!.code, 'upstream_unreachable');
  });

  test('when every cascade model fails, the model the client asked for serves the request', async () => {
    h.fake.reset();
    h.fake.setNext({ status: 500 });
    h.fake.setNext({ status: 500 });
    const { data, response } = await ask('qa', 'Never dropped #fake:words=4', 'gpt-4.1');
    assert.ok(data.choices[0]!.message.content);
    assert.deepEqual(
      h.fake.requests.map((_, i) => body(i).model),
      ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1'],
    );
    const e = await entry(response.headers.get('x-penny-request-id'));
    assert.equal(e.servedModel, 'gpt-4.1');
    assert.ok(e.flags.includes('cascade_failed'));
    assert.equal(cascadeOf(e).attempts.at(-1)?.purpose, 'fallback');
  });

  test('streaming OpenAI client: the cheap answer is held until its checks pass, then streamed', async () => {
    h.fake.reset();
    const stream = await openai.chat.completions.create(
      { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'Stream me #fake:words=10' }] },
      { headers: { 'x-penny-feature': 'qa' } },
    );
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      chunks++;
    }
    assert.equal(text.split(' ').length, 10);
    assert.ok(chunks > 2, 'replayed as several chunks');
    assert.notEqual(body(0).stream, true, 'the cascade call upstream is not streamed');
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.stream, true);
    assert.equal(e.servedModel, 'gpt-4o-mini');
    assert.ok(e.ttftMs !== null);
    assert.equal(typeof cascadeOf(e).holdMs, 'number');
  });

  test('streaming Anthropic client: escalation happens before the first byte; the strong answer streams', async () => {
    h.fake.reset();
    h.fake.setNext({ words: 0 });
    const stream = anthropic.messages.stream(
      {
        model: 'gpt-4o',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'Hold then stream #fake:words=7' }],
      },
      { headers: { 'x-penny-feature': 'qa' } },
    );
    const final = await stream.finalMessage();
    const block = final.content[0];
    assert.equal(block?.type === 'text' ? block.text.split(' ').length : 0, 7);
    assert.deepEqual([body(0).model, body(1).model], ['gpt-4o-mini', 'gpt-4o']);
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.dialect, 'anthropic');
    assert.equal(e.servedModel, 'gpt-4o');
    assert.equal(cascadeOf(e).attempts.length, 2);
  });
});
