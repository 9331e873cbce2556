import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { perMillionToPerToken as m } from '../core/money.js';
import { loadCatalog, PriceCatalog, priceOverrideSchema } from './catalog.js';
import { computeCost } from './cost.js';
import { genaiPricesSource } from './genai-prices.js';
import type { PriceEntry } from './price.js';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE = join(here, '..', '..', 'test', 'fixtures', 'litellm-sample.json');
const NOW = new Date('2026-11-27T00:00:00Z');
const builtin = loadCatalog({ now: NOW });

function entry(
  model: string,
  provider: string,
  input: string,
  output: string,
  extra: Partial<PriceEntry> = {},
): PriceEntry {
  return { model, provider, source: 'test', input: m(input), output: m(output), ...extra };
}

describe('builtin prices match shared/reference/price-table.md', () => {
  const rows: [string, string, string, string | undefined, string | undefined, string | undefined, string][] =
    [
      // model, provider, input, cached, write 5m, write 1h, output
      ['gpt-4o', 'openai', '2.5', '1.25', undefined, undefined, '10'],
      ['gpt-4o-mini', 'openai', '0.15', '0.075', undefined, undefined, '0.6'],
      ['gpt-4.1', 'openai', '2', '0.5', undefined, undefined, '8'],
      ['gpt-5', 'openai', '1.25', '0.125', undefined, undefined, '10'],
      ['o3', 'openai', '2', '0.5', undefined, undefined, '8'],
      ['gpt-3.5-turbo', 'openai', '0.5', undefined, undefined, undefined, '1.5'],
      ['claude-sonnet-4-5', 'anthropic', '3', '0.3', '3.75', '6', '15'],
      ['claude-haiku-4-5', 'anthropic', '1', '0.1', '1.25', '2', '5'],
      ['claude-opus-4-1', 'anthropic', '15', '1.5', '18.75', '30', '75'],
      ['claude-3-haiku', 'anthropic', '0.25', '0.03', '0.3', '0.5', '1.25'],
      ['gemini-2.5-pro', 'google', '1.25', '0.125', undefined, undefined, '10'],
      ['gemini-2.5-flash', 'google', '0.3', '0.03', undefined, undefined, '2.5'],
      ['llama-3.3-70b-versatile', 'groq', '0.59', undefined, undefined, undefined, '0.79'],
      [
        'meta-llama/Meta-Llama-3.3-70B-Instruct-Turbo',
        'together',
        '0.88',
        undefined,
        undefined,
        undefined,
        '0.88',
      ],
    ];
  for (const [model, provider, input, cached, w5, w1, output] of rows) {
    test(`${provider}/${model}`, () => {
      const e = builtin.lookup(model, provider);
      assert.ok(e);
      assert.equal(e.provider, provider);
      assert.equal(e.source, genaiPricesSource());
      assert.equal(e.input, m(input));
      assert.equal(e.output, m(output));
      assert.equal(e.cacheRead, cached && m(cached));
      assert.equal(e.cacheWrite5m, w5 && m(w5));
      assert.equal(e.cacheWrite1h, w1 && m(w1));
    });
  }

  test('long-context tiers: Sonnet 4.5 >200K, gemini-2.5-pro >200K, gpt-5.4 ≥272K', () => {
    assert.deepEqual(builtin.lookup('claude-sonnet-4-5')?.tiers, [
      {
        aboveInputTokens: 200_000,
        input: m('6'),
        output: m('22.5'),
        cacheRead: m('0.6'),
        cacheWrite5m: m('7.5'),
        cacheWrite1h: m('12'),
      },
    ]);
    assert.deepEqual(builtin.lookup('gemini-2.5-pro')?.tiers, [
      { aboveInputTokens: 200_000, input: m('2.5'), output: m('15'), cacheRead: m('0.25') },
    ]);
    assert.deepEqual(builtin.lookup('gpt-5.4')?.tiers, [
      { aboveInputTokens: 271_999, input: m('5'), output: m('22.5'), cacheRead: m('0.5') },
    ]);
  });

  test('context / max output: genai-prices + gpt-tokenizer + known limits', () => {
    const g = builtin.lookup('gpt-4o')!;
    assert.equal(g.contextWindow, 128_000);
    assert.equal(g.maxOutput, 16_384);
    assert.equal(g.fieldSources?.maxOutput, 'gpt-tokenizer 4.0.0');
    const c = builtin.lookup('claude-sonnet-4-5')!;
    assert.equal(c.contextWindow, 200_000);
    assert.equal(c.maxOutput, 64_000);
    assert.match(c.fieldSources?.maxOutput ?? '', /LiteLLM/);
    assert.equal(builtin.lookup('gemini-2.5-pro')?.contextWindow, 1_048_576);
  });

  test('batch prices are derived as 0.5× for openai / anthropic / google only, and marked', () => {
    const g = builtin.lookup('gpt-4o')!;
    assert.equal(g.batchInput, m('1.25'));
    assert.equal(g.batchOutput, m('5'));
    assert.match(g.fieldSources?.batchInput ?? '', /derived: 0\.5/);
    assert.equal(builtin.lookup('claude-sonnet-4-5')?.batchOutput, m('7.5'));
    assert.equal(builtin.lookup('llama-3.3-70b-versatile')?.batchInput, undefined);
  });
});

describe('PriceCatalog.lookup', () => {
  test('case-insensitive exact ids and aliases', () => {
    assert.equal(builtin.lookup('GPT-4o')?.model, 'gpt-4o');
    assert.equal(builtin.lookup('gpt-4o-2024-11-20')?.model, 'gpt-4o');
    assert.equal(builtin.lookup('claude-sonnet-4.5')?.model, 'claude-sonnet-4-5');
  });

  test('provider-prefixed ids', () => {
    assert.equal(builtin.lookup('openai/gpt-4o')?.model, 'gpt-4o');
    assert.equal(builtin.lookup('anthropic/claude-sonnet-4-5-20250929')?.model, 'claude-sonnet-4-5');
    assert.equal(builtin.lookup('gemini/gemini-2.5-pro')?.provider, 'google');
    assert.equal(builtin.lookup('groq/llama-3.3-70b-versatile')?.provider, 'groq');
  });

  test('dated snapshots fall back to the family entry', () => {
    assert.equal(builtin.lookup('claude-sonnet-4-5-20250929')?.model, 'claude-sonnet-4-5');
    assert.equal(builtin.lookup('claude-3-5-haiku-20241022')?.model, 'claude-3-5-haiku-latest');
    assert.equal(builtin.lookup('claude-sonnet-4@20250514')?.model, 'claude-sonnet-4-0');
    assert.equal(builtin.lookup('gpt-4.1-mini-2025-04-14')?.model, 'gpt-4.1-mini');
    assert.equal(builtin.lookup('gpt-4o-mini-2099-01-01')?.model, 'gpt-4o-mini');
  });

  test('an exact dated entry wins over the family', () => {
    const cat = PriceCatalog.fromLayers([
      [entry('gpt-4o', 'openai', '2.5', '10'), entry('gpt-4o-2024-05-13', 'openai', '5', '15')],
    ]);
    assert.equal(cat.lookup('gpt-4o-2024-05-13')?.input, m('5'));
    assert.equal(cat.lookup('gpt-4o-2024-08-06')?.input, m('2.5'));
  });

  test('the provider argument selects that provider; an unknown provider falls back to the bare name', () => {
    assert.equal(builtin.lookup('openai/gpt-oss-120b', 'groq')?.provider, 'groq');
    assert.equal(builtin.lookup('gpt-4o', 'azure-east')?.provider, 'openai');
    assert.equal(builtin.lookup('claude-sonnet-4-5', 'google')?.provider, 'google');
    assert.equal(builtin.lookup('claude-sonnet-4-5')?.provider, 'anthropic');
  });

  test('memoised lookups stay per provider, in any order, and past the memo bound', () => {
    const cat = PriceCatalog.fromLayers([
      [entry('m', 'openai', '1', '1'), entry('m', 'groq', '2', '2'), entry('n', 'groq', '3', '3')],
    ]);
    for (let round = 0; round < 2; round++) {
      assert.equal(cat.lookup('m', 'groq')?.input, m('2'));
      assert.equal(cat.lookup('m')?.input, m('1'));
      assert.equal(cat.lookup('m', '')?.input, m('1'));
      assert.equal(cat.lookup('m', 'openai')?.input, m('1'));
      assert.equal(
        cat.lookup('n', 'openai')?.input,
        m('3'),
        'a bare name still resolves at another provider',
      );
    }
    for (let i = 0; i < 10_050; i++)
      assert.equal(cat.lookup(`unknown-${i}`, i % 2 ? 'groq' : undefined), undefined);
    assert.equal(cat.lookup('m', 'groq')?.input, m('2'));
    assert.equal(cat.lookup('m')?.input, m('1'));
  });

  test('name prefixes from the source resolve variants', () => {
    assert.equal(builtin.lookup('claude-opus-4-6-thinking')?.model, 'claude-opus-4-6');
  });

  test('unknown names are undefined (and stay so on a second, memoised lookup)', () => {
    assert.equal(builtin.lookup('totally-unknown-model'), undefined);
    assert.equal(builtin.lookup('totally-unknown-model'), undefined);
    assert.equal(builtin.lookup(''), undefined);
  });

  test('suggest offers close names', () => {
    assert.ok(builtin.suggest('gpt-4-o-mini').includes('gpt-4o-mini'));
  });
});

describe('layering', () => {
  test('later layers override per model and keep their own source', () => {
    const cat = PriceCatalog.fromLayers([
      [
        entry('m1', 'openai', '1', '2', { contextWindow: 1000, aliases: ['m1-alias'] }),
        entry('m2', 'openai', '3', '4'),
      ],
      [{ ...entry('m1', 'openai', '5', '6'), source: 'file' }],
    ]);
    const e = cat.lookup('m1')!;
    assert.equal(e.input, m('5'));
    assert.equal(e.source, 'file');
    assert.equal(e.contextWindow, 1000, 'non-price metadata is inherited');
    assert.equal(e.fieldSources?.contextWindow, 'test');
    assert.equal(cat.lookup('m1-alias')?.source, 'file', 'aliases follow the replacement');
    assert.equal(cat.lookup('m2')?.source, 'test');
    assert.equal(cat.list().length, 2);
  });

  test('builtin < LiteLLM file < config overrides', () => {
    const cat = loadCatalog({
      now: NOW,
      files: [FIXTURE],
      overrides: { 'claude-sonnet-4-5': { input: '2.4', output: 12, cacheRead: '0.24' } },
    });
    assert.equal(cat.lookup('gpt-4o')?.source, 'litellm:litellm-sample.json');
    assert.equal(cat.lookup('gpt-4.1')?.source, genaiPricesSource());
    const s = cat.lookup('claude-sonnet-4-5-20250929')!;
    assert.equal(s.source, 'config');
    assert.equal(s.provider, 'anthropic');
    assert.equal(s.input, m('2.4'));
    assert.equal(s.cacheWrite5m, undefined, 'prices are never mixed across sources');
    assert.equal(s.contextWindow, 200_000);
    // 1000×2.4 + 1000×0.24 + 100×12 = 2400 + 240 + 1200 µ$
    const r = computeCost(
      {
        inputUncached: 1000,
        cacheRead: 1000,
        cacheWrite5m: 0,
        cacheWrite1h: 0,
        outputText: 100,
        reasoning: 0,
      },
      s,
    );
    assert.equal(r.cost, 3_840_000_000n);
  });

  test('an override for a model no source knows works (LiteLLM #29291 is the anti-example)', () => {
    const cat = loadCatalog({
      now: NOW,
      overrides: {
        'my-finetune-v3': { input: '0.2', output: '0.4' },
        'llama-3.3-70b-local': { provider: 'vllm', input: 0, output: 0 },
        'openai/gpt-4o': { input: 2, output: 8 },
      },
    });
    const a = cat.lookup('my-finetune-v3')!;
    assert.equal(a.provider, 'custom');
    assert.equal(a.input, m('0.2'));
    assert.equal(cat.lookup('my-finetune-v3', 'vllm')?.model, 'my-finetune-v3');
    const b = cat.lookup('llama-3.3-70b-local', 'vllm')!;
    assert.equal(b.provider, 'vllm');
    assert.equal(b.input, 0n);
    const g = cat.lookup('gpt-4o')!;
    assert.equal(g.source, 'config');
    assert.equal(g.provider, 'openai');
    assert.equal(g.output, m('8'));
    assert.equal(cat.lookup('gpt-4o-2024-08-06')?.source, 'config');
  });

  test('override schema validates at the edge', () => {
    assert.equal(priceOverrideSchema.safeParse({ input: '2.5', output: 10 }).success, true);
    assert.equal(priceOverrideSchema.safeParse({ input: -1, output: 10 }).success, false);
    assert.equal(priceOverrideSchema.safeParse({ input: 'abc', output: 10 }).success, false);
    assert.equal(priceOverrideSchema.safeParse({ input: 1, output: 1, typo: 1 }).success, false);
    assert.equal(
      priceOverrideSchema.safeParse({
        input: 1,
        output: 2,
        tiers: [{ aboveInputTokens: 200000, input: 2, output: 4 }],
      }).success,
      true,
    );
    assert.throws(() => loadCatalog({ builtin: false, overrides: { x: { input: -1, output: 1 } } }));
  });

  test('override tiers convert to exact per-token prices', () => {
    const cat = loadCatalog({
      builtin: false,
      overrides: {
        big: { input: '1', output: '2', tiers: [{ aboveInputTokens: 100_000, input: '2', output: '4' }] },
      },
    });
    assert.deepEqual(cat.lookup('big')?.tiers, [
      { aboveInputTokens: 100_000, input: m('2'), output: m('4') },
    ]);
  });
});
