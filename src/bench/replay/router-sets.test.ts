import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { overrulingTwoModel, routerSets } from './router-sets.js';

const DATA = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'test',
  'fixtures',
  'replay',
  'datasets',
);

describe('router sets (bench:router --sets)', () => {
  test('names are checked, and OVERRULING becomes its frontier ends as two-model records', () => {
    assert.deepEqual(routerSets('gsm8k, overruling'), ['gsm8k', 'overruling']);
    assert.throws(
      () => routerSets('gsm8k,nope'),
      /--sets: unknown nope \(choose from gsm8k, mmlu, mt_bench, overruling\)/,
    );
    const ov = overrulingTwoModel(DATA);
    assert.notEqual(ov.cheap, ov.strong);
    assert.ok(ov.records.length > 0);
    assert.ok(
      ov.records.every((r) => (r.w === 0 || r.w === 1) && (r.s === 0 || r.s === 1) && r.prompt !== ''),
    );
  });
});
