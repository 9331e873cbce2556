import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCatalog } from '../../pricing/catalog.js';
import { cacheGlobalSchema } from './config.js';
import type { Embedder } from './semantic/embedder.js';
import { MemoEmbedder, buildSemantic } from './semantic-wiring.js';

test('memo embedder: a repeated text is not embedded (nor billed) twice', async () => {
  let calls = 0;
  const inner: Embedder = {
    id: 'fake/2',
    dims: 2,
    embed: async (t) => t.map(() => new Float32Array([1, 0])),
    embedWithUsage: async (t) => {
      calls++;
      return {
        vectors: t.map(() => new Float32Array([1, 0])),
        usage: { model: 'fake', promptTokens: 5 * t.length },
      };
    },
  };
  const m = new MemoEmbedder(inner, 2);
  assert.equal((await m.embedWithUsage(['a'])).usage.promptTokens, 5);
  assert.equal((await m.embedWithUsage(['a'])).usage.promptTokens, 0);
  assert.equal(calls, 1);
  await m.embedWithUsage(['b', 'c']); // evicts 'a'
  assert.equal((await m.embedWithUsage(['a'])).usage.promptTokens, 5);
});

test('semantic wiring: local by default (free), remote priced from the config', () => {
  const catalog = loadCatalog({});
  const local = buildSemantic(cacheGlobalSchema.parse({}).semantic, catalog);
  assert.equal(local.pricePerToken, 0n);
  assert.equal(local.remote, false);
  const remote = buildSemantic(
    cacheGlobalSchema.parse({
      semantic: {
        embedder: {
          type: 'openai',
          baseUrl: 'http://127.0.0.1:1',
          model: 'x-embed',
          dims: 8,
          inputPerMillion: '0.02',
        },
      },
    }).semantic,
    catalog,
  );
  assert.equal(remote.pricePerToken, 20_000n);
  assert.equal(remote.cache.embedder.dims, 8);
});
