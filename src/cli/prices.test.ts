import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadCatalog } from '../pricing/catalog.js';
import { renderPrices } from './prices.js';

const catalog = loadCatalog({
  now: new Date('2026-11-27T00:00:00Z'),
  overrides: { 'my-llama': { input: '0.2', output: '0.4' } },
});

function row(text: string, model: string): string {
  const line = text.split('\n').find((l) => l.includes(` ${model} `) || l.includes(` ${model}* `));
  assert.ok(line, `row for ${model}`);
  return line;
}

describe('penny prices', () => {
  test('the table shows the main models with their numbers and sources', () => {
    const text = renderPrices(catalog);
    assert.match(text, /USD per 1M tokens/);
    assert.match(
      row(text, 'gpt-4o'),
      /│\s+2\.5 │\s+1\.25 │\s+- │\s+- │\s+10 │\s+1\.25\/5 │\s+128,000 │\s+16,384 │ @pydantic\/genai-prices/,
    );
    assert.match(row(text, 'claude-sonnet-4-5'), /│\s+3 │\s+0\.3 │\s+3\.75 │\s+6 │\s+15 │/);
    assert.match(row(text, 'claude-sonnet-4-5'), /claude-sonnet-4-5\*/);
    assert.match(row(text, 'gemini-2.5-pro'), /│\s+1\.25 │\s+0\.125 │/);
    assert.match(row(text, 'my-llama'), /│\s+0\.2 │.*│\s+0\.4 │.*config/);
    assert.ok(!text.includes(String.fromCharCode(27)), 'no colour codes');
    const rows = text.split('\n').filter((l) => l.startsWith('│'));
    assert.ok(rows.length > 30 && rows.length < 100, `${rows.length} rows`);
  });

  test('one model: full entry with tiers and where each number came from', () => {
    const text = renderPrices(catalog, { model: 'claude-sonnet-4-5-20250929' });
    assert.match(text, /^claude-sonnet-4-5 \(anthropic\)/);
    assert.match(text, /resolves to this entry/);
    assert.match(text, /cache write 1h\s+6\s+@pydantic\/genai-prices/);
    assert.match(text, /batch input\s+1\.5\s+derived: 0\.5/);
    assert.match(
      text,
      /prompt > 200,000 tokens: input 6, cached input 0\.6, cache write 5m 7\.5, cache write 1h 12, output 22\.5/,
    );
    assert.match(text, /max output\s+64,000\s+LiteLLM/);
  });

  test('unknown model: says cost will be unknown, how to add a price, and close matches', () => {
    const text = renderPrices(catalog, { model: 'gpt-4-o-mini' });
    assert.match(text, /unknown model "gpt-4-o-mini"/);
    assert.match(text, /cost unknown/);
    assert.match(text, /under `prices` in the config/);
    assert.match(text, /Close matches: .*gpt-4o-mini/);
  });

  test('--json gives exact decimal strings of USD per 1M tokens', () => {
    const one = JSON.parse(renderPrices(catalog, { model: 'gpt-5.4', json: true })) as Record<
      string,
      unknown
    >;
    assert.equal(one.input, '2.5');
    assert.equal(one.cacheRead, '0.25');
    assert.deepEqual(one.tiers, [
      { aboveInputTokens: 271_999, input: '5', cacheRead: '0.5', output: '22.5' },
    ]);
    const all = JSON.parse(renderPrices(catalog, { json: true })) as { model: string; output: string }[];
    assert.equal(all.find((e) => e.model === 'gpt-4o')?.output, '10');
    const unknown = JSON.parse(renderPrices(catalog, { model: 'nope', json: true })) as { known: boolean };
    assert.equal(unknown.known, false);
  });
});
