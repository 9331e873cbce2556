import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareEmbedding, compareStructured } from './agreement.js';
import { qualityFeatureSchema } from './quality-config.js';

test('structured agreement: comparable forms agree or not; no form on a side is no verdict', () => {
  assert.equal(compareStructured('The answer is 42.', '6 × 7 = 42', 'number').verdict, 'agree');
  assert.equal(compareStructured('41', '42', 'number').verdict, 'disagree');
  const none = compareStructured('no idea', '42', 'number');
  assert.equal(none.verdict, 'none');
  assert.ok(none.error);
});

test('embedding similarity: identical text is 1, close wording agrees, unrelated text disagrees', () => {
  const same = compareEmbedding('Paris is the capital of France.', 'Paris is the capital of France.', 0.9);
  assert.deepEqual(same, { verdict: 'agree', score: 1, error: null });
  const close = compareEmbedding(
    'The capital of France is Paris.',
    'Paris is the capital city of France.',
    0.6,
  );
  assert.equal(close.verdict, 'agree');
  assert.ok(close.score! < 1 && close.score! >= 0.6, `similarity ${close.score}`);
  const far = compareEmbedding(
    'The capital of France is Paris.',
    'Photosynthesis turns light into chemical energy.',
    0.6,
  );
  assert.equal(far.verdict, 'disagree');
  assert.ok(far.score! < 0.3, `similarity ${far.score}`);
  // The threshold decides: the same pair disagrees under a stricter one.
  assert.equal(
    compareEmbedding(
      'The capital of France is Paris.',
      'Paris is the capital city of France.',
      close.score! + 0.01,
    ).verdict,
    'disagree',
  );
  // An answer with no content words has an all-zero vector: no verdict, never agreement.
  const empty = compareEmbedding('', '', 0.1);
  assert.equal(empty.verdict, 'none');
  assert.equal(empty.score, null);
});

test('agreement config: a bare mode is structured; embedding and judge objects; errors name the field', () => {
  const parse = (agreement: unknown) => qualityFeatureSchema.safeParse({ shadow: { agreement } });
  const ok = (agreement: unknown) => {
    const r = parse(agreement);
    assert.ok(r.success, JSON.stringify(r.error?.issues));
    return r.data.shadow.agreement;
  };
  assert.deepEqual(qualityFeatureSchema.parse({}).shadow.agreement, { kind: 'structured', mode: 'auto' });
  assert.deepEqual(ok('number'), { kind: 'structured', mode: 'number' });
  assert.deepEqual(ok({ kind: 'embedding' }), { kind: 'embedding', minSimilarity: 0.9 });
  assert.deepEqual(ok({ kind: 'judge', model: 'gpt-4o', rubric: 'Same final number.' }), {
    kind: 'judge',
    model: 'gpt-4o',
    rubric: 'Same final number.',
    maxTokens: 200,
  });
  const issue = (agreement: unknown) => {
    const r = parse(agreement);
    assert.ok(!r.success);
    const i = r.error.issues[0]!;
    return `${i.path.join('.')}: ${i.message}`;
  };
  assert.match(issue({ kind: 'judge' }), /^shadow\.agreement\.model: /);
  assert.match(issue({ kind: 'embedding', minSimilarity: 1.5 }), /^shadow\.agreement\.minSimilarity: /);
  assert.match(issue({ kind: 'vibes' }), /^shadow\.agreement\.kind: .*embedding \| judge/);
  assert.match(issue('nope'), /^shadow\.agreement\.mode: /);
  assert.match(issue({ kind: 'judge', model: 'm', extra: 1 }), /extra/);
});
