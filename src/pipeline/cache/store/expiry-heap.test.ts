import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpiryHeap, type RowRef } from './expiry-heap.js';

test('expiry heap: rows come out by expiry, then rowid; compact keeps only the live ones', () => {
  const h = new ExpiryHeap();
  const rows: RowRef[] = [];
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  for (let id = 1; id <= 500; id++) {
    const row = { key: `k${id}`, id, expiresAt: rand() % 100 };
    rows.push(row);
    h.push(row);
  }
  const sorted = [...rows].sort((a, b) => a.expiresAt - b.expiresAt || a.id - b.id);
  assert.equal(h.peek(), sorted[0]);
  const out: RowRef[] = [];
  for (let i = 0; i < 100; i++) out.push(h.pop()!);
  assert.deepEqual(out, sorted.slice(0, 100));
  // Every other remaining row is dropped as stale.
  const live = new Set(sorted.slice(100).filter((_, i) => i % 2 === 0));
  h.compact((r) => live.has(r));
  assert.equal(h.size, live.size);
  const rest: RowRef[] = [];
  for (let r = h.pop(); r !== undefined; r = h.pop()) rest.push(r);
  assert.deepEqual(rest, [...live]);
  assert.equal(h.size, 0);
  assert.equal(h.pop(), undefined);
});
