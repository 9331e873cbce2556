import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { moneyToDecimal } from '../../src/core/money.js';
import { ANTHROPIC_KEY, type Harness, OPENAI_KEY, startHarness } from './harness.js';

function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n'))
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  return undefined;
}

describe('GET /metrics after real requests through the gateway', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  test('requests, tokens by kind, cost, cache hits, errors and latency histograms by feature and model', async () => {
    const openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    const anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
    const headers = { 'x-penny-feature': 'support' };
    await openai.chat.completions.create(
      {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hello #fake:words=5 #fake:cached=1024' }],
      },
      { headers },
    );
    const stream = await openai.chat.completions.create(
      {
        model: 'gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: 'stream please #fake:words=6' }],
      },
      { headers },
    );
    for await (const _ of stream) {
      // drain
    }
    await assert.rejects(
      openai.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'fail #fake:status=500' }] },
        { headers },
      ),
    );
    await anthropic.messages.create(
      {
        model: 'claude-haiku-4-5',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'hi #fake:words=3' }],
      },
      { headers: { 'x-penny-feature': 'summarize' } },
    );
    const entries = await h.entries();
    const ok = entries.filter((e) => e.feature === 'support' && e.status === 'ok');
    assert.equal(ok.length, 2);

    const res = await fetch(`${h.app.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const fm = 'feature="support",model="gpt-4o-mini"';
    assert.equal(sample(text, `penny_requests_total{${fm},status="ok"}`), 2);
    assert.equal(sample(text, `penny_requests_total{${fm},status="error"}`), 1);
    const out = ok.reduce((s, e) => s + e.outputText, 0);
    assert.equal(sample(text, `penny_tokens_total{${fm},kind="output"}`), out);
    assert.equal(sample(text, `penny_tokens_total{${fm},kind="cache_read"}`), 1024);
    assert.equal(sample(text, `penny_cache_hits_total{${fm},cache="prompt"}`), 1);
    const cost = ok.reduce((s, e) => s + (e.cost ?? 0n), 0n);
    const scraped = sample(text, `penny_cost_usd_total{${fm}}`);
    assert.ok(scraped !== undefined && Math.abs(scraped - Number(cost) / 1e12) < 1e-12);
    const failed = entries.find((e) => e.status === 'error');
    assert.equal(failed?.errorClass, 'upstream_error');
    assert.equal(sample(text, `penny_errors_total{${fm},class="upstream_error"}`), 1);
    assert.equal(sample(text, `penny_request_duration_seconds_count{${fm}}`), 3);
    assert.equal(sample(text, `penny_time_to_first_token_seconds_count{${fm}}`), 1, 'the stream has a TTFB');
    assert.equal(
      sample(text, 'penny_requests_total{feature="summarize",model="claude-haiku-4-5",status="ok"}'),
      1,
    );
    for (const secret of [OPENAI_KEY, ANTHROPIC_KEY]) assert.equal(text.includes(secret), false);
  });

  test('HEAD works and other methods are refused', async () => {
    assert.equal((await fetch(`${h.app.url}/metrics`, { method: 'HEAD' })).status, 200);
    assert.equal((await fetch(`${h.app.url}/metrics`, { method: 'POST' })).status, 405);
  });
});

describe('cache hits from the real cache stage, in /metrics and the dashboard API', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      config: { cache: { store: 'memory' }, features: { faq: { cache: { enabled: true } } } },
    });
  });
  after(() => h.close());

  test('a repeated request counts one exact hit and its saving; the miss is not a hit', async () => {
    const openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    const ask = () =>
      openai.chat.completions
        .create(
          {
            model: 'gpt-4o-mini',
            temperature: 0,
            messages: [{ role: 'user', content: 'opening hours? #fake:words=8' }],
          },
          { headers: { 'x-penny-feature': 'faq' } },
        )
        .withResponse();
    const a = await ask();
    const b = await ask();
    assert.equal(b.response.headers.get('x-penny-cache'), 'hit');
    const entries = await h.entries();
    const first = entries.find((e) => e.id === a.response.headers.get('x-penny-request-id'))!;
    const text = await (await fetch(`${h.app.url}/metrics`)).text();
    const fm = 'feature="faq",model="gpt-4o-mini"';
    assert.equal(sample(text, `penny_cache_hits_total{${fm},cache="exact"}`), 1);
    assert.equal(sample(text, `penny_requests_total{${fm},status="ok"}`), 2);
    const saved = sample(text, 'penny_savings_usd_total{feature="faq",tactic="cache.exact"}');
    assert.ok(saved !== undefined && Math.abs(saved - Number(first.cost) / 1e12) < 1e-12);

    const ov = (await (await fetch(`${h.app.url}/dashboard/api/overview`)).json()) as {
      cache: { responseHits: number; responseHitRate: number; hitsByKind: Record<string, number> };
      savingsByTactic: Array<{ tactic: string; amount: string }>;
    };
    assert.equal(ov.cache.responseHits, 1);
    assert.equal(ov.cache.responseHitRate, 0.5);
    assert.deepEqual(ov.cache.hitsByKind, { exact: 1 });
    const exactSaving = ov.savingsByTactic.find((t) => t.tactic === 'cache.exact');
    assert.equal(exactSaving?.amount, moneyToDecimal(first.cost!), 'the exact decimal of the first call');
  });
});
