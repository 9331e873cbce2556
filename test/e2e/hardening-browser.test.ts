/**
 * Issue 16, item 3 (drive-by spending): a web page must not be able to make the user's browser spend the
 * provider key through Penny on loopback, nor read the ledger through DNS rebinding. Browsers are imitated
 * with the headers they send (Origin, a foreign Host); SDK-style requests (no Origin) keep working.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type Harness, startHarness } from './harness.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : Buffer.from(body));
  });
}

const chat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
const messages = JSON.stringify({
  model: 'claude-haiku-4-5',
  max_tokens: 10,
  messages: [{ role: 'user', content: 'hi' }],
});

describe('browser pages cannot spend through Penny', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      config: {
        server: { port: 0, cors: { origins: ['https://app.example.com'] }, allowedHosts: ['penny.internal'] },
      },
    });
  });
  after(() => h.close());

  test('a text/plain or form POST (no preflight needed) is refused with 415 in the dialect, never sent upstream', async () => {
    const upstreamBefore = h.fake.requests.length;
    const a = await send(h.app.url, 'POST', '/v1/chat/completions', { 'content-type': 'text/plain' }, chat);
    assert.equal(a.status, 415);
    assert.equal(JSON.parse(a.body).error.code, 'unsupported_media_type');
    const b = await send(
      h.app.url,
      'POST',
      '/v1/messages',
      { 'content-type': 'application/x-www-form-urlencoded' },
      messages,
    );
    assert.equal(b.status, 415);
    const eb = JSON.parse(b.body);
    assert.equal(eb.type, 'error');
    assert.equal(eb.error.type, 'invalid_request_error');
    const c = await send(h.app.url, 'POST', '/v1/chat/completions', {}, chat);
    assert.equal(c.status, 415);
    assert.match(JSON.parse(c.body).error.message, /content-type: application\/json/);
    assert.equal(h.fake.requests.length, upstreamBefore);
  });

  test('the same on the other POST endpoints (/v1/responses, /v1/embeddings), with deep JSON refused too', async () => {
    const r = await send(
      h.app.url,
      'POST',
      '/v1/responses',
      { 'content-type': 'text/plain' },
      '{"model":"gpt-4o-mini","input":"hi"}',
    );
    assert.equal(r.status, 415);
    const e = await send(
      h.app.url,
      'POST',
      '/v1/embeddings',
      { 'content-type': 'text/plain' },
      '{"model":"text-embedding-3-small","input":"hi"}',
    );
    assert.equal(e.status, 415);
    assert.equal(JSON.parse(e.body).error.code, 'unsupported_media_type');
    const deep = `{"model":"text-embedding-3-small","input":"hi","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const d = await send(h.app.url, 'POST', '/v1/embeddings', { 'content-type': 'application/json' }, deep);
    assert.equal(d.status, 400);
    assert.match(JSON.parse(d.body).error.message, /deeper than 100 levels/);
  });

  test('application/json with a charset, and vendor +json types, are accepted', async () => {
    for (const ct of ['application/json; charset=utf-8', 'Application/JSON', 'application/vnd.penny+json']) {
      const r = await send(h.app.url, 'POST', '/v1/chat/completions', { 'content-type': ct }, chat);
      assert.equal(r.status, 200, `${ct}: ${r.body}`);
    }
  });

  test('a cross-origin page is refused with 403 in the dialect; nothing reaches the upstream', async () => {
    const upstreamBefore = h.fake.requests.length;
    const json = { 'content-type': 'application/json' };
    const a = await send(
      h.app.url,
      'POST',
      '/v1/chat/completions',
      { ...json, origin: 'https://evil.example' },
      chat,
    );
    assert.equal(a.status, 403);
    assert.equal(JSON.parse(a.body).error.code, 'forbidden');
    assert.equal(a.headers['access-control-allow-origin'], undefined);
    const b = await send(h.app.url, 'POST', '/v1/messages', { ...json, origin: 'null' }, messages);
    assert.equal(b.status, 403);
    assert.equal(JSON.parse(b.body).error.type, 'permission_error');
    // The dashboard's data too.
    const d = await send(h.app.url, 'GET', '/dashboard/api/overview', { origin: 'https://evil.example' });
    assert.equal(d.status, 403);
    assert.equal(h.fake.requests.length, upstreamBefore);
  });

  test('an allowed origin gets CORS headers and its preflight an answer', async () => {
    const pre = await send(h.app.url, 'OPTIONS', '/v1/chat/completions', {
      origin: 'https://app.example.com',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, authorization',
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.match(String(pre.headers['access-control-allow-methods']), /POST/);
    assert.match(String(pre.headers['access-control-allow-headers']), /content-type/);
    const r = await send(
      h.app.url,
      'POST',
      '/v1/chat/completions',
      { 'content-type': 'application/json', origin: 'https://app.example.com' },
      chat,
    );
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.match(String(r.headers['access-control-expose-headers']), /x-penny-request-id/);
    const bad = await send(h.app.url, 'OPTIONS', '/v1/chat/completions', {
      origin: 'https://evil.example',
      'access-control-request-method': 'POST',
    });
    assert.equal(bad.status, 403);
    assert.equal(bad.headers['access-control-allow-origin'], undefined);
  });

  test('DNS rebinding: a foreign Host is refused on every route; loopback names and allowed hosts pass', async () => {
    const port = new URL(h.app.url).port;
    for (const path of ['/v1/chat/completions', '/dashboard/api/overview', '/metrics', '/v1/models']) {
      const r = await send(
        h.app.url,
        path.startsWith('/v1/chat') ? 'POST' : 'GET',
        path,
        { host: `evil.example:${port}`, 'content-type': 'application/json' },
        path.startsWith('/v1/chat') ? chat : undefined,
      );
      assert.equal(r.status, 403, `${path}: ${r.body}`);
      assert.match(JSON.parse(r.body).error.message, /server\.allowedHosts/);
    }
    for (const host of [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      'penny.internal',
      `app.localhost:${port}`,
    ]) {
      const r = await send(h.app.url, 'GET', '/v1/models', { host });
      assert.equal(r.status, 200, host);
    }
  });

  test('SDK requests (no Origin) and the same-origin dashboard keep working', async () => {
    const openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    const res = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.match(res.choices[0]!.message.content ?? '', /echo/);
    const host = new URL(h.app.url).host;
    const d = await send(h.app.url, 'GET', '/dashboard/api/overview', { origin: `http://${host}` });
    assert.equal(d.status, 200);
  });
});
