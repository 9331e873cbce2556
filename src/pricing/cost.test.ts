// Table tests for the cost engine. Every expected value is computed by hand from the rates in
// shared/reference/pricing.md and price-table.md (1 USD per 1M tokens = 1_000_000 picodollars per token).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { calcPrice } from '@pydantic/genai-prices';
import { formatUsd, moneyToDecimal, perMillionToPerToken, sumMoney } from '../core/money.js';
import type { Usage } from '../core/usage.js';
import { loadCatalog } from './catalog.js';
import { COST_FLAGS, computeCost, estimateCost, halfRate, selectTier } from './cost.js';
import type { PriceEntry } from './price.js';

const NOW = new Date('2026-11-27T00:00:00Z');
const catalog = loadCatalog({ now: NOW });

function price(model: string, provider?: string): PriceEntry {
  const e = catalog.lookup(model, provider);
  assert.ok(e, `${model} should be priced`);
  return e;
}

function usage(u: Partial<Usage>): Usage {
  return {
    inputUncached: 0,
    cacheRead: 0,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    outputText: 0,
    reasoning: 0,
    ...u,
  };
}

/** Micro-dollars (USD × 10^6) → picodollars, so the tables read like the hand computations. */
const micro = (n: bigint) => n * 1_000_000n;

describe('computeCost: hand-computed table', () => {
  const cases: {
    name: string;
    model: string;
    provider?: string;
    usage: Partial<Usage>;
    batch?: boolean;
    expected: bigint;
    flags?: string[];
    tierAbove?: number;
  }[] = [
    {
      // OpenAI prompt_tokens 2710 incl. cached_tokens 400 → canonical 2310 uncached + 400 read; 100 completion.
      // 2310×2.5 + 400×1.25 + 100×10 = 5775 + 500 + 1000 = 7275 µ$ = $0.007275
      name: 'gpt-4o with cached tokens (the $0.007275 case)',
      model: 'gpt-4o',
      usage: { inputUncached: 2310, cacheRead: 400, outputText: 100 },
      expected: micro(7275n),
    },
    {
      // gpt-5: cached input 0.125 = 10% of 1.25. 1000×1.25 + 9000×0.125 + 500×10 = 1250 + 1125 + 5000
      name: 'gpt-5 with a 90% cache discount',
      model: 'gpt-5',
      usage: { inputUncached: 1000, cacheRead: 9000, outputText: 500 },
      expected: micro(7375n),
    },
    {
      // o3 (since 2025-06-10: 2 / 0.5 / 8): 1500×2 + 200×8 + 1800×8 (reasoning billed as output)
      name: 'o3 reasoning tokens billed as output',
      model: 'o3',
      usage: { inputUncached: 1500, outputText: 200, reasoning: 1800 },
      expected: micro(3000n + 1600n + 14_400n),
    },
    {
      // Sonnet 4.5: 3 / read 0.3 (0.1×) / 5m 3.75 (1.25×) / 1h 6 (2×) / out 15; prompt 19,000 < 200K
      // 2000×3 + 10000×0.3 + 3000×3.75 + 4000×6 + 500×15 = 6000 + 3000 + 11250 + 24000 + 7500
      name: 'Sonnet 4.5 with cache read + 5m write + 1h write',
      model: 'claude-sonnet-4-5',
      usage: {
        inputUncached: 2000,
        cacheRead: 10_000,
        cacheWrite5m: 3000,
        cacheWrite1h: 4000,
        outputText: 500,
      },
      expected: micro(51_750n),
    },
    {
      // Only 150K uncached, but the TOTAL prompt is 210K > 200K, so the whole request is at the tier:
      // 150000×6 + 60000×0.6 + 1000×22.5 = 900000 + 36000 + 22500 µ$ = $0.9585
      name: 'Sonnet 4.5 above the 200K tier (selected by total prompt incl. cache)',
      model: 'claude-sonnet-4-5',
      usage: { inputUncached: 150_000, cacheRead: 60_000, outputText: 1000 },
      expected: micro(958_500n),
      tierAbove: 200_000,
    },
    {
      // Exactly 200,000 prompt tokens is not "above 200K": 200000×3 + 1000×15
      name: 'Sonnet 4.5 at exactly 200K stays on base rates',
      model: 'claude-sonnet-4-5',
      usage: { inputUncached: 200_000, outputText: 1000 },
      expected: micro(615_000n),
    },
    {
      // gpt-5.4 >272K: 5 / 0.5 / 22.5. 200000×5 + 100000×0.5 + 2000×22.5 = 1,000,000 + 50,000 + 45,000 µ$
      name: 'gpt-5.4 above 272K',
      model: 'gpt-5.4',
      usage: { inputUncached: 200_000, cacheRead: 100_000, outputText: 2000 },
      expected: micro(1_095_000n),
      tierAbove: 271_999,
    },
    {
      // 271,999 total is below 272K: 271999×2.5 + 1000×15 = 679997.5 + 15000
      name: 'gpt-5.4 just below 272K stays on base rates',
      model: 'gpt-5.4',
      usage: { inputUncached: 271_999, outputText: 1000 },
      expected: 694_997_500_000n,
    },
    {
      // gemini-2.5-pro >200K: 2.5 / 0.25 / 15. 250000×2.5 + 50000×0.25 + 4000×15 = 625000 + 12500 + 60000
      name: 'gemini-2.5-pro above 200K',
      model: 'gemini-2.5-pro',
      usage: { inputUncached: 250_000, cacheRead: 50_000, outputText: 4000 },
      expected: micro(697_500n),
      tierAbove: 200_000,
    },
    {
      // Batch (derived 0.5×): 10000×1.25 + 2000×5 = 12500 + 10000
      name: 'gpt-4o batch',
      model: 'gpt-4o',
      usage: { inputUncached: 10_000, outputText: 2000 },
      batch: true,
      expected: micro(22_500n),
    },
    {
      // Batch stacks with cache multipliers: 2000×1.5 + 10000×0.15 + 3000×1.875 + 500×7.5 = 3000 + 1500 + 5625 + 3750
      name: 'Sonnet 4.5 batch with cache',
      model: 'claude-sonnet-4-5',
      usage: { inputUncached: 2000, cacheRead: 10_000, cacheWrite5m: 3000, outputText: 500 },
      batch: true,
      expected: micro(13_875n),
      flags: [],
    },
    {
      // Groq lists no cache-read price: 1000 cached tokens at input 0.59 + 1000 uncached × 0.59 + 100 × 0.79
      name: 'cache read on a model without a cache-read price',
      model: 'llama-3.3-70b-versatile',
      usage: { inputUncached: 1000, cacheRead: 1000, outputText: 100 },
      expected: micro(590n + 590n + 79n),
      flags: [COST_FLAGS.cacheReadAsInput],
    },
    {
      // gpt-4o lists no write price: 100 written tokens at input 2.5 (no 1.25× multiplier assumed)
      name: 'cache write on a model without a write price',
      model: 'gpt-4o',
      usage: { inputUncached: 1000, cacheWrite5m: 100, outputText: 10 },
      expected: micro(2500n + 250n + 100n),
      flags: [COST_FLAGS.cacheWriteAsInput],
    },
  ];

  for (const c of cases) {
    test(c.name, () => {
      const r = computeCost(
        usage(c.usage),
        price(c.model, c.provider),
        c.batch ? { batch: true } : undefined,
      );
      assert.equal(r.cost, c.expected);
      if (c.flags) assert.deepEqual(r.flags, c.flags);
      assert.equal(r.tierAbove, c.tierAbove);
      const b = r.breakdown!;
      assert.equal(b.input + b.cacheRead + b.cacheWrite5m + b.cacheWrite1h + b.output + b.reasoning, r.cost);
    });
  }
});

describe('computeCost: rules', () => {
  test('an unpriced model costs null with a flag, never 0', () => {
    const r = computeCost(usage({ inputUncached: 100, outputText: 10 }), catalog.lookup('no-such-model-x'));
    assert.equal(r.cost, null);
    assert.equal(r.breakdown, null);
    assert.deepEqual(r.flags, [COST_FLAGS.unpriced]);
  });

  test('$0.007275 is exact here while genai-prices floats give 0.007274999999999999', () => {
    const r = computeCost(usage({ inputUncached: 2310, cacheRead: 400, outputText: 100 }), price('gpt-4o'));
    assert.equal(r.cost, 7_275_000_000n);
    assert.equal(moneyToDecimal(r.cost!), '0.007275');
    const floaty = calcPrice({ input_tokens: 2710, cache_read_tokens: 400, output_tokens: 100 }, 'gpt-4o', {
      providerId: 'openai',
      timestamp: NOW,
    });
    assert.equal(floaty?.total_price, 0.007274999999999999);
  });

  test('1,000,000 identical small requests sum to exactly 1,000,000 × one', () => {
    // gpt-4o-mini: 37×0.15 + 13×0.6 = 5.55 + 7.8 = 13.35 µ$ per request
    const one = computeCost(usage({ inputUncached: 37, outputText: 13 }), price('gpt-4o-mini')).cost!;
    assert.equal(one, 13_350_000n);
    const costs: bigint[] = [];
    for (let i = 0; i < 1_000_000; i++) costs.push(one);
    const total = sumMoney(costs);
    assert.equal(total, one * 1_000_000n);
    assert.equal(total, 13_350_000_000_000n);
    assert.equal(formatUsd(total), '$13.35');
    let float = 0;
    for (let i = 0; i < 1_000_000; i++) float += 13.35e-6;
    assert.notEqual(float, 13.35, 'a float sum drifts; the bigint sum above does not');
  });

  test('date-conditional prices: o3 before the 2025-06-10 cut costs 10 / 40', () => {
    const old = loadCatalog({ now: new Date('2025-05-01T00:00:00Z'), providers: ['openai'] }).lookup('o3');
    // 1500×10 + 200×40 + 1800×40
    assert.equal(
      computeCost(usage({ inputUncached: 1500, outputText: 200, reasoning: 1800 }), old).cost,
      micro(95_000n),
    );
  });

  test('reasoning uses its own price when the entry has one', () => {
    const p: PriceEntry = {
      model: 'r',
      provider: 'custom',
      source: 'test',
      input: perMillionToPerToken('1'),
      output: perMillionToPerToken('4'),
      reasoning: perMillionToPerToken('3.5'),
    };
    const r = computeCost(usage({ outputText: 100, reasoning: 1000 }), p);
    assert.equal(r.breakdown!.reasoning, micro(3500n));
    assert.equal(r.cost, micro(400n + 3500n));
  });

  test('the highest tier the prompt exceeds wins, whatever the tier order', () => {
    const p: PriceEntry = {
      model: 't',
      provider: 'custom',
      source: 'test',
      input: perMillionToPerToken('1'),
      output: perMillionToPerToken('2'),
      tiers: [
        { aboveInputTokens: 200_000, input: perMillionToPerToken('3'), output: perMillionToPerToken('6') },
        { aboveInputTokens: 128_000, input: perMillionToPerToken('2'), output: perMillionToPerToken('4') },
      ],
    };
    assert.equal(selectTier(p, 100_000), undefined);
    assert.equal(selectTier(p, 150_000)?.aboveInputTokens, 128_000);
    assert.equal(selectTier(p, 250_000)?.aboveInputTokens, 200_000);
    // 150000×2 + 100×4
    assert.equal(computeCost(usage({ inputUncached: 150_000, outputText: 100 }), p).cost, micro(300_400n));
  });

  test('batch without listed batch prices assumes 0.5× and says so', () => {
    const p: PriceEntry = {
      model: 'b',
      provider: 'custom',
      source: 'test',
      input: perMillionToPerToken('3'),
      output: perMillionToPerToken('15'),
    };
    const r = computeCost(usage({ inputUncached: 1000, outputText: 100 }), p, { batch: true });
    assert.equal(r.cost, micro(1500n + 750n));
    assert.deepEqual(r.flags, [COST_FLAGS.batchAssumed]);
  });

  test('estimated usage is flagged', () => {
    const r = computeCost({ ...usage({ inputUncached: 10 }), estimated: true }, price('gpt-4o'));
    assert.ok(r.flags.includes(COST_FLAGS.estimated));
  });

  test('halfRate rounds half up to a whole picodollar', () => {
    assert.equal(halfRate(2_500_000n), 1_250_000n);
    assert.equal(halfRate(3n), 2n);
  });
});

describe('estimateCost', () => {
  test('prices a request before it runs', () => {
    // gpt-4o: 1000×2.5 + 500×10
    assert.equal(estimateCost(1000, 500, price('gpt-4o')), micro(7500n));
    // gemini-2.5-pro with a 300K prompt is priced at the tier: 300000×2.5 + 1000×15
    assert.equal(estimateCost(300_000, 1000, price('gemini-2.5-pro')), micro(765_000n));
  });

  test('unknown price → null', () => {
    assert.equal(estimateCost(1000, 500, undefined), null);
  });
});
