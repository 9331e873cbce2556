import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ErrorCode, PennyError } from '../../core/errors.js';
import { renderError } from './render-error.js';

test('every Penny error code renders as an OpenAI error body with its status and type', () => {
  const table: Array<[ErrorCode, number, string]> = [
    ['invalid_json', 400, 'invalid_request_error'],
    ['invalid_request', 400, 'invalid_request_error'],
    ['body_too_large', 413, 'invalid_request_error'],
    ['unknown_model', 404, 'invalid_request_error'],
    ['no_provider', 400, 'invalid_request_error'],
    ['not_found', 404, 'invalid_request_error'],
    ['method_not_allowed', 405, 'invalid_request_error'],
    ['unauthorized', 401, 'authentication_error'],
    ['upstream_auth', 401, 'authentication_error'],
    ['upstream_rate_limited', 429, 'rate_limit_error'],
    ['upstream_bad_request', 400, 'invalid_request_error'],
    ['upstream_error', 502, 'server_error'],
    ['upstream_timeout', 504, 'server_error'],
    ['upstream_unreachable', 502, 'server_error'],
    ['upstream_stream_broken', 502, 'server_error'],
    ['upstream_bad_response', 502, 'server_error'],
    ['budget_exceeded', 429, 'insufficient_quota'],
    ['config_invalid', 500, 'server_error'],
    ['client_aborted', 499, 'invalid_request_error'],
    ['internal', 500, 'server_error'],
  ];
  for (const [code, status, type] of table) {
    const err = new PennyError(code, `message for ${code}`, { param: 'messages[0]' });
    assert.deepEqual(renderError(err), {
      status,
      body: { error: { message: `message for ${code}`, type, param: 'messages[0]', code } },
    });
  }
});
