import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildCatalog } from '../app.js';
import { ConfigError } from '../core/errors.js';
import { usd } from '../core/money.js';
import { loadConfig } from './load.js';

describe('config price overrides use the pricing schema', () => {
  test('every field the pricing code supports loads from config and reaches the catalog', () => {
    const loaded = loadConfig({
      object: {
        prices: {
          'my-model': {
            input: '.5',
            output: 2,
            reasoning: '3.25',
            promptCacheMinTokens: 1024,
            aliases: ['my-model-2026'],
            tiers: [{ aboveInputTokens: 200000, input: '1', output: '4' }],
          },
        },
      },
      env: {},
    });
    const entry = buildCatalog(loaded, []).lookup('my-model-2026');
    assert.ok(entry, 'the alias resolves');
    assert.equal(entry.model, 'my-model');
    assert.equal(entry.input, usd('0.0000005'));
    assert.equal(entry.reasoning, usd('0.00000325'));
    assert.equal(entry.promptCacheMinTokens, 1024);
    assert.equal(entry.tiers?.length, 1);
  });

  test('a bad override still names its field', () => {
    assert.throws(
      () => loadConfig({ object: { prices: { m: { input: 1, output: 1, reasoning: 'cheap' } } }, env: {} }),
      (e: unknown) => e instanceof ConfigError && /prices\.m\.reasoning/.test(e.message),
    );
    assert.throws(
      () => loadConfig({ object: { prices: { m: { input: 1, output: 1, colour: 'red' } } }, env: {} }),
      (e: unknown) => e instanceof ConfigError && /prices\.m\.colour: unknown field/.test(e.message),
    );
  });
});
