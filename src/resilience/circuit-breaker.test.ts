import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CircuitBreakers, verdictOf } from './circuit-breaker.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, step: (ms: number) => (t += ms) };
}

describe('circuit breaker', () => {
  const opts = { failureThreshold: 3, coolDownMs: 10_000, halfOpenProbes: 1, countRateLimits: true };

  test('opens after N consecutive failures, refuses during the cool-down, then lets one probe through', () => {
    const c = clock();
    const b = new CircuitBreakers(opts, c.now);
    for (let i = 0; i < 2; i++) {
      assert.equal(b.acquire('openai', 'gpt-4o').allowed, true);
      b.record('openai', 'gpt-4o', 'failure');
    }
    assert.equal(b.stateOf('openai', 'gpt-4o'), 'closed');
    assert.equal(b.acquire('openai', 'gpt-4o').allowed, true);
    b.record('openai', 'gpt-4o', 'failure');
    assert.equal(b.stateOf('openai', 'gpt-4o'), 'open');
    const refused = b.acquire('openai', 'gpt-4o');
    assert.deepEqual(refused, { allowed: false, retryAt: 1_000_000 + 10_000 });
    // Other targets are unaffected.
    assert.equal(b.acquire('openai', 'gpt-4o-mini').allowed, true);
    c.step(10_000);
    assert.equal(b.stateOf('openai', 'gpt-4o'), 'half_open');
    assert.equal(b.acquire('openai', 'gpt-4o').allowed, true, 'the probe');
    assert.equal(b.acquire('openai', 'gpt-4o').allowed, false, 'only one probe at a time');
    b.record('openai', 'gpt-4o', 'success');
    assert.equal(b.stateOf('openai', 'gpt-4o'), 'closed');
    assert.equal(b.acquire('openai', 'gpt-4o').allowed, true);
  });

  test('a failed probe re-opens the circuit for a fresh cool-down', () => {
    const c = clock();
    const b = new CircuitBreakers(opts, c.now);
    for (let i = 0; i < 3; i++) {
      b.acquire('a', 'm');
      b.record('a', 'm', 'failure');
    }
    c.step(10_000);
    assert.equal(b.acquire('a', 'm').allowed, true);
    b.record('a', 'm', 'failure');
    assert.equal(b.stateOf('a', 'm'), 'open');
    c.step(9_999);
    assert.equal(b.acquire('a', 'm').allowed, false);
    c.step(1);
    assert.equal(b.acquire('a', 'm').allowed, true);
    assert.equal(b.snapshot()[0]?.opened, 2);
  });

  test('a success resets the count; neutral outcomes change nothing', () => {
    const b = new CircuitBreakers(opts, clock().now);
    for (const v of ['failure', 'failure', 'success', 'failure', 'neutral', 'failure'] as const) {
      b.acquire('a', 'm');
      b.record('a', 'm', v);
    }
    assert.equal(b.stateOf('a', 'm'), 'closed');
    assert.equal(b.snapshot()[0]?.consecutiveFailures, 2);
  });

  test('state changes are reported', () => {
    const b = new CircuitBreakers(opts, clock().now);
    const seen: string[] = [];
    b.onChange((s, from) => seen.push(`${from}->${s.state}`));
    for (let i = 0; i < 3; i++) {
      b.acquire('a', 'm');
      b.record('a', 'm', 'failure');
    }
    assert.deepEqual(seen, ['closed->open']);
  });

  test('verdicts: target faults count, client mistakes and aborts do not', () => {
    const v = (httpStatus: number, errorCode: string | null, status: 'ok' | 'error' | 'aborted' = 'error') =>
      verdictOf({ status, httpStatus, errorCode });
    assert.equal(v(200, null, 'ok'), 'success');
    assert.equal(v(504, 'upstream_timeout'), 'failure');
    assert.equal(v(502, 'upstream_unreachable'), 'failure');
    assert.equal(v(500, 'upstream_error'), 'failure');
    assert.equal(v(429, 'upstream_rate_limited'), 'failure');
    assert.equal(
      verdictOf(
        { status: 'error', httpStatus: 429, errorCode: 'upstream_rate_limited' },
        { countRateLimits: false },
      ),
      'neutral',
    );
    assert.equal(v(400, 'upstream_bad_request'), 'neutral');
    assert.equal(v(401, 'upstream_auth'), 'neutral');
    assert.equal(v(499, 'client_aborted', 'aborted'), 'neutral');
  });
});
