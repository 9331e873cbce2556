import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { ANTHROPIC_KEY, type Harness, OPENAI_KEY, startHarness } from './harness.js';

function raw(
  url: string,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe("bad input and upstream faults: the client dialect's error shape, the right status, a ledger entry", () => {
  let h: Harness;
  let openai: OpenAI;
  let anthropic: Anthropic;
  before(async () => {
    h = await startHarness({ config: { server: { port: 0, maxBodyBytes: 4096 } } });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
  });
  after(() => h.close());

  test('malformed JSON → 400 invalid_json in OpenAI shape; Anthropic shape on /v1/messages', async () => {
    const a = await raw(h.app.url, '/v1/chat/completions', '{"model": "gpt-4o", ');
    assert.equal(a.status, 400);
    const ea = JSON.parse(a.body);
    assert.equal(ea.error.code, 'invalid_json');
    assert.equal(ea.error.type, 'invalid_request_error');
    const b = await raw(h.app.url, '/v1/messages', 'not json');
    assert.equal(b.status, 400);
    const eb = JSON.parse(b.body);
    assert.equal(eb.type, 'error');
    assert.equal(eb.error.type, 'invalid_request_error');
    const entries = await h.entries();
    assert.equal(entries.filter((e) => e.errorClass === 'invalid_json').length, 2);
  });

  test('wrong types and missing fields name the field', async () => {
    const a = await raw(
      h.app.url,
      '/v1/chat/completions',
      JSON.stringify({ model: 'gpt-4o', messages: 'hi' }),
    );
    assert.equal(a.status, 400);
    assert.equal(JSON.parse(a.body).error.param, 'messages');
    const b = await raw(
      h.app.url,
      '/v1/messages',
      JSON.stringify({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'x' }] }),
    );
    assert.equal(b.status, 400);
    assert.match(JSON.parse(b.body).error.message, /max_tokens/);
    const c = await raw(
      h.app.url,
      '/v1/chat/completions',
      JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }),
    );
    assert.equal(c.status, 400);
    assert.match(JSON.parse(c.body).error.message, /model/);
  });

  test('unknown model → 404 with what to configure, and an entry', async () => {
    await assert.rejects(
      openai.chat.completions.create({
        model: 'mystery-model-1',
        messages: [{ role: 'user', content: 'x' }],
      }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.NotFoundError);
        assert.match(String((e as Error).message), /no configured provider serves model "mystery-model-1"/);
        return true;
      },
    );
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.errorClass, 'unknown_model');
    assert.equal(e.httpStatus, 404);
  });

  test('body over the configured limit → 413', async () => {
    const big = JSON.stringify({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'x'.repeat(10_000) }],
    });
    const r = await raw(h.app.url, '/v1/chat/completions', big);
    assert.equal(r.status, 413);
    assert.equal(JSON.parse(r.body).error.code, 'body_too_large');
  });

  test('upstream 429 and 500 keep their meaning; upstream messages never leak the key', async () => {
    await assert.rejects(
      openai.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'x #fake:status=429' }],
      }),
      (e: unknown) => e instanceof OpenAI.RateLimitError,
    );
    await assert.rejects(
      anthropic.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x #fake:status=500' }],
      }),
      (e: unknown) => e instanceof Anthropic.InternalServerError || (e as { status?: number }).status === 502,
    );
    const entries = await h.entries();
    const [a, b] = entries.slice(-2);
    assert.equal(a!.errorClass, 'upstream_rate_limited');
    assert.equal(a!.httpStatus, 429);
    assert.equal(b!.errorClass, 'upstream_error');
  });

  test('connection reset before any response, and a stream that dies halfway', async () => {
    await assert.rejects(
      openai.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'x #fake:reset' }],
      }),
      (e: unknown) => (e as { status?: number }).status === 502,
    );
    const s = await openai.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: 'x #fake:words=50 #fake:break_after=3' }],
    });
    let text = '';
    await assert.rejects(async () => {
      for await (const c of s) text += c.choices[0]?.delta?.content ?? '';
    });
    assert.ok(text.length > 0, 'the part that arrived was delivered');
    const [reset, broken] = (await h.entries()).slice(-2);
    assert.equal(reset!.errorClass, 'upstream_unreachable');
    assert.equal(broken!.errorClass, 'upstream_stream_broken');
    assert.equal(broken!.status, 'error');
    assert.ok(broken!.outputText > 0, 'tokens generated before the break are priced');
  });

  test('upstream auth failure is reported as an upstream auth error', async () => {
    const bad = new OpenAI({ apiKey: 'bad-key', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    await assert.rejects(
      bad.chat.completions.create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-penny-provider-key': 'bad-key' } },
      ),
      (e: unknown) => e instanceof OpenAI.AuthenticationError,
    );
  });

  test('provider keys never appear in responses, logs or the ledger', async () => {
    const entries = await h.entries();
    const everything =
      JSON.stringify(entries, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) + h.logs.join('\n');
    for (const key of [OPENAI_KEY, ANTHROPIC_KEY, 'SECRET'])
      assert.ok(!everything.includes(key), `${key} leaked`);
  });
});
