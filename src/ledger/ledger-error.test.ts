import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PennyError } from '../core/errors.js';
import { toWireError } from '../providers/wire-error.js';
import { LedgerError } from './ledger-error.js';

test('a LedgerError is a PennyError with its code, entry count and cause', () => {
  const cause = new Error('disk full');
  const e = new LedgerError('ledger_write_failed', '3 entries stay buffered', 3, cause);
  assert.ok(e instanceof PennyError);
  assert.equal(e.name, 'LedgerError');
  assert.equal(e.code, 'ledger_write_failed');
  assert.equal(e.entries, 3);
  assert.equal(e.cause, cause);
  assert.equal(e.status, 500);
  assert.equal(new LedgerError('ledger_closed', 'closed', 1).cause, undefined);
  // Should one ever reach a client, it is an internal error in the client's dialect.
  assert.deepEqual(toWireError(e, 'openai').body, {
    error: {
      message: '3 entries stay buffered',
      type: 'server_error',
      param: null,
      code: 'ledger_write_failed',
    },
  });
});
