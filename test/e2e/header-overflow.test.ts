/** Requests Node rejects before Penny's handler (64 KB of headers) get an error body in the client's dialect. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type Harness, startHarness } from './harness.js';

const BIG = 'a'.repeat(64 * 1024);

function rawExchange(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => c.write(head));
    let text = '';
    c.setEncoding('latin1');
    c.on('data', (d) => (text += d));
    c.on('error', reject);
    c.on('close', () => resolve(text));
  });
}

describe('a 64 KB request header', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  test("the SDKs get 431 with an error body in their dialect, not Node's empty answer", async () => {
    const anthropic = new Anthropic({
      apiKey: 'penny',
      baseURL: h.app.url,
      maxRetries: 0,
      defaultHeaders: { 'x-big': BIG },
    });
    const a = await anthropic.messages
      .create({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => assert.fail('expected an error'),
        (e: unknown) => e,
      );
    assert.ok(a instanceof Anthropic.APIError);
    assert.equal(a.status, 431);
    assert.deepEqual((a.error as { type?: string }).type, 'error');
    assert.match(a.message, /request headers are larger than the limit/);

    const openai = new OpenAI({
      apiKey: 'penny',
      baseURL: `${h.app.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { 'x-big': BIG },
    });
    const o = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => assert.fail('expected an error'),
        (e: unknown) => e,
      );
    assert.ok(o instanceof OpenAI.APIError);
    assert.equal(o.status, 431);
    assert.equal(o.type, 'invalid_request_error');
    assert.match(o.message, /request headers are larger than the limit/);
  });

  test('raw: the dialect comes from the request line; connection: close', async () => {
    const port = Number(new URL(h.app.url).port);
    for (const [path, anthropic] of [
      ['/v1/messages', true],
      ['/v1/chat/completions', false],
      ['/nowhere', false],
    ] as const) {
      const res = await rawExchange(port, `POST ${path} HTTP/1.1\r\nhost: x\r\nx-big: ${BIG}\r\n\r\n`);
      assert.match(res, /^HTTP\/1\.1 431 /);
      assert.match(res, /\r\nconnection: close\r\n/i);
      const body = JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4));
      if (anthropic) {
        assert.equal(body.type, 'error');
        assert.equal(body.error.type, 'invalid_request_error');
      } else {
        assert.equal(body.error.type, 'invalid_request_error');
        assert.equal(body.error.code, 'invalid_request');
      }
    }
    // A malformed request line is a 400 in the same shapes.
    const bad = await rawExchange(port, 'POST /v1/messages HTTP/1.1\r\nbad header line\r\n\r\n');
    assert.match(bad, /^HTTP\/1\.1 400 /);
    assert.equal(JSON.parse(bad.slice(bad.indexOf('\r\n\r\n') + 4)).type, 'error');
  });
});
