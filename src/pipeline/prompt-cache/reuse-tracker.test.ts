import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReuseTracker, chooseTtl } from './reuse-tracker.js';

const MIN = 60_000;

test('reuse tracker: counts earlier arrivals and the median gap', () => {
  let now = 0;
  const t = new ReuseTracker(100, () => now);
  assert.deepEqual(t.observe('a'), { seen: 0 });
  now = 2 * MIN;
  assert.deepEqual(t.observe('a'), { seen: 1, medianGapMs: 2 * MIN });
  now = 12 * MIN;
  assert.deepEqual(t.observe('a'), { seen: 2, medianGapMs: 6 * MIN });
  assert.deepEqual(t.observe('b'), { seen: 0 });
});

test('reuse tracker: a gap over an hour starts over; the number of prefixes is bounded', () => {
  let now = 0;
  const t = new ReuseTracker(2, () => now);
  t.observe('a');
  now = 61 * MIN;
  assert.deepEqual(t.observe('a'), { seen: 0 });
  t.observe('b');
  t.observe('c');
  assert.equal(t.size, 2);
  assert.deepEqual(t.observe('a'), { seen: 0 }, 'the least recently seen was forgotten');
});

test('TTL: 1h when reuse comes every 5–30 minutes, else 5m', () => {
  assert.equal(chooseTtl({ seen: 0 }), '5m');
  assert.equal(chooseTtl({ seen: 3, medianGapMs: 30_000 }), '5m');
  assert.equal(chooseTtl({ seen: 3, medianGapMs: 5 * MIN }), '5m');
  assert.equal(chooseTtl({ seen: 3, medianGapMs: 12 * MIN }), '1h');
  assert.equal(chooseTtl({ seen: 3, medianGapMs: 30 * MIN }), '1h');
  assert.equal(chooseTtl({ seen: 3, medianGapMs: 45 * MIN }), '5m', 'fewer than 2 reads an hour');
});
