import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeEntry } from '../ledger/entry-fixtures.js';
import { MemoryLedger } from '../ledger/memory-ledger.js';
import { lintPrompt } from './lint-prompt.js';
import { featureVolume, monthlyCost } from './volume-cost.js';

const VERBOSE = `You are a highly experienced customer service representative with deep knowledge of our products.
Please answer the customer's question accurately. It is very important that you answer in English.
Answer using the provided context. Answer using the provided context.
Thank you very much!`;

describe('lintPrompt', () => {
  test('flags preamble, politeness, filler and duplicates with their token cost', () => {
    const r = lintPrompt(VERBOSE);
    const rules = new Set(r.findings.map((f) => f.rule));
    for (const rule of ['preamble', 'politeness', 'filler', 'duplicate'] as const)
      assert.ok(rules.has(rule), rule);
    assert.ok(r.findings.every((f) => f.tokens > 0));
    assert.equal(r.exact, true);
    assert.ok(r.rewriteTokens < r.tokens / 2, `${r.rewriteTokens} of ${r.tokens}`);
    assert.equal(
      r.rewrite,
      "Answer the customer's question accurately. You answer in English.\nAnswer using the provided context.",
    );
    assert.ok(r.changes.some((c) => c.includes('preamble')));
  });

  test('dynamic content before stable text is flagged and moved to the end; at the end it is fine', () => {
    const stable = Array.from(
      { length: 12 },
      (_, i) => `Rule ${i + 1}: apply policy section ${i + 1} as written.`,
    ).join(' ');
    const early = lintPrompt(`Current date: 2025-06-01T10:00:00Z\n${stable}`);
    const d = early.findings.find((f) => f.rule === 'dynamic');
    assert.ok(d && d.tokens >= 50);
    assert.match(early.rewrite, /Current date: 2025-06-01T10:00:00Z$/);
    const late = lintPrompt(`${stable}\nCurrent date: 2025-06-01`);
    assert.equal(
      late.findings.some((f) => f.rule === 'dynamic'),
      false,
    );
  });

  test('a tidy prompt has nothing to say', () => {
    const r = lintPrompt('Answer in one sentence using the context.');
    assert.deepEqual(r.findings, []);
    assert.equal(r.rewrite, 'Answer in one sentence using the context.');
  });
});

describe('volume cost', () => {
  test('monthly cost at a volume; the volume from the ledger is over days with traffic', async () => {
    // 100 tokens × 1000 requests/day × 30 days × $2.50/M = $7.50
    assert.equal(monthlyCost(100, 1000, 2_500_000n), 7_500_000_000_000n);
    const now = Date.UTC(2025, 5, 30);
    const ledger = new MemoryLedger();
    for (let d = 0; d < 3; d++)
      for (let i = 0; i < 4; i++)
        ledger.append(
          makeEntry({
            feature: 'faq',
            ts: now - d * 86_400_000 - 1000,
            servedModel: 'gpt-4o-mini',
            requestedModel: 'gpt-4o-mini',
          }),
        );
    const v = await featureVolume(ledger, 'faq', now);
    assert.equal(v.days, 3);
    assert.equal(v.requestsPerDay, 4);
    assert.equal(v.model, 'gpt-4o-mini');
  });
});

describe('penny lint-prompt (command)', () => {
  test('prices findings at the feature volume and model from the ledger', async () => {
    const { lintPromptCommand } = await import('../cli/lint-prompt.js');
    const { loadCatalog } = await import('../pricing/catalog.js');
    const ledger = new MemoryLedger();
    const now = Date.now();
    for (let i = 0; i < 20; i++) ledger.append(makeEntry({ feature: 'support', ts: now - 1000 - i }));
    const out = await lintPromptCommand({
      text: VERBOSE,
      feature: 'support',
      ledger,
      catalog: loadCatalog({}),
      json: true,
    });
    const r = JSON.parse(out) as {
      requestsPerDay: number;
      model: string;
      savedTokens: number;
      savedMonthlyUsd: string;
    };
    assert.equal(r.requestsPerDay, 20);
    assert.equal(r.model, 'gpt-4o');
    assert.ok(r.savedTokens > 0);
    assert.match(r.savedMonthlyUsd, /^\$\d/);
    const text = await lintPromptCommand({ text: VERBOSE, requestsPerDay: 1000, catalog: loadCatalog({}) });
    assert.match(text, /proposed rewrite: \d+ tokens \(\d+ fewer, \$[\d.]+\/month\)/);
  });
});
