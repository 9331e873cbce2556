import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCost, formatPercent, formatRange } from './format.js';

test('formatCost never shows unknown cost as $0', () => {
  assert.equal(formatCost({ requests: 3, unpriced: 0, cost: 7_275_000_000n }), '$0.007275');
  assert.equal(formatCost({ requests: 3, unpriced: 3, cost: 0n }), 'unknown (3 unpriced)');
  assert.equal(
    formatCost({ requests: 5, unpriced: 2, cost: 1_500_000_000_000n }),
    '$1.50 + unknown (2 unpriced)',
  );
  assert.equal(formatCost({ requests: 2, unpriced: 0, cost: 0n }), '$0.00', 'a known zero is a real $0');
});

test('formatPercent rounds half up from exact ratios', () => {
  assert.equal(formatPercent(1n, 3n), '33.3%');
  assert.equal(formatPercent(2n, 3n), '66.7%');
  assert.equal(formatPercent(1n, 2000n), '0.1%');
  assert.equal(formatPercent(5n, 5n), '100.0%');
  assert.equal(formatPercent(-1n, 4n), '-25.0%');
  assert.equal(formatPercent(1n, 0n), '–');
});

test('formatRange labels open and closed ranges in UTC', () => {
  assert.equal(formatRange(undefined, undefined), 'all time');
  assert.equal(formatRange(Date.UTC(2025, 8, 1), undefined), 'since 2025-09-01 00:00 UTC');
  assert.equal(formatRange(undefined, Date.UTC(2025, 8, 2, 13, 5)), 'until 2025-09-02 13:05 UTC');
  assert.equal(
    formatRange(Date.UTC(2025, 8, 1), Date.UTC(2025, 8, 8)),
    '2025-09-01 00:00 UTC → 2025-09-08 00:00 UTC',
  );
});
