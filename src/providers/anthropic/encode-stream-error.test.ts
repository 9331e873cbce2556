import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidRequestError, PennyError, ProviderError } from '../../core/errors.js';
import { encodeStreamError } from './encode-stream-error.js';

function decode(s: string): unknown {
  assert.ok(s.startsWith('event: error\ndata: '));
  assert.ok(s.endsWith('\n\n'));
  return JSON.parse(s.slice('event: error\ndata: '.length, -2));
}

test('errors become Anthropic error events', () => {
  assert.deepEqual(decode(encodeStreamError(new InvalidRequestError('bad field', 'x'))), {
    type: 'error',
    error: { type: 'invalid_request_error', message: 'bad field' },
  });
  const overloaded = new ProviderError('upstream_error', 'a', 'Overloaded', {
    upstreamType: 'overloaded_error',
  });
  assert.deepEqual(decode(encodeStreamError(overloaded)), {
    type: 'error',
    error: { type: 'overloaded_error', message: 'Overloaded' },
  });
  const foreign = new ProviderError('upstream_error', 'o', 'oops', { upstreamType: 'server_error' });
  assert.equal((decode(encodeStreamError(foreign)) as { error: { type: string } }).error.type, 'api_error');
  const leaky = new PennyError('internal', 'failed with Bearer abcdefghijklmnopqrstuvwxyz');
  assert.ok(!encodeStreamError(leaky).includes('abcdefghijklmnop'));
});
