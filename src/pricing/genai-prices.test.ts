import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModelInfo } from '@pydantic/genai-prices';
import { perMillionToPerToken as m } from '../core/money.js';
import {
  convertGenaiModel,
  genaiPricesSource,
  loadGenaiPrices,
  matchNames,
  selectConditionalPrice,
} from './genai-prices.js';

const ctx = { now: new Date('2026-01-01T00:00:00Z'), source: 'test' };

describe('genai-prices conversion', () => {
  test('source carries the installed version', () => {
    assert.match(genaiPricesSource(), /^@pydantic\/genai-prices \d+\.\d+\.\d+$/);
  });

  test('$/MTok numbers convert exactly through their shortest decimal text', () => {
    const e = convertGenaiModel(
      'openai',
      {
        id: 'x',
        match: { equals: 'x' },
        prices: { input_mtok: 0.075, output_mtok: 0.3, cache_read_mtok: 0.01875 },
      },
      ctx,
    )!;
    assert.equal(e.input, 75_000n);
    assert.equal(e.output, 300_000n);
    assert.equal(e.cacheRead, 18_750n);
    assert.equal(e.batchInput, 37_500n);
  });

  test('tiers merge per threshold; a key without its own tier keeps its base price', () => {
    const model: ModelInfo = {
      id: 't',
      match: { equals: 't' },
      prices: {
        input_mtok: {
          base: 1,
          tiers: [
            { start: 128_000, price: 2 },
            { start: 200_000, price: 3 },
          ],
        },
        output_mtok: { base: 4, tiers: [{ start: 200_000, price: 6 }] },
        cache_read_mtok: 0.1,
      },
    };
    const e = convertGenaiModel('google', model, ctx)!;
    assert.deepEqual(e.tiers, [
      { aboveInputTokens: 128_000, input: m('2'), output: m('4'), cacheRead: m('0.1') },
      { aboveInputTokens: 200_000, input: m('3'), output: m('6'), cacheRead: m('0.1') },
    ]);
  });

  test('date-conditional prices: the latest start date that has begun', () => {
    const prices = [
      { prices: { input_mtok: 10, output_mtok: 40 } },
      {
        constraint: { type: 'start_date' as const, start_date: '2025-06-10' },
        prices: { input_mtok: 2, output_mtok: 8 },
      },
      {
        constraint: { type: 'start_date' as const, start_date: '2027-01-01' },
        prices: { input_mtok: 1, output_mtok: 4 },
      },
    ];
    assert.equal(selectConditionalPrice(prices, new Date('2025-06-09T23:59:59Z')).prices.input_mtok, 10);
    assert.equal(selectConditionalPrice(prices, new Date('2025-06-10T00:00:00Z')).prices.input_mtok, 2);
    assert.equal(selectConditionalPrice(prices, new Date('2027-02-01T00:00:00Z')).prices.input_mtok, 1);
  });

  test('time-of-day prices keep the highest alternative and say so', () => {
    const model: ModelInfo = {
      id: 'd',
      match: { equals: 'd' },
      prices: [
        { prices: { input_mtok: 0.135, output_mtok: 0.55 } },
        {
          constraint: { type: 'time_of_date', start_time: '00:30:00Z', end_time: '16:30:00Z' },
          prices: { input_mtok: 0.27, output_mtok: 1.1 },
        },
      ],
    };
    const e = convertGenaiModel('deepseek', model, ctx)!;
    assert.equal(e.input, m('0.27'));
    assert.match(e.notes?.join(' ') ?? '', /time-of-day/);
  });

  test('models without token prices are skipped; unmodelled price kinds are noted', () => {
    assert.equal(
      convertGenaiModel('openai', { id: 'w', match: { equals: 'w' }, prices: { input_mtok: 1 } }, ctx),
      undefined,
    );
    const e = convertGenaiModel(
      'openai',
      { id: 'r', match: { equals: 'r' }, prices: { input_mtok: 1, output_mtok: 2, requests_kcount: 5 } },
      ctx,
    )!;
    assert.match(e.notes?.join(' ') ?? '', /requests_kcount/);
  });

  test('match rules become aliases and prefixes', () => {
    const names = matchNames({
      id: 'claude-sonnet-4-0',
      match: {
        or: [
          { starts_with: 'claude-sonnet-4-2025' },
          { starts_with: 'claude-sonnet-4@' },
          { equals: 'claude-sonnet-4' },
          { starts_with: 'claude-4-sonnet' },
        ],
      },
      prices: {},
    });
    assert.ok(names.equals.includes('claude-sonnet-4'));
    assert.ok(names.equals.includes('claude-4-sonnet'));
    assert.ok(!names.equals.includes('claude-sonnet-4@'));
    assert.ok(names.prefixes.includes('claude-sonnet-4@'));
  });

  test('the bundled data loads without network for the default providers', () => {
    const entries = loadGenaiPrices({ now: ctx.now });
    const providers = new Set(entries.map((e) => e.provider));
    for (const p of ['openai', 'anthropic', 'google', 'groq', 'together']) assert.ok(providers.has(p), p);
    assert.ok(entries.length > 300);
    for (const e of entries) assert.ok(e.input >= 0n && e.output >= 0n);
  });
});
