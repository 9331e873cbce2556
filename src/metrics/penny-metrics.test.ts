import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeEntry } from '../ledger/entry-fixtures.js';
import { BoundedLabel, OTHER } from './bounded-label.js';
import { PennyMetrics } from './penny-metrics.js';

/** The value of one sample line, e.g. sample(text, 'penny_requests_total{feature="a",…}'). */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe('PennyMetrics', () => {
  test('requests, tokens by kind, cost, savings, cache hits, errors and latency by feature and model', async () => {
    const m = new PennyMetrics();
    m.observe(makeEntry({ feature: 'chat', cacheRead: 500, latencyMs: 300, stream: true, ttftMs: 80 }));
    m.observe(
      makeEntry({
        feature: 'chat',
        cost: 0n,
        inputUncached: 0,
        outputText: 0,
        savings: { 'cache.exact': 4_500_000_000n },
        latencyMs: 2,
      }),
    );
    m.observe(
      makeEntry({
        feature: 'chat',
        status: 'error',
        httpStatus: 429,
        errorClass: 'upstream_rate_limited',
        cost: 0n,
        inputUncached: 0,
        outputText: 0,
      }),
    );
    m.observe(
      makeEntry({ feature: null, servedModel: 'llama-local', cost: null, flags: ['unpriced_model'] }),
    );
    m.observe(makeEntry({ feature: 'triage', meta: { cascade: { escalated: true } } }));
    const text = await m.render();
    const fm = 'feature="chat",model="gpt-4o"';
    assert.equal(sample(text, `penny_requests_total{${fm},status="ok"}`), 2);
    assert.equal(sample(text, `penny_requests_total{${fm},status="error"}`), 1);
    assert.equal(sample(text, `penny_tokens_total{${fm},kind="input_uncached"}`), 1000);
    assert.equal(sample(text, `penny_tokens_total{${fm},kind="cache_read"}`), 500);
    assert.equal(sample(text, `penny_tokens_total{${fm},kind="output"}`), 200);
    assert.equal(sample(text, `penny_cost_usd_total{${fm}}`), 0.0045);
    assert.equal(sample(text, 'penny_savings_usd_total{feature="chat",tactic="cache.exact"}'), 0.0045);
    assert.equal(sample(text, `penny_cache_hits_total{${fm},cache="exact"}`), 1);
    assert.equal(sample(text, `penny_cache_hits_total{${fm},cache="prompt"}`), 1);
    assert.equal(sample(text, `penny_errors_total{${fm},class="upstream_rate_limited"}`), 1);
    assert.equal(sample(text, 'penny_unpriced_requests_total{feature="(none)",model="llama-local"}'), 1);
    assert.equal(sample(text, 'penny_cascade_requests_total{feature="triage",escalated="true"}'), 1);
    assert.equal(sample(text, `penny_request_duration_seconds_count{${fm}}`), 3);
    assert.equal(sample(text, `penny_request_duration_seconds_bucket{le="0.025",${fm}}`), 1);
    assert.equal(sample(text, `penny_time_to_first_token_seconds_count{${fm}}`), 1);
    assert.match(text, /# TYPE penny_request_duration_seconds histogram/);
  });

  test('label cardinality is capped: later features and models become "other"', async () => {
    const m = new PennyMetrics({ maxFeatures: 2, maxModels: 1 });
    for (const f of ['a', 'b', 'c', 'd']) m.observe(makeEntry({ feature: f, servedModel: `m-${f}` }));
    const text = await m.render();
    assert.equal(sample(text, 'penny_requests_total{feature="a",model="m-a",status="ok"}'), 1);
    assert.equal(sample(text, 'penny_requests_total{feature="b",model="other",status="ok"}'), 1);
    assert.equal(sample(text, 'penny_requests_total{feature="other",model="other",status="ok"}'), 2);
    assert.equal(text.includes('feature="c"'), false);
  });

  test('counters summed between scrapes are counted once: a second scrape adds only what came since', async () => {
    const m = new PennyMetrics();
    const fm = 'feature="s",model="gpt-4o"';
    m.observe(makeEntry({ feature: 's', cost: 1_000_000n, baselineCost: 3_000_000n }));
    m.observe(makeEntry({ feature: 's', cost: 2_000_000n, baselineCost: 3_000_000n }));
    const first = await m.render();
    assert.equal(sample(first, `penny_requests_total{${fm},status="ok"}`), 2);
    assert.equal(sample(first, `penny_tokens_total{${fm},kind="input_uncached"}`), 2000);
    assert.equal(sample(first, `penny_cost_usd_total{${fm}}`), 0.000003);
    assert.equal(sample(first, `penny_baseline_cost_usd_total{${fm}}`), 0.000006);
    assert.equal(sample(await m.render(), `penny_requests_total{${fm},status="ok"}`), 2);
    m.observe(makeEntry({ feature: 's', cost: null }));
    const third = await m.render();
    assert.equal(sample(third, `penny_requests_total{${fm},status="ok"}`), 3);
    assert.equal(sample(third, `penny_tokens_total{${fm},kind="input_uncached"}`), 3000);
    assert.equal(sample(third, `penny_cost_usd_total{${fm}}`), 0.000003);
    assert.equal(sample(third, `penny_unpriced_requests_total{${fm}}`), 1);
    assert.equal(sample(third, `penny_request_duration_seconds_count{${fm}}`), 3);
  });

  test('each instance has its own registry', async () => {
    const a = new PennyMetrics();
    const b = new PennyMetrics();
    a.observe(makeEntry({ feature: 'x' }));
    assert.equal(
      sample(await b.render(), 'penny_requests_total{feature="x",model="gpt-4o",status="ok"}'),
      undefined,
    );
    assert.match(a.contentType, /^text\/plain/);
  });
});

describe('BoundedLabel', () => {
  test('keeps the first values, then "other"; null is "(none)"', () => {
    const l = new BoundedLabel(2);
    assert.equal(l.value('a'), 'a');
    assert.equal(l.value(null), '(none)');
    assert.equal(l.value('b'), OTHER);
    assert.equal(l.value('a'), 'a');
  });
});
