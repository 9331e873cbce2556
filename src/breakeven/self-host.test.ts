import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { perMillionToPerToken as pm, usd } from '../core/money.js';
import { costPerRequest } from './per-request.js';
import { selfHostBreakEven } from './self-host.js';

describe('self-hosting break-even', () => {
  test('seed: $2K/month self-hosted Llama 3 70B vs GPT-4 at $0.03/request breaks even at 2,223 requests/day, not 15K', () => {
    const r = selfHostBreakEven({ fixedMonthly: usd('2000'), apiCostPerRequest: usd('0.03') });
    assert.equal(r.monthlySelfHost, usd('2000'));
    assert.equal(r.breakEvenRequestsPerDay, 2223); // $2,000 / 30 / $0.03 = 2,222.2
  });

  test('seed’s ~15K/day holds against a Sonnet-class API: 1,000 in + 100 out at $3/$15 per 1M = $0.0045/request', () => {
    const api = costPerRequest(1000, 100, { input: pm('3'), output: pm('15') });
    assert.equal(api, usd('0.0045'));
    const r = selfHostBreakEven({ fixedMonthly: usd('2000'), apiCostPerRequest: api });
    assert.equal(r.breakEvenRequestsPerDay, 14_815); // $2,000 / 30 / $0.0045 = 14,814.8
    assert.ok(Math.abs(r.breakEvenRequestsPerDay! - 15_000) / 15_000 < 0.02);
  });

  test('GPU-hours: 2 GPUs × $1.50/hour × 720 hours = $2,160 a month, plus fixed costs', () => {
    const r = selfHostBreakEven({
      gpuHourly: usd('1.5'),
      gpus: 2,
      fixedMonthly: usd('240'),
      apiCostPerRequest: usd('0.01'),
      requestsPerDay: 10_000,
    });
    assert.equal(r.gpuMonthly, usd('2160'));
    assert.equal(r.monthlySelfHost, usd('2400'));
    assert.equal(r.breakEvenRequestsPerDay, 8000);
    assert.deepEqual(r.atVolume, {
      requestsPerDay: 10_000,
      monthlyApi: usd('3000'),
      monthlySelfHost: usd('2400'),
    });
  });

  test('capacity from output tokens/s × utilisation', () => {
    const r = selfHostBreakEven({
      fixedMonthly: usd('2000'),
      apiCostPerRequest: usd('0.03'),
      throughputTokensPerSecond: 1500,
      avgOutputTokens: 100,
      utilisation: 0.5,
    });
    assert.equal(r.capacityRequestsPerDay, 648_000); // 15 req/s × 0.5 × 86,400
  });

  test('rejects a utilisation outside (0, 1]', () => {
    assert.throws(() => selfHostBreakEven({ apiCostPerRequest: usd('0.01'), utilisation: 0 }), RangeError);
  });
});
