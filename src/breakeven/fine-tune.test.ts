import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { perMillionToPerToken as pm, usd } from '../core/money.js';
import { fineTuneBreakEven } from './fine-tune.js';

// The seed's three figures per 1M requests — GPT-4 prompting $30K, GPT-3.5 prompting $500, fine-tuned
// GPT-3.5 $300 training + $400 inference — all follow from ONE set of inputs: 1,000 input tokens and a
// negligible answer (a label) per request, GPT-4 at $30/$60 and GPT-3.5 at $0.50/$1.50 per 1M tokens,
// and a fine-tuned prompt 20% shorter (instructions dropped) billed at GPT-3.5 rates.
const GPT4 = { input: pm('30'), output: pm('60') };
const GPT35 = { input: pm('0.5'), output: pm('1.5') };
const seed = {
  requestsPerMonth: 1_000_000,
  avgInputTokens: 1000,
  avgOutputTokens: 0,
  todayPrice: GPT4,
  fineTunedPrice: GPT35,
  promptShrink: 0.2,
  // $300 of training: 12.5M tokens × 3 epochs × $8 per 1M training tokens.
  trainingTokens: 12_500_000,
  epochs: 3,
  trainingPricePerToken: pm('8'),
};

describe('fine-tuning break-even', () => {
  test('seed per 1M requests (1,000 input tokens, label output, 20% shorter fine-tuned prompt): GPT-4 $30K vs fine-tuned GPT-3.5 $300 + $400 = $700', () => {
    const r = fineTuneBreakEven(seed);
    assert.equal(r.todayPerRequest, usd('0.03'));
    assert.equal(r.fineTunedPerRequest, usd('0.0004'));
    assert.equal(r.trainingRunCost, usd('300'));
    assert.equal(r.perMillion.today, usd('30000'));
    assert.equal(r.perMillion.fineTuned, usd('700'));
    assert.equal(r.monthlyToday, usd('30000'));
    assert.equal(r.monthlyFineTuned, usd('400'));
  });

  test('same inputs, GPT-3.5 prompting costs the seed’s $500 per 1M requests', () => {
    const r = fineTuneBreakEven({ ...seed, todayPrice: GPT35 });
    assert.equal(r.perMillion.today, usd('500'));
    // Against GPT-3.5 prompting the fine-tune saves only $0.0001 a request: $300 takes 3M requests.
    assert.equal(r.breakEvenRequests, 3_000_000);
  });

  test('one $300 training run against GPT-4 breaks even after 10,136 requests ($300 / $0.0296), not 50K', () => {
    const r = fineTuneBreakEven(seed);
    assert.equal(r.savingPerRequest, usd('0.0296'));
    assert.equal(r.breakEvenRequests, 10_136);
  });

  test('seed’s ~50K break-even holds when the one-time cost is ~$1,500: five $300 training runs until quality matches GPT-4', () => {
    const r = fineTuneBreakEven({ ...seed, trainingRuns: 5 });
    assert.equal(r.oneTimeCost, usd('1500'));
    assert.equal(r.breakEvenRequests, 50_676); // $1,500 / $0.0296
    assert.ok(Math.abs(r.breakEvenRequests! - 50_000) / 50_000 < 0.02);
  });

  test('a measured cost per request overrides tokens × price, and other one-time cost adds up', () => {
    const r = fineTuneBreakEven({ ...seed, todayCostPerRequest: usd('0.0104'), oneTimeCost: usd('700') });
    assert.equal(r.savingPerRequest, usd('0.01'));
    assert.equal(r.oneTimeCost, usd('1000'));
    assert.equal(r.breakEvenRequests, 100_000);
    assert.equal(r.paybackMonths, 0.1);
  });

  test('no saving means no break-even', () => {
    const r = fineTuneBreakEven({ ...seed, todayPrice: { input: pm('0.4'), output: pm('1') } });
    assert.equal(r.breakEvenRequests, null);
    assert.equal(r.paybackMonths, null);
  });

  test('fractional average tokens are priced exactly to the picodollar', () => {
    const r = fineTuneBreakEven({ ...seed, avgInputTokens: 250.5, avgOutputTokens: 0.25, promptShrink: 0 });
    // 250.5 × $30/M + 0.25 × $60/M = $0.007515 + $0.000015
    assert.equal(r.todayPerRequest, usd('0.00753'));
  });

  test('rejects a prompt shrink of 100% or more', () => {
    assert.throws(() => fineTuneBreakEven({ ...seed, promptShrink: 1 }), RangeError);
  });
});
