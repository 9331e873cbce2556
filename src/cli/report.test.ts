import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { PennyError } from '../core/errors.js';
import { MemoryLedger } from '../ledger/memory-ledger.js';
import { SqliteLedger } from '../ledger/sqlite/sqlite-ledger.js';
import { FIXTURE_DAY0, reportFixture } from '../report/report-fixtures.js';
import { parseBy, reportCommand } from './report.js';

const DAY = 86_400_000;

function fixtureLedger(): MemoryLedger {
  const ledger = new MemoryLedger();
  for (const e of reportFixture()) ledger.append(e);
  return ledger;
}

function headings(text: string): string[] {
  return text.split('\n').filter((l) => /^(By |Savings by tactic|80\/20:)/.test(l));
}

describe('reportCommand', () => {
  test('default: table by feature, then model and user sections, savings and the 80/20 view', async () => {
    const text = await reportCommand({ ledger: fixtureLedger() });
    assert.deepEqual(headings(text), [
      'By feature',
      'By model',
      'By user',
      'Savings by tactic',
      '80/20: 3 of 12 features make 89% of spend',
    ]);
    assert.match(text, /^Penny report — all time/);
  });

  test('an explicit --by shows that grouping only', async () => {
    const text = await reportCommand({ ledger: fixtureLedger(), by: ' model , provider,model' });
    assert.deepEqual(headings(text), [
      'By model, provider',
      'Savings by tactic',
      '80/20: 3 of 12 features make 89% of spend',
    ]);
  });

  test('--since is measured back from the given clock', async () => {
    const now = FIXTURE_DAY0 + 3 * DAY;
    const json = JSON.parse(
      await reportCommand({ ledger: fixtureLedger(), since: '24h', now, format: 'json', by: 'day' }),
    );
    assert.deepEqual(json.range, { from: '2025-09-03T00:00:00.000Z', to: null });
    assert.deepEqual(
      json.rows.map((r: { group: { day: string } }) => r.group.day),
      ['2025-09-03'],
    );
    assert.deepEqual(json.sections, [], 'an explicit --by adds no sections');
  });

  test('json by default carries the model and user sections; --from/--to filter', async () => {
    const json = JSON.parse(
      await reportCommand({ ledger: fixtureLedger(), from: '2025-09-02', to: '2025-09-02', format: 'json' }),
    );
    assert.deepEqual(json.range, { from: '2025-09-02T00:00:00.000Z', to: '2025-09-03T00:00:00.000Z' });
    assert.deepEqual(
      json.sections.map((s: { by: string[] }) => s.by),
      [['model'], ['user']],
    );
    assert.equal(json.totals.requests, 168);
  });

  test('csv by day in calendar order', async () => {
    const csv = await reportCommand({ ledger: fixtureLedger(), by: 'day', format: 'csv' });
    const days = csv
      .split('\r\n')
      .slice(1, -1)
      .map((l) => l.split(',')[0]);
    assert.deepEqual(days, ['2025-09-01', '2025-09-02', '2025-09-03']);
  });

  test('works over a SQLite ledger file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'penny-report-cli-'));
    try {
      const writer = SqliteLedger.open(path.join(dir, 'ledger.db'));
      for (const e of reportFixture()) writer.append(e);
      await writer.close();
      const ledger = SqliteLedger.open(path.join(dir, 'ledger.db'));
      try {
        const text = await reportCommand({ ledger, by: 'feature' });
        assert.match(text, /Cost {7}\$2\.62463 \+ unknown \(100 unpriced\)/);
      } finally {
        await ledger.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('invalid flags fail with messages naming the flag and the valid values', async () => {
    const ledger = fixtureLedger();
    await assert.rejects(reportCommand({ ledger, by: 'feature,team' }), (err: unknown) => {
      assert.ok(err instanceof PennyError);
      assert.equal(err.param, '--by');
      assert.equal(
        err.message,
        '--by: unknown group key "team"; valid keys: feature, user, model, provider, day, key, status',
      );
      return true;
    });
    await assert.rejects(
      reportCommand({ ledger, by: ' , ' }),
      /--by: no group key given; valid keys: feature/,
    );
    await assert.rejects(
      // @ts-expect-error: an unchecked string from the command line
      reportCommand({ ledger, format: 'xml' }),
      /--format: unknown format "xml"; valid formats: table, json, csv/,
    );
    await assert.rejects(
      reportCommand({ ledger, since: 'forever' }),
      /--since: expected a positive duration/,
    );
  });

  test('parseBy lower-cases, trims and de-duplicates', () => {
    assert.deepEqual(parseBy('Feature, MODEL ,feature'), ['feature', 'model']);
    assert.equal(parseBy(undefined), undefined);
    assert.equal(parseBy(''), undefined);
  });
});
