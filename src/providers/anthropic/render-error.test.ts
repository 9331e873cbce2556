import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ErrorCode, PennyError } from '../../core/errors.js';
import { renderError } from './render-error.js';

test('every Penny error code renders as an Anthropic error body with its status and type', () => {
  const table: Array<[ErrorCode, number, string]> = [
    ['invalid_json', 400, 'invalid_request_error'],
    ['invalid_request', 400, 'invalid_request_error'],
    ['body_too_large', 413, 'request_too_large'],
    ['unknown_model', 404, 'not_found_error'],
    ['no_provider', 400, 'invalid_request_error'],
    ['not_found', 404, 'not_found_error'],
    ['method_not_allowed', 405, 'invalid_request_error'],
    ['unauthorized', 401, 'authentication_error'],
    ['upstream_auth', 401, 'authentication_error'],
    ['upstream_rate_limited', 429, 'rate_limit_error'],
    ['upstream_bad_request', 400, 'invalid_request_error'],
    ['upstream_error', 502, 'api_error'],
    ['upstream_timeout', 504, 'timeout_error'],
    ['upstream_unreachable', 502, 'api_error'],
    ['upstream_stream_broken', 502, 'api_error'],
    ['upstream_bad_response', 502, 'api_error'],
    ['budget_exceeded', 429, 'rate_limit_error'],
    ['config_invalid', 500, 'api_error'],
    ['client_aborted', 499, 'invalid_request_error'],
    ['internal', 500, 'api_error'],
  ];
  for (const [code, status, type] of table) {
    const err = new PennyError(code, `message for ${code}`);
    assert.deepEqual(renderError(err), {
      status,
      body: { type: 'error', error: { type, message: `message for ${code}`, penny_code: code } },
    });
  }
});
