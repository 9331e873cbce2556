import assert from 'node:assert/strict';
import { test } from 'node:test';
import { upstreamErrorCode } from './upstream-status.js';

test('upstream statuses map to codes and retryability', () => {
  const table: Array<[number, string, boolean]> = [
    [400, 'upstream_bad_request', false],
    [404, 'upstream_bad_request', false],
    [409, 'upstream_bad_request', false],
    [413, 'upstream_bad_request', false],
    [422, 'upstream_bad_request', false],
    [401, 'upstream_auth', false],
    [403, 'upstream_auth', false],
    [429, 'upstream_rate_limited', true],
    [408, 'upstream_timeout', true],
    [504, 'upstream_timeout', true],
    [500, 'upstream_error', true],
    [502, 'upstream_error', true],
    [503, 'upstream_error', true],
    [529, 'upstream_error', true],
  ];
  for (const [status, code, retryable] of table)
    assert.deepEqual(upstreamErrorCode(status), { code, retryable }, String(status));
});
