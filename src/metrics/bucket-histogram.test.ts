import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { BucketHistogram } from './bucket-histogram.js';

const BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const config = (registry: Registry) => ({
  name: 'penny_test_seconds',
  help: 'A test histogram, seconds.',
  labelNames: ['feature', 'model'] as const,
  buckets: BUCKETS,
  registers: [registry],
});

/** Observations over three label sets (one with characters the exposition escapes), interleaved. */
function observations(): Array<{ feature: string; model: string; value: number }> {
  const sets = [
    { feature: 'chat', model: 'gpt-4o-mini' },
    { feature: 'say "hi"\\\nnow', model: 'claude' },
    { feature: 'chat', model: 'gpt-4o' },
  ];
  // Bounds exactly, between bounds, zero, above the last bound, and fractions whose float sum depends on order.
  const values = [0, 0.025, 0.0251, 0.1, 0.3, 1, 1.7, 2.5, 9.99, 30, 59.5, 120, 121, 500, 0.001, 0.007];
  const out: Array<{ feature: string; model: string; value: number }> = [];
  let i = 0;
  for (let round = 0; round < 7; round++)
    for (const v of values)
      out.push({ ...sets[(i++ * 7 + round) % sets.length]!, value: v * (1 + round / 3) });
  return out;
}

describe('BucketHistogram', () => {
  test("exposition text and JSON are exactly prom-client's Histogram's for the same observations", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const h = new BucketHistogram(config(ours));
    const p = new Histogram(config(theirs));
    const series = new Map<string, ReturnType<typeof h.series>>();
    // A series asked for but never observed is not exposed (as a prom-client child that never observed).
    h.series({ feature: 'idle', model: 'x' });
    p.labels('idle', 'x');
    for (const o of observations()) {
      const key = `${o.feature}\u0000${o.model}`;
      let s = series.get(key);
      if (!s) {
        s = h.series({ feature: o.feature, model: o.model });
        series.set(key, s);
      }
      s.observe(o.value);
      p.labels(o.feature, o.model).observe(o.value);
    }
    const text = await ours.metrics();
    assert.equal(text, await theirs.metrics());
    assert.match(text, /penny_test_seconds_bucket\{le="\+Inf",feature="chat",model="gpt-4o-mini"\} \d+/);
    assert.doesNotMatch(text, /feature="idle"/);
    assert.deepEqual(await ours.getMetricsAsJSON(), await theirs.getMetricsAsJSON());
  });

  test('reset forgets every series until it is observed again, like prom-client', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const h = new BucketHistogram(config(ours));
    const p = new Histogram(config(theirs));
    const a = h.series({ feature: 'a', model: 'm' });
    const b = h.series({ feature: 'b', model: 'm' });
    a.observe(0.2);
    b.observe(3);
    p.labels('a', 'm').observe(0.2);
    p.labels('b', 'm').observe(3);
    ours.resetMetrics();
    theirs.resetMetrics();
    assert.equal(await ours.metrics(), await theirs.metrics());
    b.observe(0.07);
    p.labels('b', 'm').observe(0.07);
    const text = await ours.metrics();
    assert.equal(text, await theirs.metrics());
    assert.match(text, /penny_test_seconds_count\{feature="b",model="m"\} 1\n/);
    assert.doesNotMatch(text, /feature="a"/);
  });

  test('a value that is not a finite number is refused, as prom-client refuses it', () => {
    const h = new BucketHistogram(config(new Registry()));
    const s = h.series({ feature: 'a', model: 'm' });
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => s.observe(bad), TypeError);
    assert.equal(s.count, 0);
  });

  test('buckets must ascend', () => {
    assert.throws(() => new BucketHistogram({ ...config(new Registry()), buckets: [1, 0.5] }), /ascend/);
  });
});
