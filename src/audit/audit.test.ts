import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatUsd } from '../core/money.js';
import { runAudit } from './audit.js';
import { renderAuditHtml } from './render-html.js';
import { renderAuditJson, renderAuditText } from './render-text.js';
import { testPricing } from './test-support.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/audit/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'penny-audit-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('runAudit', () => {
  test('OpenAI fixture: exact spend by feature / user / model, scaled from a one-day span to 30 days', async () => {
    const r = await runAudit(join(FIXTURES, 'openai.jsonl'), { pricing: testPricing() });
    // $0.00275 (200 uncached + 1000 cached + 100 out on gpt-4o) + $0.004 + $0.00066 (gpt-4) + $0.0000009 (mini, estimated)
    assert.equal(r.total.cost, 7_410_900_000n);
    assert.equal(r.span.days, 1);
    assert.equal(r.span.assumed, false);
    assert.equal(r.total.monthly, 7_410_900_000n * 30n);
    assert.equal(r.total.estimatedUsage, 1);
    assert.deepEqual(
      r.byFeature.map((x) => [x.key, x.requests, x.cost]),
      [
        ['support', 2, 6_750_000_000n],
        ['sentiment', 1, 660_000_000n],
        ['(none)', 1, 900_000n],
      ],
    );
    assert.deepEqual(
      r.byUser.map((x) => x.key),
      ['u1', 'u2', '(none)'],
    );
    assert.equal(r.byModel[0]!.key, 'gpt-4o-2024-08-06');
    assert.equal(r.pareto.featuresFor80, 1);
    assert.equal(r.malformed.count, 2);
    const cache = r.opportunities.find((o) => o.tactic === 'response-cache')!;
    assert.equal(cache.observed, 4_000_000_000n);
    assert.equal(cache.monthly, 120_000_000_000n);
    const routing = r.opportunities.find((o) => o.tactic === 'routing')!;
    assert.equal(routing.requests, 1);
    // opportunities come sorted by $/month
    assert.equal(r.opportunities[0]!.tactic, 'response-cache');
  });

  test('no timestamps: assumes 30 days and says so', async () => {
    const file = join(tmp, 'no-ts.csv');
    writeFileSync(
      file,
      'feature,model,input_tokens,output_tokens\nbot,gpt-4o,1000,100\nbot,gpt-4o,1000,100\n',
    );
    const r = await runAudit(file, { pricing: testPricing() });
    assert.equal(r.span.assumed, true);
    assert.equal(r.total.cost, 7_000_000_000n);
    assert.equal(r.total.monthly, r.total.cost);
    assert.ok(r.notes.some((n) => n.startsWith('no timestamps in the log: assumed it covers 30 days')));
    // CSV has no prompt text: those estimators say so rather than report $0
    assert.equal(r.opportunities.find((o) => o.tactic === 'compression')!.applicable, false);
  });

  test('unpriced models: cost unknown, not $0, and listed', async () => {
    const file = join(tmp, 'unpriced.csv');
    writeFileSync(file, 'model,input_tokens,output_tokens\nmystery-model,10,10\ngpt-4o,1000,100\n');
    const r = await runAudit(file, { pricing: testPricing() });
    assert.equal(r.total.unpriced, 1);
    assert.deepEqual(r.unpricedModels, [{ model: 'mystery-model', requests: 1 }]);
    assert.equal(r.byModel.find((m) => m.key === 'mystery-model')!.unpriced, 1);
  });

  test('every format reads: Anthropic, Batch, ledger export, CSV', async () => {
    const a = await runAudit(join(FIXTURES, 'anthropic.jsonl'), { pricing: testPricing() });
    // $0.003525 + $0.00168 (10 in, 100 5m + 200 1h writes, 5 out) + $0.00225 (batch at half price)
    assert.equal(a.total.cost, 7_455_000_000n);
    const b = await runAudit(join(FIXTURES, 'openai-batch.jsonl'), { pricing: testPricing() });
    assert.equal(b.total.cost, 105_000_000n); // 1000 × $0.075/M + 100 × $0.30/M (mini batch prices)
    const l = await runAudit(join(FIXTURES, 'ledger.jsonl'), { pricing: testPricing() });
    assert.equal(l.total.cost, 540_000_000n);
    assert.equal(l.opportunities.find((o) => o.tactic === 'response-cache')!.observed, 270_000_000n);
    const c = await runAudit(join(FIXTURES, 'usage.csv'), { pricing: testPricing() });
    assert.equal(c.total.cost, 3_370_000_000n);
  });
});

describe('audit output', () => {
  test('HTML report is self-contained and carries the numbers', async () => {
    const r = await runAudit(join(FIXTURES, 'openai.jsonl'), { pricing: testPricing() });
    const html = renderAuditHtml(r);
    assert.ok(html.startsWith('<!doctype html>'));
    assert.ok(html.includes('<style>'));
    assert.equal((html.match(/<svg /g) ?? []).length, 4); // feature, pareto, model, tactics
    assert.ok(html.includes(formatUsd(r.total.cost, 4)));
    assert.ok(html.includes('$0.0068')); // support feature
    assert.ok(html.includes('$0.12 per month')); // response cache
    assert.ok(html.includes('line 3: invalid JSON'));
    assert.doesNotMatch(html, /https?:\/\//);
    assert.doesNotMatch(html, /<script|<link|src=|@import|url\(/i);
  });

  test('HTML escapes text from the log', async () => {
    const file = join(tmp, 'xss.csv');
    writeFileSync(file, 'feature,model,input_tokens,output_tokens\n<script>alert(1)</script>,gpt-4o,10,10\n');
    const html = renderAuditHtml(await runAudit(file, { pricing: testPricing() }));
    assert.ok(!html.includes('<script>'));
    assert.ok(html.includes('&#60;script&#62;'));
  });

  test('terminal summary and JSON', async () => {
    const r = await runAudit(join(FIXTURES, 'openai.jsonl'), { pricing: testPricing() });
    const text = renderAuditText(r);
    assert.match(text, /spend in the log: \$0\.0074 {2}≈ \$0\.22 per month/);
    assert.match(text, /80\/20: 1 of 3 features make 80% of the spend/);
    assert.match(text, /line 7: not an OpenAI, Anthropic or ledger-export line/);
    assert.ok(!text.includes(`${String.fromCharCode(27)}[`)); // no colour codes
    const json = JSON.parse(renderAuditJson(r));
    assert.equal(json.total.cost, '0.0074109');
    assert.equal(json.byFeature[0].key, 'support');
  });
});
