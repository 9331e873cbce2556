import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProviderError } from '../../core/errors.js';
import { parseError } from './parse-error.js';

const body = (type: string, message: string) => JSON.stringify({ type: 'error', error: { type, message } });

test('status decides code and retryability; the upstream type and message are kept', () => {
  const table: Array<[number, string, string, boolean]> = [
    [400, 'invalid_request_error', 'upstream_bad_request', false],
    [404, 'not_found_error', 'upstream_bad_request', false],
    [413, 'request_too_large', 'upstream_bad_request', false],
    [422, 'invalid_request_error', 'upstream_bad_request', false],
    [401, 'authentication_error', 'upstream_auth', false],
    [403, 'permission_error', 'upstream_auth', false],
    [429, 'rate_limit_error', 'upstream_rate_limited', true],
    [500, 'api_error', 'upstream_error', true],
    [502, 'api_error', 'upstream_error', true],
    [503, 'api_error', 'upstream_error', true],
    [529, 'overloaded_error', 'upstream_error', true],
    [504, 'timeout_error', 'upstream_timeout', true],
    [408, 'timeout_error', 'upstream_timeout', true],
  ];
  for (const [status, type, code, retryable] of table) {
    const e = parseError(status, body(type, `boom ${status}`), 'anthropic-main');
    assert.ok(e instanceof ProviderError);
    assert.equal(e.code, code, `${status}`);
    assert.equal(e.retryable, retryable, `${status}`);
    assert.equal(e.upstreamType, type);
    assert.equal(e.provider, 'anthropic-main');
    assert.match(e.message, new RegExp(`boom ${status}`));
  }
  assert.equal(parseError(404, body('not_found_error', 'model: claude-x'), 'a').status, 404);
});

test('messages are redacted; non-JSON bodies become the message, truncated', () => {
  const e = parseError(
    401,
    body('authentication_error', 'invalid x-api-key sk-ant-api03-AAAAAAAAAAAAAAAAAAAA'),
    'a',
  );
  assert.ok(!e.message.includes('AAAAAAAA'));
  assert.match(e.message, /sk-ant-\*\*\*/);
  const html = parseError(502, `<html>${'x'.repeat(2000)}</html>`, 'a');
  assert.equal(html.code, 'upstream_error');
  assert.equal(html.upstreamType, undefined);
  assert.ok(html.message.length < 600);
  assert.match(parseError(503, '', 'a').message, /no error body/);
});
