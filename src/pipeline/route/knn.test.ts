import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type KnnModel, nearest, predictKnn, trainKnn } from './knn.js';
import { mulberry32 } from './prng.js';
import { hashedNgrams } from './sparse-hash.js';

describe('k-NN neighbour selection', () => {
  test('the bounded heap picks exactly what sorting every candidate picks, ties by training order', () => {
    const rand = mulberry32(7);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rand() * 400);
      // Similarities on a coarse grid, so many candidates tie.
      const sim = Float64Array.from({ length: n }, () => Math.floor(rand() * 12) / 12);
      const hit = Array.from({ length: n }, (_, i) => i).filter(() => rand() < 0.7);
      for (let j = hit.length - 1; j > 0; j--) {
        const r = Math.floor(rand() * (j + 1));
        [hit[j], hit[r]] = [hit[r]!, hit[j]!];
      }
      for (const k of [1, 3, 25, 100, n + 5]) {
        const expected = [...hit].sort((a, b) => sim[b]! - sim[a]! || a - b).slice(0, k);
        assert.deepEqual(nearest(hit, sim, k), expected, `trial ${trial}, n ${n}, k ${k}`);
      }
    }
  });

  test('no candidates, or k = 0, select nothing', () => {
    assert.deepEqual(nearest([], new Float64Array(3), 5), []);
    assert.deepEqual(nearest([0, 1], Float64Array.of(0.5, 0.2), 0), []);
  });
});

/**
 * The k-NN score computed the plain way, with no index: IDF over the training prompts, cosine of every
 * training prompt's kept terms with the query's (summed in the query's term order, as the index does),
 * all candidates sorted, the first k averaged.
 */
function referenceKnn(m: KnnModel, text: string): number {
  const n = m.vectors.length;
  const df = new Map<number, number>();
  for (const v of m.vectors) for (const j of v) df.set(j, (df.get(j) ?? 0) + 1);
  const idf = new Map<number, number>();
  for (const [j, c] of df) if (c <= m.maxDf * n) idf.set(j, Math.log((n + 1) / (c + 0.5)));
  const q = hashedNgrams(text, { dim: m.dim, bigrams: m.bigrams }).idx;
  let qn = 0;
  for (const j of q) if (idf.has(j)) qn += idf.get(j)! ** 2;
  if (qn === 0) return m.prior;
  const sim = new Float64Array(n);
  const hit: number[] = [];
  m.vectors.forEach((v, i) => {
    const terms = new Set(v);
    let s = 0;
    for (const j of q) if (idf.has(j) && terms.has(j)) s += idf.get(j)! ** 2;
    if (s === 0) return;
    let norm = 0;
    for (const j of v) norm += (idf.get(j) ?? 0) ** 2;
    sim[i] = s / (Math.sqrt(qn) * (Math.sqrt(norm) || 1));
    hit.push(i);
  });
  const top = hit.sort((a, b) => sim[b]! - sim[a]! || a - b).slice(0, m.k);
  let num = m.smoothing * m.prior;
  let den = m.smoothing;
  for (const i of top) {
    num += sim[i]! * m.weights[i]! * m.labels[i]!;
    den += sim[i]! * m.weights[i]!;
  }
  return num / den;
}

describe('k-NN scores', () => {
  const rand = mulberry32(11);
  const vocab = Array.from({ length: 60 }, (_, i) => `w${i}`);
  const sentence = () =>
    Array.from({ length: 3 + Math.floor(rand() * 12) }, () => vocab[Math.floor(rand() ** 2 * 60)]).join(' ');
  const examples = Array.from({ length: 300 }, () => ({
    text: sentence(),
    label: rand() < 0.4 ? 1 : rand() < 0.5 ? 0.5 : 0,
    weight: 0.5 + rand(),
  }));
  const queries = [...Array.from({ length: 80 }, sentence), 'nothing shared here', '', examples[3]!.text];

  for (const dim of [1 << 12, 1 << 23]) {
    test(`the inverted index scores exactly as the plain computation (dim ${dim}; queries in turn reuse its buffers)`, () => {
      const m = trainKnn(examples, { dim, k: 15, maxDf: 0.2 });
      for (const round of [0, 1]) {
        for (const q of queries) {
          assert.equal(predictKnn(m, q), referenceKnn(m, q), `round ${round}: ${q}`);
        }
      }
    });
  }
});
