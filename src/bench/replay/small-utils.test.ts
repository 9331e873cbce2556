import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCsv, parseCsvRecords } from './csv.js';
import { pyFixed } from './py-format.js';
import { PyRandom } from './py-random.js';
import { splitOf, splitRecords } from './split.js';

describe('PyRandom', () => {
  test('reproduces CPython random.Random(0).random()', () => {
    const r = new PyRandom(0);
    assert.deepEqual(
      [r.random(), r.random(), r.random()],
      [0.8444218515250481, 0.7579544029403025, 0.420571580830845],
    );
    const r2 = new PyRandom(12345);
    for (let i = 0; i < 1000; i++) r2.random();
    assert.equal(r2.random(), 0.06275586230470376);
    assert.throws(() => new PyRandom(-1), RangeError);
  });
});

describe('pyFixed', () => {
  test('rounds exact binary ties half to even like Python', () => {
    assert.equal(pyFixed(9.5625, 3), '9.562');
    assert.equal(pyFixed(56.25, 1), '56.2');
    assert.equal(pyFixed(0.125, 2), '0.12');
    assert.equal(pyFixed(0.375, 2), '0.38');
    assert.equal(pyFixed(2.5, 0), '2');
    assert.equal(pyFixed(0.1 + 0.2, 2), '0.30');
    assert.equal(pyFixed(-1.5, 0), '-2');
    assert.equal(pyFixed(1.005, 2), (1.005).toFixed(2));
  });
});

describe('csv', () => {
  test('handles quotes, embedded newlines and CRLF', () => {
    assert.deepEqual(parseCsv('a,b\r\n"x, ""y""","line1\nline2"\n,\n'), [
      ['a', 'b'],
      ['x, "y"', 'line1\nline2'],
      ['', ''],
    ]);
    assert.deepEqual(parseCsvRecords('\ufeffh1,h2\n1,2\n3'), [
      { h1: '1', h2: '2' },
      { h1: '3', h2: '' },
    ]);
    assert.deepEqual(parseCsvRecords(''), []);
  });
});

describe('split', () => {
  test('is deterministic and roughly balanced', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `prompt ${i}`);
    const { train, test: testHalf } = splitRecords(ids.map((id) => ({ id })));
    assert.equal(train.length + testHalf.length, 2000);
    assert.ok(Math.abs(train.length - 1000) < 80, `${train.length}`);
    assert.equal(splitOf('prompt 7'), splitOf('prompt 7'));
  });
});
