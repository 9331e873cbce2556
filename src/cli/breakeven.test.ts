import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TEST_PRICES } from '../audit/test-support.js';
import { makeEntry } from '../ledger/entry-fixtures.js';
import { MemoryLedger } from '../ledger/memory-ledger.js';
import { breakevenCommand } from './breakeven.js';

const priceLookup = (m: string) => TEST_PRICES.find((p) => p.model === m);

describe('penny breakeven', () => {
  test('the seed’s figures from flags: five $300 runs break even near 50K requests; $2K/month vs $0.0045 near 15K/day', async () => {
    const out = await breakevenCommand({
      requestsPerMonth: 1_000_000,
      inputTokens: 1000,
      outputTokens: 0,
      model: 'gpt-4',
      fineTunedInputPrice: '0.5',
      fineTunedOutputPrice: '1.5',
      promptShrink: 0.2,
      trainingTokens: 12_500_000,
      epochs: 3,
      trainingPrice: '8',
      trainingRuns: 5,
      infraMonthly: '2000',
      apiCostPerRequest: '0.0045',
      priceLookup,
    });
    assert.match(out, /cost per request today\s+│ \$0\.03 \(gpt-4 prices × tokens\)/);
    assert.match(out, /break-even\s+│ 50,676 requests/);
    assert.match(out, /saving per request\s+│ \$0\.0296 /);
    assert.match(out, /per 1M requests: today vs fine-tuned \(incl\. one-time\) │ \$30000\.00 vs \$1900\.00/);
    assert.doesNotMatch(out, /measured, not priced/);
    assert.match(out, /break-even\s+│ 14,815 requests per day/);
    assert.match(out, /training: 12500000 tokens × 3 epochs × 5 runs/);
  });

  test('volumes and measured cost from a feature in the ledger', async () => {
    const ledger = new MemoryLedger();
    const t0 = Date.UTC(2025, 0, 1);
    for (let i = 0; i < 4; i++) {
      ledger.append(
        makeEntry({
          feature: 'tickets',
          servedModel: 'gpt-4',
          ts: t0 + i * 3_600_000,
          inputUncached: 1000,
          outputText: 0,
          cost: 30_000_000_000n,
        }),
      );
    }
    const out = await breakevenCommand({
      ledger,
      feature: 'tickets',
      gpuHourly: '2.5',
      gpus: 1,
      priceLookup,
    });
    assert.match(out, /feature "tickets": 4 requests over 1\.0 days with traffic/);
    assert.match(out, /cost per request today\s+│ \$0\.03 \(measured in the ledger for "tickets"\)/);
    // $2.50 × 720 h = $1,800 a month; / 30 / $0.03 = 2,000 requests a day
    assert.match(out, /break-even\s+│ 2,000 requests per day/);
    assert.match(out, /Fine-tuning\n {2}not computed; needs .*--training-tokens/);
  });

  test('names the missing flags instead of guessing', async () => {
    const out = await breakevenCommand({ priceLookup });
    assert.match(out, /Self-hosting\n {2}not computed; needs --gpu-hourly or --infra-monthly/);
  });
});
