import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ANTHROPIC_ERROR_TYPES, errorCodeOfType, errorTypeOfCode } from './error-types.js';

test('Anthropic error types map to Penny codes and back', () => {
  assert.equal(errorCodeOfType('overloaded_error'), 'upstream_error');
  assert.equal(errorCodeOfType('rate_limit_error'), 'upstream_rate_limited');
  assert.equal(errorCodeOfType('authentication_error'), 'upstream_auth');
  assert.equal(errorCodeOfType('invalid_request_error'), 'upstream_bad_request');
  assert.equal(errorCodeOfType(undefined), 'upstream_error');
  assert.equal(errorCodeOfType('brand_new_error'), 'upstream_error');
  assert.equal(errorTypeOfCode('upstream_rate_limited'), 'rate_limit_error');
  assert.equal(errorTypeOfCode('budget_exceeded'), 'rate_limit_error');
  assert.equal(errorTypeOfCode('invalid_request'), 'invalid_request_error');
  assert.equal(errorTypeOfCode('upstream_stream_broken'), 'api_error');
  for (const code of ['upstream_auth', 'upstream_timeout', 'body_too_large', 'not_found', 'internal']) {
    assert.ok(ANTHROPIC_ERROR_TYPES.has(errorTypeOfCode(code)), code);
  }
});
