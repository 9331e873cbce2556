/**
 * The circuit breaker through the gateway, with the official SDKs: a target that keeps failing is no longer
 * called — requests go straight to its fallback, or get a 503 with retry-after in their dialect when it has
 * none — its state is in /metrics, and it closes again after a successful probe.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type PennyApp, startPenny } from '../../src/app.js';
import { MemoryLedger } from '../../src/ledger/memory-ledger.js';
import { createLogger } from '../../src/observability/logger.js';
import { type FakeUpstream, startFakeUpstream } from '../fake-upstream/index.js';
import { until } from './harness.js';

describe('circuit breaker per provider and model', () => {
  let fake: FakeUpstream;
  let app: PennyApp;
  let ledger: MemoryLedger;
  let openai: OpenAI;
  let anthropic: Anthropic;
  let openaiFails = true;
  before(async () => {
    // Every OpenAI-format call fails while `openaiFails`; Anthropic calls answer.
    fake = await startFakeUpstream({
      chaos: (req) => (req.dialect === 'openai' && openaiFails ? { status: 500 } : {}),
    });
    ledger = new MemoryLedger();
    app = await startPenny({
      object: {
        server: { port: 0 },
        providers: {
          openai: { type: 'openai', baseUrl: `${fake.url}/v1`, apiKey: 'sk-test-0123456789abcdefghij' },
          anthropic: { type: 'anthropic', baseUrl: fake.url, apiKey: 'sk-ant-test-0123456789abcdef' },
        },
        route: {
          fallbacks: { 'gpt-4o': ['claude-haiku-4-5'] },
          retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 2 },
        },
        circuitBreaker: { failureThreshold: 3, coolDownMs: 3000 },
      },
      env: {},
      logger: createLogger('silent', () => {}),
      ledger,
    });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${app.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'penny', baseURL: app.url, maxRetries: 0 });
  });
  after(async () => {
    await app.close();
    await fake.close();
  });
  const openaiCalls = () => fake.requests.filter((r) => r.path === '/v1/chat/completions').length;
  const metric = async (model: string) => {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    const m = new RegExp(`penny_circuit_state\\{provider="openai",model="${model}"\\} (\\d)`).exec(text);
    return m ? Number(m[1]) : null;
  };
  const ask = () =>
    openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] });

  test('three failures open the circuit; then the failing target is skipped for its fallback', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await ask();
      assert.match(r.model, /claude/, 'served by the fallback');
    }
    assert.equal(openaiCalls(), 3);
    assert.equal(await metric('gpt-4o'), 2, 'open in /metrics');
    const r = await ask();
    assert.match(r.model, /claude/);
    assert.equal(openaiCalls(), 3, 'the open circuit was not called');
    await app.gateway.drain();
    const last = (await ledger.query({}))[0]!;
    const attempts = last.meta?.attempts as Array<{ code: string | null }>;
    assert.equal(attempts[0]?.code, 'circuit_open');
    assert.equal(last.status, 'ok');
    // The dashboard's API shows the open circuit first.
    const api = (await (await fetch(`${app.url}/dashboard/api/circuits`)).json()) as {
      enabled: boolean;
      circuits: Array<{ provider: string; model: string; state: string; opened: number }>;
    };
    assert.equal(api.enabled, true);
    assert.deepEqual(
      { provider: api.circuits[0]?.provider, model: api.circuits[0]?.model, state: api.circuits[0]?.state },
      { provider: 'openai', model: 'gpt-4o', state: 'open' },
    );
  });

  test('with no fallback, an open circuit answers 503 with retry-after in the client dialect', async () => {
    const err = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    // gpt-4o-mini has its own circuit: still closed, it is called and fails (an upstream 500 is a 502 from Penny).
    assert.equal((err as { status?: number }).status, 502);
    // The Anthropic dialect on the open gpt-4o circuit, without a plan: gpt-4o has a fallback, so ask a
    // model with none on the open circuit by opening gpt-4o-mini's too.
    for (let i = 0; i < 2; i++)
      await openai.chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
        .catch(() => {});
    const before = openaiCalls();
    const e = await anthropic.messages
      .create({ model: 'gpt-4o-mini', max_tokens: 20, messages: [{ role: 'user', content: 'x' }] })
      .catch((x: unknown) => x);
    assert.ok(e instanceof Anthropic.APIError, String(e));
    assert.equal(e.status, 503);
    assert.equal((e.error as { error?: { type?: string } }).error?.type, 'overloaded_error');
    assert.ok(Number(e.headers?.get('retry-after')) >= 1);
    assert.equal(openaiCalls(), before, 'refused without calling the upstream');
    await app.gateway.drain();
    const last = (await ledger.query({}))[0]!;
    assert.equal(last.errorClass, 'circuit_open');
    assert.equal(last.httpStatus, 503);
    assert.equal(last.cost, 0n);
  });

  test('after the cool-down a successful probe closes the circuit', async () => {
    openaiFails = false;
    await until(async () => (await metric('gpt-4o')) === 1, 10_000); // half-open once the cool-down ends
    const before = openaiCalls();
    const r = await ask();
    assert.match(r.model, /gpt-4o/, 'the probe went to the recovered target');
    assert.equal(openaiCalls(), before + 1);
    assert.equal(await metric('gpt-4o'), 0, 'closed again');
  });
});
