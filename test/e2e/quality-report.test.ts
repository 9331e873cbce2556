import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { moneyToDecimal } from '../../src/core/money.js';
import { runQualityReport } from '../../src/cli/quality-report-run.js';
import {
  dropSchema,
  requirePostgres,
  TEST_DATABASE_URL,
  uniqueSchema,
} from '../../src/postgres/test-support.js';
import { wilson } from '../../src/quality/significance.js';
import { type QualityTraffic, startQualityTraffic } from './quality-traffic.js';

/** The report of quality-traffic.ts's traffic, checked number by number. */
async function checkJson(q: QualityTraffic, text: string): Promise<void> {
  const r = JSON.parse(text);
  assert.equal(r.bucket, 'day');
  assert.equal(r.stores, true);
  const route = r.tactics.find((t: { tactic: string }) => t.tactic === 'route');
  const saved = (await q.app.ledger.savingsByTactic({ feature: 'math' })).route!;
  assert.ok(saved > 0n);
  // 19 + 17 stored earlier, 6 of the 10 live treatment requests agree.
  const w = wilson(42, 50);
  assert.deepEqual(
    {
      feature: route.feature,
      evaluated: route.evaluated,
      agree: route.agree,
      noVerdict: route.noVerdict,
      floor: route.floor,
      rated: route.rated,
      good: route.good,
    },
    {
      feature: 'math',
      evaluated: 50,
      agree: 42,
      noVerdict: 0,
      floor: 0.5,
      rated: 5,
      good: 3,
    },
  );
  assert.equal(route.savings, moneyToDecimal(saved), 'exact savings as a decimal string');
  assert.equal(route.agreement.rate, 0.84);
  assert.equal(route.agreement.lower, w.lower);
  assert.equal(route.agreement.upper, w.upper);
  // The guardrail tripped at 6 agreements of 7 live verdicts (Wilson lower bound 0.487 < floor 0.5).
  assert.equal(route.mode, 'shadow');
  assert.equal(r.switches.length, 1);
  assert.deepEqual([r.switches[0].mode, r.switches[0].agree, r.switches[0].n], ['shadow', 6, 7]);
  // Ratings of unchanged requests are the feature's reference.
  const unchanged = r.tactics.find((t: { tactic: string }) => t.tactic === '(none)');
  assert.deepEqual([unchanged.rated, unchanged.good, unchanged.evaluated], [5, 4, 0]);
  assert.equal(unchanged.agreement, null, 'never evaluated: no made-up retention');
  // Retention over time: one point per day, oldest first.
  const series = r.series.find((s: { tactic: string }) => s.tactic === 'route');
  assert.deepEqual(
    series.points.map((p: { agree: number; n: number }) => [p.agree, p.n]),
    [
      [19, 20],
      [17, 20],
      [6, 10],
    ],
  );
  assert.equal(series.points[2].lower, wilson(6, 10).lower);
  // The experiment: control served as sent; treatment's verdicts joined by request id (not the history).
  const [exp] = r.experiments;
  assert.equal(exp.name, 'cheap-v1');
  const [control, treatment] = exp.arms;
  assert.deepEqual(
    [control.arm, control.requests, control.asSent, control.rated, control.good, control.evaluated],
    ['control', 5, true, 5, 4, 0],
  );
  assert.deepEqual(
    [
      treatment.arm,
      treatment.requests,
      treatment.asSent,
      treatment.rated,
      treatment.good,
      treatment.evaluated,
      treatment.agree,
    ],
    ['treatment', 10, false, 5, 3, 10, 6],
  );
  // Ratings 3/5 against 4/5: pooled .7, se = √(.7 · .3 · .4) = .28983, z = −.69007, p = .49;
  // agreement 6/10 against the answers as sent: Wilson [.31267, .83182].
  assert.match(
    exp.verdicts[0],
    /^treatment is \d+% cheaper, quality not significantly different \(ratings 60\.0% vs 80\.0%, p = 0\.49; agreement with control's answers as sent 60\.0%, 95% CI 31\.3%–83\.2%\), n = 20$/,
  );
}

describe('penny report --quality, on real traffic with shadow verdicts and feedback', () => {
  let q: QualityTraffic;
  before(async () => {
    q = await startQualityTraffic();
  });
  after(() => q.close());

  const run = (flags: Partial<Parameters<typeof runQualityReport>[0]>) =>
    runQualityReport({ config: q.configFile, since: '7d', format: 'table', ...flags });

  test('json: savings beside retention (rate, Wilson CI, n), feedback, the guardrail and the experiment', async () => {
    await checkJson(q, await run({ format: 'json' }));
  });

  test('table and csv', async () => {
    const table = await run({});
    assert.match(table, /Retention per feature and tactic/);
    assert.match(table, /│ math\s+│ route\s+│ \$[\d.]+\s+│ 84\.0%\s+│ 71\.5%–91\.7%\s+│ 50 /);
    assert.match(table, /SHADOW \(off\)/);
    assert.match(table, /Guardrail switches/);
    assert.match(table, /Experiment cheap-v1 \(feature math, running\)/);
    assert.match(table, /as sent/);
    assert.match(table, /treatment is \d+% cheaper, quality not significantly different/);

    const csv = await run({ format: 'csv' });
    const lines = csv.trimEnd().split('\r\n');
    assert.match(
      lines[0]!,
      /^section,feature,tactic,experiment,arm,requests,cost_per_request_usd,savings_usd,verdicts,agree,agreement_rate/,
    );
    const route = lines.find((l) => l.startsWith('tactic,math,route,'))!.split(',');
    assert.equal(route[8], '50');
    assert.equal(route[9], '42');
    assert.equal(route[10], '0.84');
    assert.equal(route[15], 'shadow');
    const arm = lines.find((l) => l.startsWith('arm,math,,cheap-v1,treatment,'))!;
    assert.match(arm, /,10,6,0\.6,/);
    assert.match(
      arm,
      /"treatment is \d+% cheaper, quality not significantly different \(ratings 60\.0% vs 80\.0%, p = 0\.49; /,
    );
  });

  test('per hour; an empty range; bad flags name themselves', async () => {
    const hourly = JSON.parse(await run({ format: 'json', since: '6h' }));
    assert.equal(hourly.bucket, 'hour');
    const route = hourly.series.find((s: { tactic: string }) => s.tactic === 'route');
    assert.equal(
      route.points.reduce((n: number, p: { n: number }) => n + p.n, 0),
      10,
      'only the live verdicts',
    );
    assert.match(route.points[0].bucket, /^\d{4}-\d\d-\d\dT\d\d:00Z$/);

    const empty = await run({ from: '2020-01-01', to: '2020-01-02', since: undefined });
    assert.match(empty, /No savings, shadow verdicts or ratings recorded in this range/);

    await assert.rejects(
      run({ bucket: 'week' }),
      /--bucket: unknown bucket "week"; valid buckets: hour, day/,
    );
    await assert.rejects(run({ by: 'model' }), /--by: the quality report is always per feature and tactic/);
    await assert.rejects(run({ format: 'jsonl' }), /--format jsonl exports entries/);
    await assert.rejects(run({ since: 'soon' }), /--since/);
  });
});

const skipPg = await requirePostgres('quality-report.test');

describe('penny report --quality on a PostgreSQL ledger', { skip: skipPg }, () => {
  let q: QualityTraffic;
  const schema = uniqueSchema('penny_quality_report');
  before(async () => {
    q = await startQualityTraffic({ ledger: { url: TEST_DATABASE_URL, schema } });
  });
  after(async () => {
    await q?.close();
    await dropSchema(schema);
  });

  test('the same numbers from the PostgreSQL ledger and quality tables', async () => {
    await checkJson(q, await runQualityReport({ config: q.configFile, since: '7d', format: 'json' }));
  });
});
