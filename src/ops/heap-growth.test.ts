import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../config/load.js';
import { applyHeapGrowth } from './heap-growth.js';

test('server.heapGrowthPercent defaults to 0 (V8 decides) and is bounded, the error naming the field', () => {
  assert.equal(loadConfig({ object: {}, env: {} }).config.server.heapGrowthPercent, 0);
  assert.equal(
    loadConfig({ object: { server: { heapGrowthPercent: 30 } }, env: {} }).config.server.heapGrowthPercent,
    30,
  );
  for (const bad of [-1, 1.5, 401, '30']) {
    assert.throws(
      () => loadConfig({ object: { server: { heapGrowthPercent: bad } }, env: {} }),
      /server\.heapGrowthPercent/,
    );
  }
});

test('applyHeapGrowth takes a whole percent ≥ 0 and can give the choice back to V8', () => {
  assert.throws(() => applyHeapGrowth(-1), RangeError);
  assert.throws(() => applyHeapGrowth(2.5), RangeError);
  applyHeapGrowth(30);
  applyHeapGrowth(30);
  applyHeapGrowth(0);
});
