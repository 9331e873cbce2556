import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runInNewContext } from 'node:vm';
import { fullGc } from './full-gc.js';

test('fullGc collects unreachable memory and leaves gc exposed nowhere', () => {
  let garbage: number[][] | null = Array.from({ length: 200 }, (_, i) => new Array(20_000).fill(i));
  const held = process.memoryUsage().heapUsed;
  assert.ok(garbage.length === 200);
  garbage = null;
  assert.equal(fullGc(), true);
  const after = process.memoryUsage().heapUsed;
  // 200 × 20,000 small integers is ~32 MB of elements; all of it is gone after the collection.
  assert.ok(held - after > 25 * 1024 * 1024, `heap used ${held} -> ${after}`);
  // The flag was set only while taking the function: no later context gets a gc global.
  assert.equal(runInNewContext('typeof gc'), 'undefined');
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined');
  assert.equal(fullGc(), true);
});
