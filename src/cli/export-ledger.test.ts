import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runAudit } from '../audit/audit.js';
import { auditPricing } from '../audit/fast-cost.js';
import { MemoryLedger } from '../ledger/memory-ledger.js';
import { makeEntry } from '../ledger/entry-fixtures.js';
import { exportLedgerJsonl } from './export-ledger.js';

test('the JSONL export round-trips into penny audit with exact money', async () => {
  const ledger = new MemoryLedger();
  const t0 = Date.parse('2026-11-01T00:00:00Z');
  for (let i = 0; i < 10; i++)
    ledger.append(
      makeEntry({
        id: `r${i}`,
        ts: t0 + i * 3_600_000,
        feature: i % 2 ? 'search' : 'chat',
        cost: 7_275_000_000n,
        baselineCost: 7_275_000_000n,
      }),
    );
  const lines: string[] = [];
  const n = await exportLedgerJsonl(ledger, {}, (l) => lines.push(l), t0 + 86_400_000);
  assert.equal(n, 10);
  const first = JSON.parse(lines[0]!);
  assert.equal(first.id, 'r0', 'oldest first');
  assert.equal(first.cost, '0.007275');
  const file = join(mkdtempSync(join(tmpdir(), 'penny-export-')), 'ledger.jsonl');
  writeFileSync(file, lines.join(''));
  const report = await runAudit(file, { pricing: auditPricing(() => undefined) });
  assert.equal(report.format, 'ledger');
  assert.equal(report.records, 10);
  assert.equal(report.total.cost, 72_750_000_000n);
});
