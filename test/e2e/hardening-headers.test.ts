/**
 * Issue 16, item 1: a client-controlled value that is not a legal HTTP header value (above U+00FF, NUL,
 * U+FFFD from invalid UTF-8) must never stop the answer or the ledger entry. The response arrives (an answer
 * or an error in the client's dialect) and the ledger holds exactly one entry for it.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type Harness, startHarness } from './harness.js';

function rawPost(
  url: string,
  path: string,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('no answer: the request hung')));
    req.on('error', reject);
    req.end(body);
  });
}

describe('client-controlled values that are not legal header values still get an answer and an entry', () => {
  let h: Harness;
  let openai: OpenAI;
  let anthropic: Anthropic;
  before(async () => {
    h = await startHarness();
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0, timeout: 10_000 });
    anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0, timeout: 10_000 });
  });
  after(() => h.close());

  async function entryCountDelta(fn: () => Promise<void>): Promise<number> {
    const before = (await h.entries()).length;
    await fn();
    return (await h.entries()).length - before;
  }

  for (const suffix of ['日本', '\uFFFD']) {
    test(`OpenAI dialect, model "gpt-4o-mini-${suffix}": answered (plain and streamed), one entry each`, async () => {
      const model = `gpt-4o-mini-${suffix}`;
      const n = await entryCountDelta(async () => {
        const { data, response } = await openai.chat.completions
          .create({ model, messages: [{ role: 'user', content: 'hi' }] })
          .withResponse();
        assert.match(data.choices[0]!.message.content ?? '', /echo/);
        const echoed = response.headers.get('x-penny-model');
        assert.ok(echoed);
        assert.equal(decodeURIComponent(echoed), model);
        const stream = await openai.chat.completions.create({
          model,
          messages: [{ role: 'user', content: 'hi' }],
          stream: true,
        });
        let text = '';
        for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
        assert.match(text, /echo/);
      });
      assert.equal(n, 2);
      const last = (await h.entries()).slice(-2);
      for (const e of last) {
        assert.equal(e.status, 'ok');
        assert.equal(e.requestedModel, model);
      }
    });

    test(`Anthropic dialect, model "claude-haiku-4-5-${suffix}": answered (plain and streamed), one entry each`, async () => {
      const model = `claude-haiku-4-5-${suffix}`;
      const n = await entryCountDelta(async () => {
        const msg = await anthropic.messages.create({
          model,
          max_tokens: 50,
          messages: [{ role: 'user', content: 'hi' }],
        });
        assert.equal(msg.content[0]?.type, 'text');
        const stream = anthropic.messages.stream({
          model,
          max_tokens: 50,
          messages: [{ role: 'user', content: 'hi' }],
        });
        const final = await stream.finalMessage();
        assert.equal(final.content[0]?.type, 'text');
      });
      assert.equal(n, 2);
      for (const e of (await h.entries()).slice(-2)) {
        assert.equal(e.status, 'ok');
        assert.equal(e.requestedModel, model);
      }
    });
  }

  test('a NUL in the model: an answer in the dialect (never a hang), one entry per request', async () => {
    for (const [path, body] of [
      ['/v1/chat/completions', { model: 'gpt-4o-mini\u0000x', messages: [{ role: 'user', content: 'hi' }] }],
      [
        '/v1/messages',
        { model: 'claude-haiku-4-5\u0000x', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] },
      ],
    ] as const) {
      for (const stream of [false, true]) {
        const n = await entryCountDelta(async () => {
          const r = await rawPost(h.app.url, path, Buffer.from(JSON.stringify({ ...body, stream })));
          assert.ok(r.status > 0 && r.status < 500, `status ${r.status}: ${r.body}`);
        });
        assert.equal(n, 1, `${path} stream=${stream}`);
      }
    }
  });

  test('invalid UTF-8 bytes in the model (U+FFFD after decoding): answered, one entry', async () => {
    for (const [path, prefix, extra] of [
      ['/v1/chat/completions', 'gpt-4o-mini-', ''],
      ['/v1/messages', 'claude-haiku-4-5-', ',"max_tokens":20'],
    ] as const) {
      for (const stream of [false, true]) {
        const body = Buffer.concat([
          Buffer.from(`{"model":"${prefix}`),
          Buffer.from([0xff, 0xfe]),
          Buffer.from(`","stream":${stream}${extra},"messages":[{"role":"user","content":"hi"}]}`),
        ]);
        const n = await entryCountDelta(async () => {
          const r = await rawPost(h.app.url, path, body);
          assert.equal(r.status, 200, r.body);
          assert.match(r.body, /echo/);
        });
        assert.equal(n, 1, `${path} stream=${stream}`);
      }
    }
  });
});

describe('penny.fetch: the same guarantees without a server', () => {
  test('a model name above U+00FF answers (plain and streamed) with one entry each', async () => {
    const { createPenny } = await import('../../src/index.js');
    const { startFakeUpstream } = await import('../fake-upstream/index.js');
    const fake = await startFakeUpstream();
    const penny = createPenny({
      object: {
        providers: {
          openai: { type: 'openai', baseUrl: `${fake.url}/v1`, apiKey: 'sk-lib-openai-0123456789abcdef' },
          anthropic: { type: 'anthropic', baseUrl: fake.url, apiKey: 'sk-ant-lib-0123456789abcdef' },
        },
      },
      env: {},
      ledger: 'memory',
    });
    try {
      const openai = new OpenAI({ apiKey: 'penny', fetch: penny.fetch, maxRetries: 0, timeout: 10_000 });
      const anthropic = new Anthropic({
        apiKey: 'penny',
        fetch: penny.fetch,
        maxRetries: 0,
        timeout: 10_000,
      });
      const a = await openai.chat.completions.create({
        model: 'gpt-4o-mini-日本',
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.match(a.choices[0]!.message.content ?? '', /echo/);
      const s = await openai.chat.completions.create({
        model: 'gpt-4o-mini-日本',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      });
      for await (const _ of s);
      const m = await anthropic.messages.create({
        model: 'claude-haiku-4-5-日本',
        max_tokens: 20,
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(m.content[0]?.type, 'text');
      await penny.gateway.drain();
      await penny.ledger.flush();
      const entries = await penny.ledger.query({});
      assert.equal(entries.length, 3);
      assert.ok(entries.every((e) => e.status === 'ok'));
    } finally {
      await penny.close();
      await fake.close();
    }
  });
});
