import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Ledger } from '../ledger/ledger.js';
import { MemoryLedger } from '../ledger/memory-ledger.js';
import { SqliteLedger } from '../ledger/sqlite/sqlite-ledger.js';
import { buildReport } from './build-report.js';
import { FIXTURE_DAY0, reportFixture } from './report-fixtures.js';

const DAY = 86_400_000;

async function withLedgers(fn: (ledger: Ledger) => Promise<void>): Promise<void> {
  const memory = new MemoryLedger();
  for (const e of reportFixture()) memory.append(e);
  await fn(memory);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'penny-report-'));
  const sqlite = SqliteLedger.open(path.join(dir, 'ledger.db'));
  try {
    for (const e of reportFixture()) sqlite.append(e);
    await fn(sqlite);
  } finally {
    await sqlite.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('buildReport (memory and SQLite ledgers)', () => {
  test('totals over the whole ledger', async () => {
    await withLedgers(async (ledger) => {
      const r = await buildReport(ledger, { by: ['feature'] });
      assert.equal(r.totals.requests, 505);
      assert.equal(r.totals.errors, 3);
      assert.equal(r.totals.cost, 2_624_630_000_000n);
      assert.equal(r.totals.unpriced, 100);
      assert.equal(r.totals.baselineCost, 3_788_230_000_000n);
      assert.equal(r.totals.savings, 1_163_600_000_000n);
      assert.equal(r.totals.tokens.cacheRead, 60 * 6000);
      assert.equal(r.from, undefined);
      assert.equal(r.to, undefined);
    });
  });

  test('rows by feature, costliest first, unpriced counted apart', async () => {
    await withLedgers(async (ledger) => {
      const r = await buildReport(ledger, { by: ['feature'] });
      assert.deepEqual(
        r.rows.slice(0, 4).map((row) => [row.group.feature, row.cost]),
        [
          ['doc-summarize', 900_000_000_000n],
          ['support-chat', 783_000_000_000n],
          ['code-review', 675_000_000_000n],
          ['sql-assist', 123_000_000_000n],
        ],
      );
      const auto = r.rows.find((row) => row.group.feature === 'autocomplete');
      assert.deepEqual([auto?.requests, auto?.unpriced, auto?.cost], [100, 100, 0n]);
      const support = r.rows.find((row) => row.group.feature === 'support-chat');
      assert.deepEqual([support?.requests, support?.errors], [62, 2]);
      assert.equal(r.rows.length, 12);
    });
  });

  test('savings by tactic and the 80/20 view', async () => {
    await withLedgers(async (ledger) => {
      const r = await buildReport(ledger, { by: ['model'] });
      assert.deepEqual(r.savingsByTactic, [
        { tactic: 'cache.prompt', amount: 972_000_000_000n },
        { tactic: 'route', amount: 188_000_000_000n },
        { tactic: 'shortcut', amount: 3_600_000_000n },
      ]);
      assert.equal(r.pareto.headline, '3 of 12 features make 89% of spend');
      assert.deepEqual(
        r.pareto.features.filter((f) => f.inCore).map((f) => f.feature),
        ['doc-summarize', 'support-chat', 'code-review'],
      );
      assert.equal(r.pareto.coreCost, 2_358_000_000_000n);
    });
  });

  test('model rows use the served model: routed email drafts count as gpt-4o-mini', async () => {
    await withLedgers(async (ledger) => {
      const r = await buildReport(ledger, { by: ['model'] });
      const mini = r.rows.find((row) => row.group.model === 'gpt-4o-mini');
      // search-rerank 80 + email-draft 40 + translate 30 + moderation 40; faq was never served by a model but
      // falls back to its requested gpt-4o-mini.
      assert.equal(mini?.requests, 80 + 40 + 30 + 40 + 30);
      const gpt4o = r.rows.find((row) => row.group.model === 'gpt-4o');
      assert.equal(gpt4o?.requests, 25 + 12 + 1);
    });
  });

  test('time range and extra sections', async () => {
    await withLedgers(async (ledger) => {
      const r = await buildReport(ledger, {
        from: FIXTURE_DAY0 + DAY,
        to: FIXTURE_DAY0 + 2 * DAY,
        by: ['day'],
        also: [['user'], ['feature', 'model']],
      });
      assert.equal(r.from, FIXTURE_DAY0 + DAY);
      assert.deepEqual(
        r.rows.map((row) => row.group.day),
        ['2025-09-02'],
      );
      assert.deepEqual(
        r.sections.map((s) => s.by),
        [['user'], ['feature', 'model']],
      );
      const usersTotal = r.sections[0]!.rows.reduce((n, row) => n + row.requests, 0);
      assert.equal(usersTotal, r.totals.requests);
      assert.ok(r.totals.requests > 100 && r.totals.requests < 505);
    });
  });

  test('an empty ledger gives zero totals and an honest 80/20 line', async () => {
    const r = await buildReport(new MemoryLedger(), { by: ['feature'] });
    assert.equal(r.totals.requests, 0);
    assert.deepEqual(r.rows, []);
    assert.equal(r.pareto.headline, 'no requests in this range');
  });
});
