import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRetryAfter, retryDelayMs, sleep } from './backoff.js';

const policy = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1000, retryAfterCapMs: 5000 };

describe('backoff', () => {
  test('exponential with equal jitter, capped', () => {
    assert.equal(
      retryDelayMs(policy, 0, null, () => 0),
      50,
    );
    assert.equal(
      retryDelayMs(policy, 0, null, () => 1),
      100,
    );
    assert.equal(
      retryDelayMs(policy, 2, null, () => 0.5),
      300,
    );
    assert.equal(
      retryDelayMs(policy, 10, null, () => 1),
      1000,
    );
  });

  test('retry-after is honoured up to the cap; beyond it, skip to the next target', () => {
    assert.equal(
      retryDelayMs(policy, 0, 2000, () => 0),
      2000,
    );
    assert.equal(
      retryDelayMs(policy, 0, 10, () => 1),
      100,
    );
    assert.equal(
      retryDelayMs(policy, 0, 6000, () => 0),
      null,
    );
  });

  test('retry-after as seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('2'), 2000);
    assert.equal(parseRetryAfter('0.5'), 500);
    assert.equal(parseRetryAfter(['3']), 3000);
    assert.equal(parseRetryAfter(undefined), null);
    assert.equal(parseRetryAfter('soon'), null);
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:04 GMT', now), 4000);
  });

  test('sleep ends early (false) when the signal aborts', async () => {
    const ac = new AbortController();
    const p = sleep(60_000, ac.signal);
    ac.abort();
    assert.equal(await p, false);
    assert.equal(await sleep(0), true);
  });
});
