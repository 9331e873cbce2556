import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketOf, defaultBucket } from './quality-report.js';

test('retention buckets are UTC days or hours', () => {
  const ts = Date.parse('2026-12-03T07:59:59.999Z');
  assert.equal(bucketOf(ts, 'day'), '2026-12-03');
  assert.equal(bucketOf(ts, 'hour'), '2026-12-03T07:00Z');
  assert.equal(bucketOf(Date.parse('2026-12-03T23:30:00+02:00'), 'day'), '2026-12-03', 'UTC, not local');
});

test('the default bucket: hours for two days or less, days beyond and for all time', () => {
  const now = Date.parse('2026-12-03T08:00:00Z');
  const h = 3_600_000;
  assert.equal(defaultBucket({ from: now - 24 * h }, now), 'hour');
  assert.equal(defaultBucket({ from: now - 48 * h }, now), 'hour');
  assert.equal(defaultBucket({ from: now - 49 * h }, now), 'day');
  assert.equal(defaultBucket({ from: now - 100 * h, to: now - 90 * h }, now), 'hour');
  assert.equal(defaultBucket({}, now), 'day');
});
