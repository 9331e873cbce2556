import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PennyError, ProviderError } from '../../core/errors.js';
import { encodeStreamError, parseError } from './parse-error.js';

test('status decides the code and whether a retry may help', () => {
  const cases: Array<[number, string, boolean]> = [
    [400, 'upstream_bad_request', false],
    [404, 'upstream_bad_request', false],
    [409, 'upstream_bad_request', false],
    [422, 'upstream_bad_request', false],
    [401, 'upstream_auth', false],
    [403, 'upstream_auth', false],
    [429, 'upstream_rate_limited', true],
    [408, 'upstream_timeout', true],
    [504, 'upstream_timeout', true],
    [500, 'upstream_error', true],
    [502, 'upstream_error', true],
    [503, 'upstream_error', true],
    [418, 'upstream_bad_request', false],
    [520, 'upstream_error', true],
  ];
  for (const [status, code, retryable] of cases) {
    const e = parseError(status, '{}', 'openai');
    assert.ok(e instanceof ProviderError);
    assert.equal(e.code, code, String(status));
    assert.equal(e.retryable, retryable, String(status));
    assert.equal(e.provider, 'openai');
  }
});

test('keeps the upstream message, type and param, redacting the echoed key', () => {
  const body = JSON.stringify({
    error: {
      message:
        'Incorrect API key provided: sk-proj-abcdefghijklmnopqrstuvwxyz012345. Find yours at platform.openai.com.',
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_api_key',
    },
  });
  const e = parseError(401, body, 'openai');
  assert.equal(e.code, 'upstream_auth');
  assert.equal(e.upstreamType, 'invalid_request_error');
  assert.equal(
    e.message,
    'openai returned HTTP 401: Incorrect API key provided: sk-***. Find yours at platform.openai.com.',
  );
  assert.doesNotMatch(e.message, /abcdefghijkl/);

  const withParam = parseError(
    400,
    '{"error":{"message":"Invalid value for \'temperature\'","type":"invalid_request_error","param":"temperature"}}',
    'openai',
  );
  assert.equal(withParam.param, 'temperature');
});

test('handles compatible-server shapes and non-JSON bodies', () => {
  const vllm = parseError(
    400,
    '{"object":"error","message":"max_tokens too large","type":"BadRequestError","code":400}',
    'vllm',
  );
  assert.equal(vllm.message, 'vllm returned HTTP 400: max_tokens too large');
  assert.equal(vllm.upstreamType, 'BadRequestError');
  const fastapi = parseError(422, '{"detail":"Field required"}', 'local');
  assert.equal(fastapi.message, 'local returned HTTP 422: Field required');
  const stringErr = parseError(429, '{"error":"slow down"}', 'ollama');
  assert.equal(stringErr.message, 'ollama returned HTTP 429: slow down');
  const html = parseError(502, '<html><body>Bad Gateway</body></html>\n', 'azure');
  assert.equal(html.code, 'upstream_error');
  assert.equal(html.message, 'azure returned HTTP 502: <html><body>Bad Gateway</body></html>');
  assert.equal(html.upstreamType, undefined);
  assert.equal(parseError(503, '', 'x').message, 'x returned HTTP 503: no error message');
  const long = parseError(500, 'x'.repeat(5000), 'x');
  assert.ok(long.message.length < 600);
});

test('encodes a stream error as an OpenAI error event', () => {
  const text = encodeStreamError(
    new PennyError('upstream_stream_broken', 'upstream closed the stream early'),
  );
  assert.ok(text.startsWith('data: ') && text.endsWith('\n\n'));
  assert.deepEqual(JSON.parse(text.slice(6)), {
    error: {
      message: 'upstream closed the stream early',
      type: 'server_error',
      code: 'upstream_stream_broken',
    },
  });
  const rl = encodeStreamError(new PennyError('upstream_rate_limited', 'slow down'));
  assert.equal(JSON.parse(rl.slice(6)).error.type, 'rate_limit_error');
});
