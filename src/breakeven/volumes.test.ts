import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeEntry } from '../ledger/entry-fixtures.js';
import { MemoryLedger } from '../ledger/memory-ledger.js';
import { volumesFromLedger } from './volumes.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);

function ledger(): MemoryLedger {
  const l = new MemoryLedger();
  // classify: 3 requests on gpt-4 over 2 days with traffic, 1 on gpt-4o-mini, 1 unpriced
  for (let i = 0; i < 3; i++) {
    l.append(
      makeEntry({
        feature: 'classify',
        servedModel: 'gpt-4',
        ts: T0 + i * (DAY / 2),
        inputUncached: 900,
        cacheRead: 100,
        outputText: 10,
        cost: 30_600_000_000n,
      }),
    );
  }
  l.append(
    makeEntry({
      feature: 'classify',
      servedModel: 'gpt-4o-mini',
      ts: T0 + DAY,
      inputUncached: 1000,
      outputText: 10,
      cost: 156_000_000n,
    }),
  );
  l.append(
    makeEntry({
      feature: 'classify',
      servedModel: 'mystery',
      ts: T0 + DAY,
      inputUncached: 1000,
      outputText: 10,
      cost: null,
    }),
  );
  l.append(makeEntry({ feature: 'chat', ts: T0 }));
  return l;
}

describe('volumesFromLedger', () => {
  test('averages over days with traffic when no range is given', async () => {
    const v = await volumesFromLedger(ledger(), 'classify');
    assert.equal(v.requests, 5);
    assert.equal(v.days, 2);
    assert.equal(v.daysFrom, 'active-days');
    assert.equal(v.requestsPerDay, 2.5);
    assert.equal(v.avgInputTokens, 1000);
    assert.equal(v.avgOutputTokens, 10);
    assert.equal(v.model, 'gpt-4');
    // known cost / priced requests: (3 × $0.0306 + $0.000156) / 4
    assert.equal(v.costPerRequest, (3n * 30_600_000_000n + 156_000_000n) / 4n);
  });

  test('uses the range for requests per day when from and to are given', async () => {
    const v = await volumesFromLedger(ledger(), 'classify', { from: T0, to: T0 + 10 * DAY });
    assert.equal(v.days, 10);
    assert.equal(v.daysFrom, 'range');
    assert.equal(v.requestsPerDay, 0.5);
  });

  test('a feature with no requests is an error', async () => {
    await assert.rejects(volumesFromLedger(ledger(), 'nope'), /no requests for feature "nope"/);
  });
});
