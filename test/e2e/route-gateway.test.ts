import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import { heuristicScore } from '../../src/pipeline/route/heuristic-scorer.js';
import { computeCost } from '../../src/pricing/cost.js';
import { type Harness, startHarness } from './harness.js';

const NO_RETRY = { maxRetries: 0 };

describe('routing and fallbacks through the gateway', () => {
  let h: Harness;
  let openai: OpenAI;
  let anthropic: Anthropic;
  const byId = async (id: string | null) => (await h.entries()).find((e) => e.id === id) as LedgerEntry;
  const sentModels = () =>
    h.fake.requests.map((r) => (r.body as { model?: string } | undefined)?.model ?? '?');

  before(async () => {
    h = await startHarness({
      config: {
        route: { fallbacks: { 'gpt-4.1': ['anthropic/claude-3-5-haiku-latest'] } },
        features: {
          chat: { route: { rules: [{ name: 'everyday', targets: ['gpt-4o', 'gpt-4o-mini'] }] } },
          tools: {
            route: {
              rules: [
                { name: 'with-tools', when: { tools: true }, targets: ['gpt-4o'] },
                { targets: ['gpt-4o-mini'] },
              ],
            },
          },
          flaky: {
            route: {
              rules: [{ targets: ['gpt-4o-mini', 'gpt-4o'], choose: 'ordered' }],
              retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 5 },
            },
          },
          difficulty: {
            route: { router: 'heuristic', threshold: 0.5, cheap: 'gpt-4o-mini', strong: 'gpt-4o' },
          },
          cross: {
            route: {
              rules: [{ targets: ['gpt-4o-mini', 'anthropic/claude-3-5-haiku-latest'], choose: 'ordered' }],
              retry: { maxRetries: 0 },
            },
          },
        },
      },
    });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, ...NO_RETRY });
    anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, ...NO_RETRY });
  });
  after(() => h.close());

  test('a rule routes gpt-4o to gpt-4o-mini: the upstream sees the cheap model, the ledger the saving', async () => {
    h.fake.reset();
    const { data, response } = await openai.chat.completions
      .create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'Say hello #fake:words=20' }] },
        { headers: { 'x-penny-feature': 'chat' } },
      )
      .withResponse();
    assert.match(data.choices[0]!.message.content ?? '', /^echo:/);
    assert.deepEqual(sentModels(), ['gpt-4o-mini']);
    assert.equal(response.headers.get('x-penny-route'), 'gpt-4o-mini');
    const e = await byId(response.headers.get('x-penny-request-id'));
    assert.equal(e.requestedModel, 'gpt-4o');
    assert.equal(e.servedModel, 'gpt-4o-mini');
    const usage = {
      inputUncached: e.inputUncached,
      cacheRead: e.cacheRead,
      cacheWrite5m: e.cacheWrite5m,
      cacheWrite1h: e.cacheWrite1h,
      outputText: e.outputText,
      reasoning: e.reasoning,
    };
    const atRequested = computeCost(usage, h.app.catalog.lookup('gpt-4o')).cost!;
    assert.equal(e.savings.route, atRequested - e.cost!);
    assert.ok(e.savings.route! > 0n);
    assert.equal(e.baselineCost, atRequested);
    const route = e.meta?.route as { rule: string; chosen: string; candidates: Array<{ model: string }> };
    assert.equal(route.rule, 'everyday');
    assert.deepEqual(
      route.candidates.map((c) => c.model),
      ['gpt-4o', 'gpt-4o-mini'],
    );
  });

  test('rules see tools: a request with tools goes to the model its rule names', async () => {
    h.fake.reset();
    await openai.chat.completions.create(
      {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'weather? #fake:tool' }],
        tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
      },
      { headers: { 'x-penny-feature': 'tools' } },
    );
    await openai.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'plain' }] },
      { headers: { 'x-penny-feature': 'tools' } },
    );
    assert.deepEqual(sentModels(), ['gpt-4o', 'gpt-4o-mini']);
  });

  test('the difficulty router: an easy prompt goes cheap, a hard one strong; score and threshold recorded', async () => {
    h.fake.reset();
    const hard =
      'Prove that for every integer n > 2 the equation x^n + y^n = z^n has no solution; derive each step, compute the sum of 12, 45, 78 and 91, then explain why the limit of the function is 0.';
    const ids: Array<string | null> = [];
    for (const content of ['hi', hard]) {
      const { response } = await openai.chat.completions
        .create(
          { model: 'gpt-4o', messages: [{ role: 'user', content }] },
          { headers: { 'x-penny-feature': 'difficulty' } },
        )
        .withResponse();
      ids.push(response.headers.get('x-penny-request-id'));
    }
    assert.deepEqual(sentModels(), ['gpt-4o-mini', 'gpt-4o']);
    const easy = (await byId(ids[0]!)).meta?.route as {
      rule: string;
      score: number;
      threshold: number;
      tier: string;
    };
    const strong = (await byId(ids[1]!)).meta?.route as { score: number; tier: string; targets: string[] };
    assert.equal(easy.rule, 'router');
    assert.equal(easy.score, Math.round(heuristicScore('hi') * 1e4) / 1e4);
    assert.deepEqual([easy.threshold, easy.tier], [0.5, 'weak']);
    assert.equal(strong.tier, 'strong');
    assert.ok(strong.score >= 0.5);
    assert.deepEqual(strong.targets, ['gpt-4o']);
  });

  test('a 503 is retried on the same target, with every attempt in the ledger', async () => {
    h.fake.reset();
    h.fake.setNext({ status: 503, retryAfter: 0 });
    const { response } = await openai.chat.completions
      .create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-penny-feature': 'flaky' } },
      )
      .withResponse();
    assert.deepEqual(sentModels(), ['gpt-4o-mini', 'gpt-4o-mini']);
    const e = await byId(response.headers.get('x-penny-request-id'));
    assert.equal(e.status, 'ok');
    const attempts = e.meta?.attempts as Array<{ model: string; status: number; code: string | null }>;
    assert.deepEqual(
      attempts.map((a) => [a.model, a.status, a.code]),
      [
        ['gpt-4o-mini', 503, 'upstream_error'],
        ['gpt-4o-mini', 200, null],
      ],
    );
    assert.ok(e.flags.includes('retried'));
  });

  test('after the retries, the next target', async () => {
    h.fake.reset();
    h.fake.setNext({ status: 429, retryAfter: 0 });
    h.fake.setNext({ status: 500 });
    const { response } = await openai.chat.completions
      .create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-penny-feature': 'flaky' } },
      )
      .withResponse();
    assert.deepEqual(sentModels(), ['gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o']);
    const e = await byId(response.headers.get('x-penny-request-id'));
    assert.equal(e.servedModel, 'gpt-4o');
    assert.ok(e.flags.includes('fallback'));
    const attempts = e.meta?.attempts as Array<{ status: number; code: string | null }>;
    assert.deepEqual(
      attempts.map((a) => a.code),
      ['upstream_rate_limited', 'upstream_error', null],
    );
  });

  test('cross-provider fallback: an OpenAI client is answered by Anthropic when OpenAI fails (and streamed)', async () => {
    h.fake.reset();
    h.fake.setNext({ status: 503, retryAfter: 0 });
    const { data, response } = await openai.chat.completions
      .create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello across #fake:words=5' }] },
        { headers: { 'x-penny-feature': 'cross' } },
      )
      .withResponse();
    assert.equal(data.choices[0]!.message.content?.split(' ').length, 5);
    assert.deepEqual(
      h.fake.requests.map((r) => r.path),
      ['/v1/chat/completions', '/v1/messages'],
    );
    assert.equal(response.headers.get('x-penny-provider'), 'anthropic');
    const e = await byId(response.headers.get('x-penny-request-id'));
    assert.equal(e.provider, 'anthropic');
    assert.equal(e.servedModel, 'claude-3-5-haiku-latest');

    h.fake.reset();
    h.fake.setNext({ status: 503, retryAfter: 0 });
    const stream = await openai.chat.completions.create(
      {
        model: 'gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: 'stream across #fake:words=6' }],
      },
      { headers: { 'x-penny-feature': 'cross' } },
    );
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text.split(' ').length, 6);
    assert.deepEqual(
      h.fake.requests.map((r) => r.path),
      ['/v1/chat/completions', '/v1/messages'],
    );
  });

  test('a named fallback chain applies to a model even without a feature policy (Anthropic client)', async () => {
    h.fake.reset();
    h.fake.setNext({ status: 500 });
    h.fake.setNext({ status: 500 });
    h.fake.setNext({ status: 500 });
    const msg = await anthropic.messages.create({
      model: 'gpt-4.1',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'chain #fake:words=4' }],
    });
    assert.equal(msg.content[0]?.type, 'text');
    assert.deepEqual(sentModels(), ['gpt-4.1', 'gpt-4.1', 'gpt-4.1', 'claude-3-5-haiku-latest']);
  });

  test('a non-retryable error is not retried and reaches the client', async () => {
    h.fake.reset();
    h.fake.setNext({ status: 400 });
    await assert.rejects(
      openai.chat.completions.create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'bad' }] },
        { headers: { 'x-penny-feature': 'flaky' } },
      ),
      (e: unknown) => (e as { status?: number }).status === 400,
    );
    assert.equal(h.fake.requests.length, 1);
  });
});
