import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CanonicalRequest, Dialect } from '../../core/request.js';
import { CODECS } from '../../providers/codecs.js';
import { FAST_PATH, fastRequestBody } from './fast-body.js';

/** Client bodies as bytes (spacing, escapes and unicode kept as a client might send them). */
const OPENAI: string[] = [
  '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello!"}]}',
  '{\n  "model": "gpt-4o-mini",\n  "messages": [\n    {"role": "system", "content": "Be brief. \\"Quote\\" \\\\ é ✓"},\n    {"role": "user", "content": "Hi"}\n  ],\n  "temperature": 0.2,\n  "max_tokens": 50\n}',
  '{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"Hi"}]}',
  '{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":false},"messages":[{"role":"user","content":"Hi"}]}',
  '{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}]}',
  '{"model":"gpt-4o","stream":true,"stream_options":{"include_obfuscation":false},"messages":[{"role":"user","content":"Hi"}]}',
  '{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"string"}}}}}],"tool_choice":"auto","response_format":{"type":"json_object"},"seed":7,"user":"u1","metadata":{"k":"v"},"unknown_field":{"x":[1,2]}}',
  '{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],"prompt_cache_key":"client-key","max_completion_tokens":null}',
];

const ANTHROPIC: string[] = [
  '{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"Hello"}]}',
  '{ "model" : "claude-sonnet-4-5", "max_tokens": 64, "stream": true, "system": [{"type":"text","text":"Sys","cache_control":{"type":"ephemeral"}}], "messages": [{"role":"user","content":[{"type":"text","text":"Hi ✓"}]}], "metadata": {"user_id": "u"}, "thinking": {"type":"enabled","budget_tokens":1024} }',
];

function parse(dialect: Dialect, text: string): CanonicalRequest {
  return CODECS[dialect].parseRequest(JSON.parse(text));
}

/** The canonical render the fast path stands in for. */
function rendered(dialect: Dialect, req: CanonicalRequest, model: string): unknown {
  return CODECS[dialect].renderRequest(req, { model, forceStreamUsage: true });
}

function check(
  dialect: Dialect,
  text: string,
  change: (r: CanonicalRequest) => CanonicalRequest,
  model: string,
) {
  const raw = Buffer.from(text);
  const original = parse(dialect, text);
  const request = change(original);
  const before = FAST_PATH.requests;
  const out = fastRequestBody(raw, dialect, dialect, request, original, model);
  assert.ok(out, `fast path not taken for ${text}`);
  assert.equal(FAST_PATH.requests, before + 1);
  assert.deepEqual(JSON.parse(out.toString('utf8')), rendered(dialect, request, model), text);
  return out;
}

describe('fastRequestBody', () => {
  test('the client bytes, edited, equal the canonical render (OpenAI and Anthropic corpus)', () => {
    for (const t of OPENAI) {
      check('openai', t, (r) => r, parse('openai', t).model);
      check('openai', t, (r) => r, 'gpt-4.1-nano');
      check('openai', t, (r) => ({ ...r, model: 'routed' }), 'routed-served');
      check('openai', t, (r) => ({ ...r, promptCacheKey: 'penny-abc' }), 'gpt-4o');
    }
    for (const t of ANTHROPIC) {
      check('anthropic', t, (r) => r, parse('anthropic', t).model);
      check('anthropic', t, (r) => ({ ...r, model: 'claude-haiku-4-5' }), 'claude-haiku-4-5-20251001');
    }
  });

  test('an unchanged request whose model and usage need no edit is forwarded as the same bytes', () => {
    const t = OPENAI[1]!;
    const raw = Buffer.from(t);
    const req = parse('openai', t);
    assert.equal(fastRequestBody(raw, 'openai', 'openai', req, req, req.model), raw);
  });

  test('any other change, another dialect, or no bytes takes the canonical render', () => {
    const t = OPENAI[0]!;
    const raw = Buffer.from(t);
    const req = parse('openai', t);
    assert.equal(fastRequestBody(raw, 'openai', 'anthropic', req, req, 'm'), null);
    assert.equal(fastRequestBody(undefined, 'openai', 'openai', req, req, 'm'), null);
    assert.equal(fastRequestBody(raw, 'responses', 'responses', req, req, 'm'), null);
    assert.equal(fastRequestBody(raw, 'openai', 'openai', { ...req, maxTokens: 10 }, req, 'm'), null);
    assert.equal(fastRequestBody(raw, 'openai', 'openai', { ...req, messages: [] }, req, 'm'), null);
    const a = ANTHROPIC[0]!;
    const areq = parse('anthropic', a);
    assert.equal(
      fastRequestBody(Buffer.from(a), 'anthropic', 'anthropic', { ...areq, promptCacheKey: 'k' }, areq, 'm'),
      null,
    );
    // stream_options on a non-streamed request: the render drops it; left to the render.
    const s =
      '{"model":"gpt-4o","stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]}';
    const sreq = parse('openai', s);
    assert.equal(fastRequestBody(Buffer.from(s), 'openai', 'openai', sreq, sreq, 'gpt-4o'), null);
  });
});
