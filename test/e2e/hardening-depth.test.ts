/**
 * Issue 16, item 6: deeply nested client JSON (10,000 levels in metadata, a tool schema, an unknown field,
 * tool-call arguments) answered 500 "Maximum call stack size exceeded". It is a 400 naming the field, in
 * the client's dialect, with a ledger entry.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { type Harness, startHarness } from './harness.js';

function post(url: string, path: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error('no answer: the request hung')));
    req.on('error', reject);
    req.end(Buffer.from(body));
  });
}

/** `{"a":{"a":…1…}}` nested `n` deep, as JSON text (JSON.stringify itself cannot build it). */
function deep(n: number): string {
  return `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
}

const user = '[{"role":"user","content":"hi"}]';

describe('deeply nested JSON is a 400 naming the field, never a 500', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  const cases: Array<{ name: string; path: string; body: string; param: RegExp }> = [
    {
      name: 'OpenAI metadata',
      path: '/v1/chat/completions',
      body: `{"model":"gpt-4o-mini","messages":${user},"metadata":${deep(10_000)}}`,
      param: /^metadata\.a\.a\.a/,
    },
    {
      name: 'OpenAI tool schema',
      path: '/v1/chat/completions',
      body: `{"model":"gpt-4o-mini","messages":${user},"tools":[{"type":"function","function":{"name":"f","parameters":${deep(10_000)}}}]}`,
      param: /^tools\[0\]\.function\.parameters/,
    },
    {
      name: 'OpenAI unknown field',
      path: '/v1/chat/completions',
      body: `{"model":"gpt-4o-mini","messages":${user},"whatever":${deep(10_000)}}`,
      param: /^whatever/,
    },
    {
      name: 'OpenAI array nesting in a message',
      path: '/v1/chat/completions',
      body: `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}]}`,
      param: /^messages\[0\]\.x\[0\]/,
    },
    {
      name: 'Anthropic metadata',
      path: '/v1/messages',
      body: `{"model":"claude-haiku-4-5","max_tokens":10,"messages":${user},"metadata":${deep(10_000)}}`,
      param: /^metadata\.a/,
    },
    {
      name: 'Anthropic tool input_schema',
      path: '/v1/messages',
      body: `{"model":"claude-haiku-4-5","max_tokens":10,"messages":${user},"tools":[{"name":"f","input_schema":${deep(10_000)}}]}`,
      param: /^tools\[0\]\.input_schema/,
    },
    {
      name: 'Anthropic unknown field',
      path: '/v1/messages',
      body: `{"model":"claude-haiku-4-5","max_tokens":10,"messages":${user},"whatever":${deep(10_000)}}`,
      param: /^whatever/,
    },
  ];

  for (const c of cases) {
    test(`${c.name}: 400 naming the field, one entry`, async () => {
      const before = (await h.entries()).length;
      const r = await post(h.app.url, c.path, c.body);
      assert.equal(r.status, 400, r.body.slice(0, 300));
      const err = JSON.parse(r.body);
      if (c.path === '/v1/messages') {
        assert.equal(err.type, 'error');
        assert.equal(err.error.type, 'invalid_request_error');
        assert.match(err.error.message, /deeper than 100 levels/);
      } else {
        assert.match(err.error.param, c.param);
        assert.match(err.error.message, /deeper than 100 levels/);
      }
      assert.ok(r.body.length < 2000, 'the error is short');
      assert.equal((await h.entries()).length, before + 1);
    });
  }

  test('OpenAI tool-call arguments nested 10,000 deep, sent to an Anthropic model: 400 naming the arguments', async () => {
    const args = JSON.stringify(deep(10_000));
    const body = `{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":${args}}}]},{"role":"tool","tool_call_id":"c1","content":"ok"}]}`;
    const r = await post(h.app.url, '/v1/chat/completions', body);
    assert.equal(r.status, 400, r.body.slice(0, 300));
    assert.match(JSON.parse(r.body).error.message, /deeper than 100 levels/);
  });

  test('nesting within the limit still works', async () => {
    const r = await post(
      h.app.url,
      '/v1/chat/completions',
      `{"model":"gpt-4o-mini","messages":${user},"metadata":${deep(50)}}`,
    );
    assert.equal(r.status, 200, r.body.slice(0, 300));
  });
});
