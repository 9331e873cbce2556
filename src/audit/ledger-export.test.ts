import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeEntry } from '../ledger/entry-fixtures.js';
import { LEDGER_EXPORT_FORMAT, fromLedgerExportLine, toLedgerExportLine } from './ledger-export.js';

describe('ledger export', () => {
  test('round-trips an entry, money as exact decimal strings', () => {
    const e = makeEntry({
      cost: 7_275_000_000n,
      baselineCost: null,
      savings: { 'cache.exact': 1n },
      meta: { promptHash: 'h' },
    });
    const line = toLedgerExportLine(e);
    assert.equal(line.format, LEDGER_EXPORT_FORMAT);
    assert.equal(line.cost, '0.007275');
    assert.equal(line.baselineCost, null);
    assert.deepEqual(line.savings, { 'cache.exact': '0.000000000001' });
    const back = fromLedgerExportLine(JSON.parse(JSON.stringify(line)));
    assert.deepEqual(back, e);
  });

  test('rejects bad fields with the field name', () => {
    assert.throws(
      () => fromLedgerExportLine({ requestedModel: 'x', ts: 1, inputUncached: 'many' }),
      /inputUncached/,
    );
    assert.throws(() => fromLedgerExportLine({ ts: 1 }), /requestedModel/);
  });
});
