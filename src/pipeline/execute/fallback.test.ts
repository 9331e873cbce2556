import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PennyError, ProviderError } from '../../core/errors.js';
import type { ResolvedProvider } from '../../config/load.js';
import { createLogger } from '../../observability/logger.js';
import type { Target } from '../../providers/resolve-target.js';
import { Upstreams } from '../../providers/upstream.js';
import type { Outcome, RequestContext } from '../context.js';
import { testContext } from '../test-support.js';
import { ATTEMPTS, type AttemptRecord, executeWithFallbacks, type FallbackDeps } from './fallback.js';
import type { ExecuteDeps } from './single.js';

const provider = (name: string, type: 'openai' | 'anthropic'): ResolvedProvider => ({
  name,
  type,
  baseUrl: 'http://127.0.0.1:9',
  apiKey: undefined,
  headers: {},
  models: [],
  apiVersion: undefined,
  deployments: {},
  timeoutMs: 1000,
  idleTimeoutMs: 1000,
  maxConnections: 1,
});
const PROVIDERS = { openai: provider('openai', 'openai'), anthropic: provider('anthropic', 'anthropic') };

function ctx(): RequestContext {
  return testContext({ t0: process.hrtime.bigint() });
}

const ok = (t: Target): Outcome => ({
  status: 'ok',
  httpStatus: 200,
  provider: t.provider.name,
  servedModel: t.model,
  usage: null,
  response: null,
  error: null,
  ttftMs: null,
  simulated: false,
  written: false,
  body: '{}',
});
const fail = (t: Target, status: number, retryable: boolean, written = false): Outcome => ({
  ...ok(t),
  status: 'error',
  httpStatus: status,
  error: new ProviderError(
    status === 429 ? 'upstream_rate_limited' : 'upstream_error',
    t.provider.name,
    'x',
    {
      retryable,
      status,
    },
  ),
  written,
});

type Script = (t: Target, n: number, d: ExecuteDeps) => Outcome;

function harness(
  script: Script,
  retry = { maxRetries: 2, baseDelayMs: 100, maxDelayMs: 1000, retryAfterCapMs: 5000 },
) {
  const calls: string[] = [];
  const waits: number[] = [];
  const keys: Array<string | undefined> = [];
  let n = 0;
  const deps: FallbackDeps = {
    upstreams: new Upstreams(),
    logger: createLogger('silent'),
    resolve: (ref) => {
      if (ref.startsWith('claude')) return { provider: PROVIDERS.anthropic, model: ref };
      if (ref.startsWith('gpt')) return { provider: PROVIDERS.openai, model: ref };
      throw new PennyError('unknown_model', `no provider for ${ref}`);
    },
    keyFor: (t) => (t.provider.type === 'openai' ? 'sk-client-key' : undefined),
    retry,
    random: () => 0,
    sleep: async (ms) => {
      waits.push(ms);
      return true;
    },
    run: async (c, t, d) => {
      calls.push(t.model);
      keys.push(c.clientKey);
      return script(t, n++, d);
    },
  };
  return { deps, calls, waits, keys };
}

describe('executeWithFallbacks', () => {
  test('retries a retryable failure with backoff, then succeeds on the same target', async () => {
    const h = harness((t, n) => (n < 2 ? fail(t, 503, true) : ok(t)));
    const c = ctx();
    const out = await executeWithFallbacks(c, ['gpt-4o', 'claude-x'], h.deps);
    assert.equal(out.status, 'ok');
    assert.deepEqual(h.calls, ['gpt-4o', 'gpt-4o', 'gpt-4o']);
    assert.deepEqual(h.waits, [50, 100]);
    const attempts = c.slots.get(ATTEMPTS) as AttemptRecord[];
    assert.deepEqual(
      attempts.map((a) => [a.model, a.status, a.code, a.retry ?? 0]),
      [
        ['gpt-4o', 503, 'upstream_error', 0],
        ['gpt-4o', 503, 'upstream_error', 1],
        ['gpt-4o', 200, null, 2],
      ],
    );
    assert.ok(c.flags.includes('retried'));
  });

  test('after the retries, the next target, across providers (with the key that suits it)', async () => {
    const h = harness((t) => (t.provider.name === 'openai' ? fail(t, 429, true) : ok(t)));
    const c = ctx();
    const out = await executeWithFallbacks(c, ['gpt-4o', 'claude-x'], h.deps);
    assert.equal(out.servedModel, 'claude-x');
    assert.deepEqual(h.calls, ['gpt-4o', 'gpt-4o', 'gpt-4o', 'claude-x']);
    assert.deepEqual(h.keys, ['sk-client-key', 'sk-client-key', 'sk-client-key', undefined]);
    assert.equal(c.headers['x-penny-provider'], 'anthropic');
    assert.equal((c.slots.get(ATTEMPTS) as AttemptRecord[]).at(-1)?.purpose, 'fallback');
    assert.ok(c.flags.includes('fallback'));
  });

  test('retry-after is read from the upstream response; beyond the cap the next target is tried at once', async () => {
    const h = harness((t, n, d) => {
      if (t.provider.name === 'openai') {
        d.onUpstreamResponse?.(429, { 'retry-after': n === 0 ? '2' : '60' });
        return fail(t, 429, true);
      }
      return ok(t);
    });
    const out = await executeWithFallbacks(ctx(), ['gpt-4o', 'claude-x'], h.deps);
    assert.equal(out.status, 'ok');
    assert.deepEqual(h.waits, [2000]); // the second 429 asks for 60 s > cap: no wait, next target
    assert.deepEqual(h.calls, ['gpt-4o', 'gpt-4o', 'claude-x']);
  });

  test('a non-retryable error and a started stream are returned as they are', async () => {
    const h1 = harness((t) => fail(t, 400, false));
    assert.equal((await executeWithFallbacks(ctx(), ['gpt-4o', 'claude-x'], h1.deps)).httpStatus, 400);
    assert.deepEqual(h1.calls, ['gpt-4o']);
    const h2 = harness((t) => fail(t, 502, true, true));
    assert.equal((await executeWithFallbacks(ctx(), ['gpt-4o', 'claude-x'], h2.deps)).written, true);
    assert.deepEqual(h2.calls, ['gpt-4o']);
  });

  test('an unresolvable target is recorded and skipped; when all fail the last failure is returned', async () => {
    const h = harness((t) => fail(t, 503, true), {
      maxRetries: 0,
      baseDelayMs: 0,
      maxDelayMs: 0,
      retryAfterCapMs: 0,
    });
    const c = ctx();
    const out = await executeWithFallbacks(c, ['mystery', 'gpt-4o', 'claude-x'], h.deps);
    assert.equal(out.status, 'error');
    assert.equal(out.servedModel, 'claude-x');
    const attempts = c.slots.get(ATTEMPTS) as AttemptRecord[];
    assert.deepEqual(
      attempts.map((a) => [a.model, a.code]),
      [
        ['mystery', 'unknown_model'],
        ['gpt-4o', 'upstream_error'],
        ['claude-x', 'upstream_error'],
      ],
    );
    assert.deepEqual(h.waits, []);
  });
});
