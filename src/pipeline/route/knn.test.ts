import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nearest } from './knn.js';
import { mulberry32 } from './prng.js';

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
