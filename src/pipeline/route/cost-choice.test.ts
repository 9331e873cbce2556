import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { perMillionToPerToken as pm } from '../../core/money.js';
import type { PriceEntry } from '../../pricing/price.js';
import { assessCandidate, chooseTargets, type RequestNeeds } from './cost-choice.js';

const entry = (
  model: string,
  input: string,
  output: string,
  extra: Partial<PriceEntry> = {},
): PriceEntry => ({
  model,
  provider: 'test',
  source: 'test',
  input: pm(input),
  output: pm(output),
  ...extra,
});

const PRICES: Record<string, PriceEntry> = {
  // Cheap at short lengths, dear above 128k tokens.
  tiered: entry('tiered', '1', '2', {
    contextWindow: 1_000_000,
    tiers: [{ aboveInputTokens: 128_000, input: pm('4'), output: pm('8') }],
  }),
  flat: entry('flat', '2', '4', { contextWindow: 1_000_000 }),
  tiny: entry('tiny', '0.1', '0.2', { contextWindow: 8_000, maxOutput: 1_000 }),
  notools: entry('notools', '0.05', '0.1', { capabilities: { tools: false, vision: false } }),
};
const priceOf = (m: string) => PRICES[m];
const needs = (over: Partial<RequestNeeds> = {}): RequestNeeds => ({
  promptTokens: 1_000,
  expectedOutputTokens: 200,
  tools: false,
  images: false,
  json: false,
  ...over,
});

describe('cost-aware choice', () => {
  test('a short prompt goes to the cheapest list price', () => {
    const c = chooseTargets(['flat', 'tiered', 'tiny', 'notools'], priceOf, needs(), 'cheapest');
    assert.deepEqual(c.ordered, ['notools', 'tiny', 'tiered', 'flat']);
  });

  test('a long prompt goes to the model cheapest at that length (its long-context tier counts)', () => {
    const c = chooseTargets(['tiered', 'flat'], priceOf, needs({ promptTokens: 200_000 }), 'cheapest');
    assert.deepEqual(c.ordered, ['flat', 'tiered']);
    const tiered = c.verdicts.find((v) => v.model === 'tiered')!;
    assert.equal(tiered.tierAbove, 128_000);
    // 200k × $4/M + 200 × $8/M at the tier, not the base $1/M.
    assert.equal(tiered.estCost, 200_000n * pm('4') + 200n * pm('8'));
  });

  test('a model whose context window is too small is excluded, with the reason', () => {
    const c = chooseTargets(['tiny', 'flat'], priceOf, needs({ promptTokens: 20_000 }), 'cheapest');
    assert.deepEqual(c.ordered, ['flat']);
    const v = c.verdicts.find((x) => x.model === 'tiny')!;
    assert.equal(v.fits, false);
    assert.match(v.reason ?? '', /context window 8000/);
  });

  test('max_tokens above a model’s max output excludes it', () => {
    const v = assessCandidate('tiny', PRICES.tiny, needs({ promptTokens: 100, maxTokens: 4_000 }));
    assert.equal(v.fits, false);
    assert.match(v.reason ?? '', /max output 1000/);
  });

  test('a model without tool support is excluded when the request has tools; unknown capabilities pass', () => {
    const c = chooseTargets(['notools', 'tiny'], priceOf, needs({ tools: true }), 'cheapest');
    assert.deepEqual(c.ordered, ['tiny']);
    assert.equal(c.verdicts[0]!.reason, 'no tool support');
    assert.equal(
      assessCandidate('notools', PRICES.notools, needs({ images: true })).reason,
      'no image input',
    );
  });

  test('ordered mode keeps the configured order; unpriced models sort last in cheapest mode', () => {
    assert.deepEqual(chooseTargets(['flat', 'tiny'], priceOf, needs(), 'ordered').ordered, ['flat', 'tiny']);
    assert.deepEqual(chooseTargets(['mystery', 'flat'], priceOf, needs(), 'cheapest').ordered, [
      'flat',
      'mystery',
    ]);
  });

  test('expected output is capped by max_tokens in the estimate', () => {
    const v = assessCandidate('flat', PRICES.flat, needs({ expectedOutputTokens: 1000, maxTokens: 10 }));
    assert.equal(v.estCost, 1000n * pm('2') + 10n * pm('4'));
  });
});
