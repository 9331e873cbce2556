import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { l2normalize } from './embedder.js';
import { VectorIndex } from './vector-index.js';

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomUnit(dims: number, next: () => number): Float32Array {
  const v = new Float32Array(dims);
  for (let i = 0; i < dims; i++) v[i] = next() * 2 - 1;
  return l2normalize(v);
}

function near(v: Float32Array, noise: number, next: () => number): Float32Array {
  const w = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) w[i] = v[i]! + (next() * 2 - 1) * noise;
  return l2normalize(w);
}

function unit(dims: number, axis: number): Float32Array {
  const v = new Float32Array(dims);
  v[axis] = 1;
  return v;
}

describe('VectorIndex', () => {
  test('adds, searches by score within a scope, replaces and removes', () => {
    const idx = new VectorIndex({ dims: 4 });
    idx.add('s1', 'a', unit(4, 0));
    idx.add('s1', 'b', l2normalize(Float32Array.from([1, 1, 0, 0])));
    idx.add('s2', 'c', unit(4, 0));
    const hits = idx.search('s1', unit(4, 0), 5, 0.5);
    assert.deepEqual(
      hits.map((h) => h.id),
      ['a', 'b'],
    );
    assert.ok(Math.abs(hits[0]!.score - 1) < 1e-6);
    assert.deepEqual(
      idx.search('s1', unit(4, 0), 5, 0.9).map((h) => h.id),
      ['a'],
    );
    assert.deepEqual(idx.search('s3', unit(4, 0), 5, 0), []);

    idx.add('s1', 'a', unit(4, 3)); // replace: moves away from axis 0
    assert.deepEqual(idx.search('s1', unit(4, 0), 5, 0.9), []);
    assert.equal(idx.size, 3);
    assert.equal(idx.remove('a'), true);
    assert.equal(idx.remove('a'), false);
    assert.equal(idx.size, 2);
    assert.throws(() => idx.add('s1', 'x', new Float32Array(3)), RangeError);
  });

  test('evicts the least recently used entry past maxEntries, and touch refreshes', () => {
    const idx = new VectorIndex({ dims: 4, maxEntries: 2 });
    const evicted: string[] = [];
    idx.onEvict((id, reason) => evicted.push(`${id}:${reason}`));
    idx.add('s', 'a', unit(4, 0));
    idx.add('s', 'b', unit(4, 1));
    idx.touch('a');
    idx.add('s', 'c', unit(4, 2));
    assert.deepEqual(evicted, ['b:lru']);
    assert.equal(idx.has('a'), true);
    assert.equal(idx.has('b'), false);
  });

  test('never returns an expired entry and drops it', () => {
    let now = 1000;
    const idx = new VectorIndex({ dims: 4, ttlMs: 100, now: () => now });
    const evicted: string[] = [];
    idx.onEvict((id, reason) => evicted.push(`${id}:${reason}`));
    idx.add('s', 'a', unit(4, 0));
    now = 1050;
    idx.add('s', 'b', unit(4, 0));
    assert.equal(idx.search('s', unit(4, 0), 5, 0.5).length, 2);
    now = 1100;
    assert.deepEqual(
      idx.search('s', unit(4, 0), 5, 0.5).map((h) => h.id),
      ['b'],
    );
    assert.deepEqual(evicted, ['a:ttl']);
    now = 1200;
    assert.equal(idx.sweep(), 1);
    assert.equal(idx.size, 0);
    assert.equal(idx.scopeCount, 0);
  });

  test('approximate search finds the exact nearest neighbour on a small set', () => {
    const next = rng(1);
    const idx = new VectorIndex({ dims: 32, maxListSize: 8, nprobe: 2 });
    const vecs: Float32Array[] = [];
    for (let i = 0; i < 40; i++) {
      vecs.push(randomUnit(32, next));
      idx.add('s', `v${i}`, vecs[i]!);
    }
    for (let i = 0; i < 40; i++) {
      const q = near(vecs[i]!, 0.05, next);
      const exact = idx.searchExact('s', q, 1, -1)[0]!;
      const approx = idx.search('s', q, 1, -1)[0]!;
      assert.equal(exact.id, `v${i}`);
      assert.equal(approx.id, exact.id);
    }
  });

  test('keeps high recall once lists have split many times, and survives removals', () => {
    const next = rng(7);
    const dims = 48;
    const idx = new VectorIndex({ dims, maxListSize: 32, nprobe: 8 });
    const centers = Array.from({ length: 20 }, () => randomUnit(dims, next));
    const vecs: Float32Array[] = [];
    for (let i = 0; i < 3000; i++) {
      const v = near(centers[i % 20]!, 0.6, next);
      vecs.push(v);
      idx.add('s', `v${i}`, v);
    }
    for (let i = 0; i < 3000; i += 3) idx.remove(`v${i}`);
    let found = 0;
    let asked = 0;
    for (let i = 1; i < 3000; i += 15) {
      if (i % 3 === 0) continue;
      asked++;
      const q = near(vecs[i]!, 0.05, next);
      const exact = idx.searchExact('s', q, 1, 0)[0]!;
      const approx = idx.search('s', q, 1, 0)[0];
      if (approx?.id === exact.id) found++;
    }
    assert.equal(idx.size, 2000);
    assert.ok(found / asked >= 0.9, `recall ${found}/${asked}`);
  });

  test('addMany builds a large scope in one pass with the recall of one-by-one inserts', () => {
    const next = rng(11);
    const dims = 48;
    const centers = Array.from({ length: 20 }, () => randomUnit(dims, next));
    const items = Array.from({ length: 3000 }, (_, i) => ({
      scope: 's',
      id: `v${i}`,
      vector: near(centers[i % 20]!, 0.6, next),
    }));
    const bulk = new VectorIndex({ dims, maxListSize: 32, nprobe: 8 });
    const oneByOne = new VectorIndex({ dims, maxListSize: 32, nprobe: 8 });
    bulk.addMany(items);
    for (const it of items) oneByOne.add(it.scope, it.id, it.vector);
    assert.equal(bulk.size, 3000);
    // Lists of the same kind: more than one, none larger than maxListSize (the vectors are distinct).
    assert.ok(bulk.listCount('s') > 3000 / 32, `lists ${bulk.listCount('s')}`);
    let bulkFound = 0;
    let oneFound = 0;
    let asked = 0;
    for (let i = 0; i < 3000; i += 10) {
      asked++;
      const q = near(items[i]!.vector, 0.05, next);
      const exact = bulk.searchExact('s', q, 1, 0)[0]!;
      assert.equal(exact.id, oneByOne.searchExact('s', q, 1, 0)[0]!.id);
      if (bulk.search('s', q, 1, 0)[0]?.id === exact.id) bulkFound++;
      if (oneByOne.search('s', q, 1, 0)[0]?.id === exact.id) oneFound++;
    }
    assert.ok(bulkFound / asked >= 0.9, `bulk recall ${bulkFound}/${asked}`);
    assert.ok(bulkFound >= oneFound - asked * 0.05, `bulk ${bulkFound} vs one by one ${oneFound}`);
    // Still a normal index afterwards: inserts split lists, removals work.
    for (let i = 0; i < 500; i++) bulk.add('s', `w${i}`, near(centers[i % 20]!, 0.6, next));
    for (let i = 0; i < 3000; i += 2) assert.ok(bulk.remove(`v${i}`));
    assert.equal(bulk.size, 2000);
    const q = near(items[1]!.vector, 0.01, next);
    assert.equal(bulk.search('s', q, 1, 0)[0]!.id, 'v1');
  });

  test('addMany keeps add semantics: later duplicates win, replaced ids, recency order, other scopes, eviction', () => {
    const next = rng(5);
    const dims = 16;
    const evicted: Array<[string, string]> = [];
    const idx = new VectorIndex({ dims, maxListSize: 8, maxEntries: 60 });
    idx.onEvict((id, reason) => evicted.push([id, reason]));
    idx.add('s', 'old', randomUnit(dims, next));
    idx.add('s', 'kept', randomUnit(dims, next));
    const dup = randomUnit(dims, next);
    const items = [
      { scope: 's', id: 'old', vector: randomUnit(dims, next) },
      ...Array.from({ length: 40 }, (_, i) => ({ scope: 's', id: `a${i}`, vector: randomUnit(dims, next) })),
      { scope: 'small', id: 'x', vector: randomUnit(dims, next) },
      { scope: 's', id: 'a3', vector: dup },
    ];
    idx.addMany(items);
    assert.equal(idx.size, 2 + 40 + 1);
    assert.deepEqual(evicted, [['old', 'replaced']]);
    assert.equal(idx.search('s', dup, 1, 0.999)[0]!.id, 'a3');
    assert.equal(idx.search('small', items[41]!.vector, 1, 0.999)[0]!.id, 'x');
    assert.throws(
      () => idx.addMany([{ scope: 's', id: 'bad', vector: new Float32Array(3) }]),
      /3 dimensions/,
    );
    // 'kept' (added before the batch) is the least recently used: it is evicted first.
    idx.addMany(
      Array.from({ length: 18 }, (_, i) => ({ scope: 'small', id: `b${i}`, vector: randomUnit(dims, next) })),
    );
    assert.equal(idx.size, 60);
    assert.deepEqual(evicted.slice(1), [['kept', 'lru']]);
  });
});
