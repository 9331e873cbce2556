import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCatalog } from '../../pricing/catalog.js';
import { promptCacheMinTokens } from './min-tokens.js';

test('minimum cacheable prefix: catalog first, then the published table', () => {
  const catalog = loadCatalog({});
  const t = (m: string, d: 'openai' | 'anthropic') => promptCacheMinTokens(catalog, m, d);
  assert.equal(
    t('claude-haiku-4-5', 'anthropic'),
    catalog.lookup('claude-haiku-4-5')?.promptCacheMinTokens ?? 4096,
  );
  assert.equal(
    t('claude-opus-4-6', 'anthropic'),
    catalog.lookup('claude-opus-4-6')?.promptCacheMinTokens ?? 4096,
  );
  assert.equal(
    t('claude-3-5-haiku-latest', 'anthropic'),
    catalog.lookup('claude-3-5-haiku-latest')?.promptCacheMinTokens ?? 2048,
  );
  assert.equal(
    t('claude-sonnet-4-5', 'anthropic'),
    catalog.lookup('claude-sonnet-4-5')?.promptCacheMinTokens ?? 1024,
  );
  assert.equal(t('gpt-4o', 'openai'), catalog.lookup('gpt-4o')?.promptCacheMinTokens ?? 1024);
  assert.equal(t('some-unknown-model', 'anthropic'), 1024);
  assert.equal(t('claude-opus-4-7-unknown-snapshot', 'anthropic') >= 1024, true);
});
