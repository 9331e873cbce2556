/** Runs the dialect contract suite on every registered provider module. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ErrorCode, PennyError, toWireError as legacyToWireError } from '../core/errors.js';
import { dialectContract } from './dialect.contract.js';
import { DIALECTS, providerModule } from './modules.js';
import { toWireError } from './wire-error.js';

for (const dialect of DIALECTS) dialectContract(providerModule(dialect));

// Until the last callers move to providers/wire-error.ts, core's deprecated copy must render the same.
test('core/errors.ts toWireError (deprecated) renders exactly what the provider modules render', () => {
  const codes: ErrorCode[] = [
    'invalid_json',
    'invalid_request',
    'body_too_large',
    'unknown_model',
    'no_provider',
    'not_found',
    'method_not_allowed',
    'unauthorized',
    'upstream_auth',
    'upstream_rate_limited',
    'upstream_bad_request',
    'upstream_error',
    'upstream_timeout',
    'upstream_unreachable',
    'upstream_stream_broken',
    'upstream_bad_response',
    'budget_exceeded',
    'config_invalid',
    'client_aborted',
    'internal',
  ];
  for (const dialect of DIALECTS)
    for (const code of codes) {
      const err = new PennyError(code, `message for ${code}`, { param: 'x' });
      assert.deepEqual(toWireError(err, dialect), legacyToWireError(err, dialect), `${dialect} ${code}`);
    }
});
