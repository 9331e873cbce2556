/**
 * An upstream 429's `retry-after`, `retry-after-ms` and rate-limit headers reach the client with the error
 * (both dialects, streamed or not, same- and cross-format), so the official SDKs' backoff can honour them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type Harness, startHarness } from './harness.js';
import { type ScriptedUpstream, startScriptedUpstream } from './scripted-upstream.js';

const OPENAI_429 = {
  status: 429,
  headers: {
    'content-type': 'application/json',
    'retry-after': '7',
    'retry-after-ms': '7000',
    'x-should-retry': 'true',
    'x-ratelimit-limit-requests': '500',
    'x-ratelimit-remaining-requests': '0',
    'x-ratelimit-reset-requests': '7s',
    'x-request-id': 'req_upstream_1',
  },
  chunks: [
    JSON.stringify({
      error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
    }),
  ],
};
const ANTHROPIC_429 = {
  status: 429,
  headers: {
    'content-type': 'application/json',
    'retry-after': '7',
    'anthropic-ratelimit-requests-limit': '50',
    'anthropic-ratelimit-requests-remaining': '0',
    'anthropic-ratelimit-requests-reset': '2026-01-01T00:00:07Z',
  },
  chunks: [JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'Rate limited' } })],
};

type HeadersLike = { get(name: string): string | null };

async function failure(p: Promise<unknown>): Promise<{ status: number; headers: HeadersLike }> {
  const e = await p.then(
    () => assert.fail('expected an error'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof OpenAI.APIError || e instanceof Anthropic.APIError, String(e));
  return { status: e.status as number, headers: e.headers as unknown as HeadersLike };
}

describe('upstream rate-limit headers reach the client', () => {
  let h: Harness;
  let up: ScriptedUpstream;
  let openai: OpenAI;
  let anthropic: Anthropic;
  before(async () => {
    up = await startScriptedUpstream();
    h = await startHarness({
      config: {
        providers: {
          rawoai: { type: 'openai', baseUrl: `${up.url}/v1`, apiKey: 'sk-raw' },
          rawant: { type: 'anthropic', baseUrl: up.url, apiKey: 'sk-ant-raw' },
          openai: { type: 'openai', baseUrl: `${up.url}/v1`, apiKey: 'sk-raw' },
        },
      },
    });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
  });
  after(async () => {
    await h.close();
    await up.close();
  });

  const messages = [{ role: 'user' as const, content: 'hi' }];
  for (const upstream of ['openai', 'anthropic'] as const) {
    for (const client of ['openai', 'anthropic'] as const) {
      for (const stream of [false, true]) {
        test(`${upstream} upstream 429 → ${client} client, ${stream ? 'streamed' : 'not streamed'}`, async () => {
          const model = upstream === 'openai' ? 'rawoai/gpt-4o-mini' : 'rawant/claude-haiku-4-5';
          up.next(upstream === 'openai' ? OPENAI_429 : ANTHROPIC_429);
          const { status, headers } = await failure(
            client === 'openai'
              ? openai.chat.completions.create({ model, messages, stream })
              : anthropic.messages.create({ model, max_tokens: 10, messages, stream }),
          );
          assert.equal(status, 429);
          assert.equal(headers.get('retry-after'), '7');
          if (upstream === 'openai') {
            assert.equal(headers.get('retry-after-ms'), '7000');
            assert.equal(headers.get('x-should-retry'), 'true');
            assert.equal(headers.get('x-ratelimit-remaining-requests'), '0');
            assert.equal(headers.get('x-ratelimit-reset-requests'), '7s');
            assert.equal(headers.get('x-request-id'), null, 'only rate-limit headers pass');
          } else {
            assert.equal(headers.get('anthropic-ratelimit-requests-remaining'), '0');
            assert.equal(headers.get('anthropic-ratelimit-requests-reset'), '2026-01-01T00:00:07Z');
          }
          const entries = await h.entries();
          const e = entries[entries.length - 1]!;
          assert.equal(e.status, 'error');
          assert.equal(e.httpStatus, 429);
        });
      }
    }
  }

  test('the fake upstream: #fake:status=429 #fake:retry_after=7, and 503 too', async () => {
    const fake = await startHarness();
    try {
      const client = new OpenAI({ apiKey: 'penny', baseURL: `${fake.app.url}/v1`, maxRetries: 0 });
      for (const status of [429, 503]) {
        const f = await failure(
          client.chat.completions.create({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: `hi #fake:status=${status} #fake:retry_after=7` }],
          }),
        );
        assert.equal(f.status, status === 429 ? 429 : 502);
        assert.equal(f.headers.get('retry-after'), '7');
      }
      // A successful answer carries no retry-after.
      const ok = await client.chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
        .withResponse();
      assert.equal(ok.response.headers.get('retry-after'), null);
    } finally {
      await fake.close();
    }
  });
});
