import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeRichEntry } from './entry-fixtures.js';
import { ledgerContract } from './ledger.contract.js';
import { MemoryLedger } from './memory-ledger.js';

ledgerContract('MemoryLedger', async () => ({ ledger: new MemoryLedger(), cleanup: async () => {} }));

test('MemoryLedger stores copies: mutating an appended or returned entry changes nothing', async () => {
  const ledger = new MemoryLedger();
  const e = makeRichEntry({ id: 'x' });
  ledger.append(e);
  e.savings.route = 1n;
  e.flags.push('changed');
  const [got] = await ledger.query();
  assert.equal(got?.savings.route, 100_000_000_000_000n);
  assert.deepEqual(got?.flags, ['usage_estimated', 'client_aborted']);
  got!.flags.length = 0;
  const [again] = await ledger.query();
  assert.equal(again?.flags.length, 2);
});
