import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeEntry } from '../ledger/entry-fixtures.js';
import type { GroupKey } from '../ledger/ledger.js';
import { MemoryLedger } from '../ledger/memory-ledger.js';
import { buildReport } from './build-report.js';
import { csvField, csvText, renderReportCsv } from './render-csv.js';
import { renderReportJson } from './render-json.js';
import { renderReportTable } from './render-table.js';
import { FIXTURE_DAY0, reportFixture } from './report-fixtures.js';

async function fixtureReport(by: GroupKey[] = ['feature'], also: GroupKey[][] = [['model'], ['user']]) {
  const ledger = new MemoryLedger();
  for (const e of reportFixture()) ledger.append(e);
  return buildReport(ledger, { by, also, from: FIXTURE_DAY0, to: FIXTURE_DAY0 + 3 * 86_400_000 });
}

function lineOf(text: string, needle: string): string {
  const line = text.split('\n').find((l) => l.includes(needle));
  assert.ok(line, `no line with "${needle}"`);
  return line;
}

describe('renderReportTable', () => {
  test('totals, sections, savings and the 80/20 view', async () => {
    const text = renderReportTable(await fixtureReport());
    assert.match(text, /^Penny report — 2025-09-01 00:00 UTC → 2025-09-04 00:00 UTC\n/);
    assert.match(text, /Requests {3}505 \(3 errors\)/);
    assert.match(text, /Cost {7}\$2\.62463 \+ unknown \(100 unpriced\)/);
    assert.match(text, /Saved {6}\$1\.1636 \(30\.7% of baseline\)/);
    for (const heading of ['By feature', 'By model', 'By user', 'Savings by tactic']) {
      assert.ok(text.split('\n').includes(heading), heading);
    }
    assert.ok(text.includes('80/20: 3 of 12 features make 89% of spend'));
    assert.match(lineOf(text, '│ doc-summarize '), /\$0\.90 .*34\.3%/);
    assert.match(lineOf(text, '│ cache.prompt'), /\$0\.972 .*83\.5%/);
  });

  test('an unpriced group says unknown, never $0', async () => {
    const text = renderReportTable(await fixtureReport());
    const auto = lineOf(text, '│ autocomplete ');
    assert.ok(auto.includes('unknown (100 unpriced)'), auto);
    assert.ok(!auto.includes('$0.00 '), auto);
    const llama = lineOf(text, '│ llama-3.1-8b ');
    assert.ok(llama.includes('unknown (100 unpriced)'), llama);
    // A group that is really free (FAQ shortcuts never call a model) shows a real $0.
    assert.ok(lineOf(text, '│ 12 │ faq').includes('$0.00'));
  });

  test('no requests', async () => {
    const text = renderReportTable(await buildReport(new MemoryLedger(), { by: ['feature'] }));
    assert.equal(text, 'Penny report — all time\n\nNo requests recorded in this range.\n');
  });
});

describe('renderReportJson', () => {
  test('every amount is an exact decimal string; unpriced groups have cost null', async () => {
    const json = JSON.parse(renderReportJson(await fixtureReport())) as {
      range: { from: string; to: string };
      totals: { cost: string; baselineCost: string; savings: string; unpriced: number; requests: number };
      rows: { group: { feature: string }; cost: string | null; unpriced: number }[];
      sections: { by: string[] }[];
      savingsByTactic: { tactic: string; amount: string }[];
      pareto: { headline: string; coreCost: string; features: { feature: string; cost: string | null }[] };
    };
    assert.deepEqual(json.range, { from: '2025-09-01T00:00:00.000Z', to: '2025-09-04T00:00:00.000Z' });
    assert.equal(json.totals.cost, '2.62463');
    assert.equal(json.totals.baselineCost, '3.78823');
    assert.equal(json.totals.savings, '1.1636');
    assert.equal(json.totals.unpriced, 100);
    assert.deepEqual(json.rows[0], {
      ...json.rows[0],
      group: { feature: 'doc-summarize' },
      cost: '0.9',
    });
    const auto = json.rows.find((r) => r.group.feature === 'autocomplete');
    assert.equal(auto?.cost, null);
    assert.equal(auto?.unpriced, 100);
    assert.equal(json.rows.find((r) => r.group.feature === 'moderation')?.cost, '0.00192');
    assert.deepEqual(
      json.sections.map((s) => s.by),
      [['model'], ['user']],
    );
    assert.deepEqual(json.savingsByTactic[2], { tactic: 'shortcut', amount: '0.0036' });
    assert.equal(json.pareto.coreCost, '2.358');
    assert.equal(json.pareto.features.find((f) => f.feature === 'autocomplete')?.cost, null);
  });
});

describe('renderReportCsv', () => {
  test('header, one line per group, exact amounts, empty cost for unpriced', async () => {
    const csv = renderReportCsv(await fixtureReport(['feature', 'model'], []));
    const lines = csv.split('\r\n');
    assert.equal(lines.at(-1), '', 'ends with CRLF');
    assert.equal(
      lines[0],
      'feature,model,requests,errors,input_tokens,cache_read_tokens,cache_write_tokens,output_tokens,reasoning_tokens,cost_usd,unpriced,baseline_usd,savings_usd',
    );
    assert.equal(lines[1], 'doc-summarize,gpt-4o,26,1,300000,0,0,15000,0,0.9,0,0.9,0');
    assert.ok(lines.includes('autocomplete,llama-3.1-8b,100,0,70000,0,0,3000,0,,100,0,0'));
    assert.equal(lines.length, 1 + 12 + 1);
  });

  test('quotes fields per RFC 4180', async () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    const ledger = new MemoryLedger();
    ledger.append(makeEntry({ feature: 'legal, "contracts"' }));
    const csv = renderReportCsv(await buildReport(ledger, { by: ['feature'] }));
    assert.ok(csv.split('\r\n')[1]?.startsWith('"legal, ""contracts""",1,0,'));
  });

  test('client text that a spreadsheet would run as a formula is written as text; numbers keep their sign', async () => {
    for (const bad of ['=HYPERLINK("http://x")', '+1+2', '-2+3', '@SUM(A1)', '\tx', '\rx'])
      assert.equal(csvText(bad)[0], "'", bad);
    assert.equal(csvText('support'), 'support');
    assert.equal(csvText('a=b'), 'a=b');
    const ledger = new MemoryLedger();
    ledger.append(makeEntry({ feature: '=cmd|"/c calc"!A1' }));
    const line = renderReportCsv(await buildReport(ledger, { by: ['feature'] })).split('\r\n')[1] ?? '';
    assert.ok(line.startsWith(`"'=cmd|""/c calc""!A1",1,0,`), line);
    assert.equal(csvField('-0.25'), '-0.25');
  });
});
