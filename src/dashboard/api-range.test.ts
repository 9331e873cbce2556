import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PennyError } from '../core/errors.js';
import { parseApiRange } from './api-range.js';

const NOW = Date.UTC(2025, 8, 10);
const q = (s: string) => parseApiRange(new URLSearchParams(s), NOW);

describe('parseApiRange', () => {
  test('since, from/to in ms or ISO, nothing = all time', () => {
    assert.deepEqual(q(''), {});
    assert.deepEqual(q('since=24h'), { from: NOW - 86_400_000 });
    assert.deepEqual(q('since=2w'), { from: NOW - 14 * 86_400_000 });
    assert.deepEqual(q('from=1000&to=2000'), { from: 1000, to: 2000 });
    assert.deepEqual(q('from=2025-09-01&to=2025-09-02'), {
      from: Date.UTC(2025, 8, 1),
      to: Date.UTC(2025, 8, 2),
    });
  });

  test('bad values are 400s naming the parameter', () => {
    for (const [s, param] of [
      ['since=7x', 'since'],
      ['since=0d', 'since'],
      ['from=yesterday', 'from'],
      ['from=2000&to=1000', 'from'],
    ] as const) {
      assert.throws(
        () => q(s),
        (e: unknown) => e instanceof PennyError && e.status === 400 && e.param === param,
        s,
      );
    }
  });
});
