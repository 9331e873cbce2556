import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeEntry } from '../ledger/entry-fixtures.js';
import { MemoryLedger } from '../ledger/memory-ledger.js';
import { buildReport } from './build-report.js';
import { renderReportJson } from './render-json.js';
import { renderReportTable } from './render-table.js';

test('simulated entries are counted and called out, never mixed silently with real spend', async () => {
  const ledger = new MemoryLedger();
  ledger.append(makeEntry({ id: 'a', provider: 'openai', simulated: false, cost: 5_000_000n }));
  ledger.append(makeEntry({ id: 'b', provider: 'simulated', simulated: true, cost: 2_000_000n }));
  ledger.append(makeEntry({ id: 'c', provider: 'simulated', simulated: true, cost: 1_000_000n }));
  const report = await buildReport(ledger, { by: ['feature'] });
  assert.deepEqual(report.simulated, { requests: 2, cost: 3_000_000n });
  const text = renderReportTable(report);
  assert.match(text, /SIMULATED {2}2 of 3 requests were answered by Penny's simulated upstream/);
  assert.equal(JSON.parse(renderReportJson(report)).simulated.requests, 2);

  const real = new MemoryLedger();
  real.append(makeEntry({ id: 'a', provider: 'openai' }));
  assert.doesNotMatch(renderReportTable(await buildReport(real, { by: ['feature'] })), /SIMULATED/);
});
