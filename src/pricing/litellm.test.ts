import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { perMillionToPerToken as m } from '../core/money.js';
import { PriceCatalog } from './catalog.js';
import { importLiteLLM, normalizeLiteLLMProvider, readLiteLLMFile } from './litellm.js';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE = join(here, '..', '..', 'test', 'fixtures', 'litellm-sample.json');
const SHARED = join(here, '..', '..', '..', 'shared', 'reference', 'litellm-model-prices-2025-09-01.json');

describe('LiteLLM import (fixture excerpt)', () => {
  const { entries, skipped } = readLiteLLMFile(FIXTURE);
  const byKey = new Map(entries.map((e) => [`${e.provider}/${e.model}`, e]));
  const get = (k: string) => {
    const e = byKey.get(k);
    assert.ok(e, `${k} imported`);
    return e;
  };

  test('per-token floats convert exactly; source names the file', () => {
    const e = get('openai/gpt-4o');
    assert.equal(e.input, m('2.5'));
    assert.equal(e.output, m('10'));
    assert.equal(e.cacheRead, m('1.25'));
    assert.equal(e.batchInput, m('1.25'));
    assert.equal(e.batchOutput, m('5'));
    assert.equal(e.contextWindow, 128_000);
    assert.equal(e.maxOutput, 16_384);
    assert.equal(e.source, 'litellm:litellm-sample.json');
    assert.deepEqual(e.capabilities, { tools: true, vision: true, jsonMode: true, promptCaching: true });
  });

  test('Anthropic 5m / 1h cache writes and the >200K tier with its cache prices', () => {
    const e = get('anthropic/claude-sonnet-4-5');
    assert.equal(e.cacheRead, m('0.3'));
    assert.equal(e.cacheWrite5m, m('3.75'));
    assert.equal(e.cacheWrite1h, m('6'));
    assert.equal(e.promptCacheMinTokens, 1024);
    assert.deepEqual(e.tiers, [
      {
        aboveInputTokens: 200_000,
        input: m('6'),
        output: m('22.5'),
        cacheRead: m('0.6'),
        cacheWrite5m: m('7.5'),
        cacheWrite1h: m('12'),
      },
    ]);
  });

  test('gemini/ prefix → provider google, full key kept as alias; tier above 200K', () => {
    const e = get('google/gemini-2.5-pro');
    assert.deepEqual(e.aliases, ['gemini/gemini-2.5-pro']);
    assert.equal(e.tiers?.[0]?.aboveInputTokens, 200_000);
    assert.equal(e.tiers?.[0]?.input, m('2.5'));
    assert.equal(e.tiers?.[0]?.output, m('15'));
    // Data-quality note: the 2025-09 copy has the stale 0.3125 cache price (current 0.125).
    assert.equal(e.cacheRead, m('0.3125'));
    assert.equal(get('vertex_ai/gemini-2.5-pro').input, m('1.25'));
  });

  test('272K tier, reasoning price, groq / together / deepseek prefixes', () => {
    const g = get('openai/gpt-5.4');
    assert.equal(g.tiers?.[0]?.aboveInputTokens, 272_000);
    assert.equal(g.tiers?.[0]?.cacheRead, m('0.5'));
    assert.equal(g.reasoning, m('15'));
    assert.equal(get('groq/llama-3.3-70b-versatile').output, m('0.79'));
    assert.equal(get('together/meta-llama/Llama-3.3-70B-Instruct-Turbo').input, m('0.88'));
    assert.equal(get('deepseek/deepseek-chat').cacheRead, m('0.07'));
    assert.equal(get('vertex_ai/claude-sonnet-4@20250514').input, m('3'));
  });

  test('a zero-priced tier under a non-zero base is dropped with a note', () => {
    const e = get('vertex_ai/gemini-2.0-flash-exp');
    assert.equal(e.tiers, undefined);
    assert.match(e.notes?.join(' ') ?? '', /zero-priced tier above 128000/);
  });

  test('non-text modes are skipped and reported', () => {
    assert.ok(skipped.some((s) => s.key === 'text-embedding-3-small' && s.reason === 'mode embedding'));
    assert.equal(byKey.has('openai/text-embedding-3-small'), false);
  });

  test('known data-quality problem is imported as-is: gpt-3.5-turbo alias at the 0613 price 1.5 / 2', () => {
    const e = get('openai/gpt-3.5-turbo');
    assert.equal(e.input, m('1.5'));
    assert.equal(e.output, m('2'));
  });

  test('bad input is rejected at the edge', () => {
    assert.throws(() => importLiteLLM([], { source: 'x' }), /JSON object/);
    const r = importLiteLLM(
      { a: { mode: 'chat', litellm_provider: 'openai', input_cost_per_token: -1, output_cost_per_token: 1 } },
      { source: 'x' },
    );
    assert.equal(r.entries.length, 0);
    assert.match(r.skipped[0]!.reason, /not a price/);
  });

  test('provider names normalise', () => {
    assert.equal(normalizeLiteLLMProvider('gemini'), 'google');
    assert.equal(normalizeLiteLLMProvider('together_ai'), 'together');
    assert.equal(normalizeLiteLLMProvider('vertex_ai-anthropic_models'), 'vertex_ai');
    assert.equal(normalizeLiteLLMProvider('groq'), 'groq');
  });
});

describe('LiteLLM import (full 2025-09-01 copy)', () => {
  test('imports the shared reference file', (t) => {
    if (!existsSync(SHARED)) {
      t.skip(`${SHARED} not found`);
      return;
    }
    const { entries, skipped } = readLiteLLMFile(SHARED);
    assert.ok(entries.length > 1200, `imported ${entries.length}`);
    assert.ok(skipped.length > 0);
    const cat = PriceCatalog.fromLayers([entries]);
    const checks: [string, string, string, string | undefined][] = [
      ['gpt-4o', '2.5', '10', '1.25'],
      ['gpt-4o-mini', '0.15', '0.6', '0.075'],
      ['o3', '2', '8', '0.5'],
      ['claude-opus-4-1-20250805', '15', '75', '1.5'],
      ['gemini/gemini-2.5-flash', '0.3', '2.5', '0.075'],
      ['groq/llama-3.1-8b-instant', '0.05', '0.08', undefined],
    ];
    for (const [model, input, output, cached] of checks) {
      const e = cat.lookup(model);
      assert.ok(e, model);
      assert.equal(e.input, m(input), `${model} input`);
      assert.equal(e.output, m(output), `${model} output`);
      assert.equal(e.cacheRead, cached === undefined ? undefined : m(cached), `${model} cached`);
    }
    assert.equal(cat.lookup('claude-4-sonnet-20250514')?.tiers?.[0]?.cacheRead, m('0.6'));
  });
});
