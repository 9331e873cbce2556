/**
 * Issue 16, items 2 and 8 and the header-text fix: absurd model names are refused in the client's dialect
 * (400 naming `model`) before they reach a header, a metric label or the ledger; /metrics stays small;
 * a 1 MB model name can no longer overflow a client's header limit on a billed answer; non-ASCII
 * attribution headers are stored as the UTF-8 text the client sent.
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
  body: string | Buffer,
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
    req.setTimeout(20_000, () => req.destroy(new Error('no answer: the request hung')));
    req.on('error', reject);
    // A Buffer body: with a string body Node sends the headers in the body's encoding (UTF-8), not latin1.
    req.end(typeof body === 'string' ? Buffer.from(body) : body);
  });
}

describe('client strings are bounded before they become headers, labels or ledger fields', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ config: { server: { port: 0, maxBodyBytes: 20 * 1024 * 1024 } } });
  });
  after(() => h.close());

  test('a 9 MB model name → 400 naming model in both dialects; /metrics and the ledger stay small', async () => {
    const huge = 'm'.repeat(9 * 1024 * 1024);
    const a = await rawPost(
      h.app.url,
      '/v1/chat/completions',
      JSON.stringify({ model: huge, messages: [{ role: 'user', content: 'hi' }] }),
    );
    assert.equal(a.status, 400);
    const ea = JSON.parse(a.body);
    assert.equal(ea.error.param, 'model');
    assert.match(ea.error.message, /at most 256 characters/);
    assert.ok(a.body.length < 1000, 'the error does not echo the model name');
    const b = await rawPost(
      h.app.url,
      '/v1/messages',
      JSON.stringify({ model: huge, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    );
    assert.equal(b.status, 400);
    const eb = JSON.parse(b.body);
    assert.equal(eb.type, 'error');
    assert.equal(eb.error.type, 'invalid_request_error');
    assert.match(eb.error.message, /model is 9437184 characters long/);
    const metrics = await (await fetch(`${h.app.url}/metrics`)).text();
    assert.ok(metrics.length < 200_000, `/metrics is ${metrics.length} characters`);
    const entries = await h.entries();
    const last = entries.slice(-2);
    assert.equal(last.length, 2);
    for (const e of last) {
      assert.equal(e.httpStatus, 400);
      assert.ok(e.requestedModel.length <= 256, `stored model of ${e.requestedModel.length} characters`);
    }
    assert.ok(h.logs.join('\n').length < 100_000, 'the logs do not carry the model name');
  });

  test('a 1 MB model name: the Node SDK gets a 400 it can read, not HPE_HEADER_OVERFLOW', async () => {
    const model = `gpt-4o-mini-${'x'.repeat(1024 * 1024)}`;
    const openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    const err = await openai.chat.completions
      .create({ model, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.BadRequestError, String(err));
    assert.equal(err.param, 'model');
    const anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
    const aerr = await anthropic.messages
      .create({ model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    assert.ok(aerr instanceof Anthropic.BadRequestError, String(aerr));
  });

  test('control characters in the model → 400 naming model, with an entry', async () => {
    const before = (await h.entries()).length;
    const r = await rawPost(
      h.app.url,
      '/v1/chat/completions',
      JSON.stringify({ model: 'gpt-4o\u0000', messages: [{ role: 'user', content: 'hi' }] }),
    );
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.body).error.param, 'model');
    assert.equal((await h.entries()).length, before + 1);
  });

  test('x-penny-feature / x-penny-user sent as UTF-8 are stored as UTF-8, not mojibake', async () => {
    const r = await rawPost(
      h.app.url,
      '/v1/chat/completions',
      JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      // node:http sends a header string as latin1: encode the UTF-8 bytes that way, as a UTF-8 client would.
      {
        'x-penny-feature': Buffer.from('café', 'utf8').toString('latin1'),
        'x-penny-user': Buffer.from('Zoë 日本', 'utf8').toString('latin1'),
      },
    );
    assert.equal(r.status, 200);
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.feature, 'café');
    assert.equal(e.user, 'Zoë 日本');
  });
});

describe('a UTF-8 byte-order mark before the JSON body', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  test('is accepted on both endpoints', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const a = await rawPost(
      h.app.url,
      '/v1/chat/completions',
      Buffer.concat([
        bom,
        Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })),
      ]),
    );
    assert.equal(a.status, 200, a.body);
    const b = await rawPost(
      h.app.url,
      '/v1/messages',
      Buffer.concat([
        bom,
        Buffer.from(
          JSON.stringify({
            model: 'claude-haiku-4-5',
            max_tokens: 10,
            messages: [{ role: 'user', content: 'hi' }],
          }),
        ),
      ]),
    );
    assert.equal(b.status, 200, b.body);
  });
});
