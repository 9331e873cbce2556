import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { metricsAt, parsePairs, scorePairs } from './evaluate.js';
import { LocalEmbedder } from './local-embedder.js';
import { DEFAULT_SEMANTIC_THRESHOLD } from './semantic-cache.js';

const FIXTURE = fileURLToPath(new URL('../../../../test/fixtures/semantic/pairs.jsonl', import.meta.url));

test('labelled set: zero near-miss hits and recall >= 0.6 at the default threshold (local embedder)', async () => {
  const pairs = parsePairs(readFileSync(FIXTURE, 'utf8'));
  assert.ok(pairs.filter((p) => p.label === 'hit').length >= 200);
  assert.ok(pairs.filter((p) => p.label === 'miss').length >= 200);
  const m = metricsAt(await scorePairs(new LocalEmbedder(), pairs), DEFAULT_SEMANTIC_THRESHOLD);
  assert.equal(m.falseHits, 0, `near-misses served: ${JSON.stringify(m.falseHitsByKind)}`);
  assert.ok(m.recall >= 0.6, `recall ${m.recall.toFixed(3)}`);
});
