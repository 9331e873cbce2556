/** Money formatting: exact decimal text, trailing zeros trimmed, for every magnitude and sign. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatUsd, moneyToDecimal, perTokenToPerMillionText, usd } from './money.js';

test('moneyToDecimal: exact picodollars, trailing zeros trimmed, no lone point', () => {
  const cases: [bigint, string][] = [
    [0n, '0'],
    [1n, '0.000000000001'],
    [10n, '0.00000000001'],
    [6_000_000n, '0.000006'],
    [1_000_000_000_000n, '1'],
    [1_230_000_000_000n, '1.23'],
    [-4_500_000_000n, '-0.0045'],
    [123_456_789_012_345_678_901n, '123456789.012345678901'],
  ];
  for (const [m, text] of cases) {
    assert.equal(moneyToDecimal(m), text);
    assert.equal(usd(text), m, `${text} parses back`);
  }
});

test('moneyToDecimal round-trips every magnitude with zeros anywhere in it', () => {
  for (let digits = 1; digits <= 24; digits++) {
    for (const fill of ['1', '0', '5']) {
      const v = BigInt(`9${fill.repeat(digits - 1)}`);
      assert.equal(usd(moneyToDecimal(v)), v);
      assert.equal(usd(moneyToDecimal(-v)), -v);
      assert.ok(!moneyToDecimal(v).endsWith('0') || !moneyToDecimal(v).includes('.'), moneyToDecimal(v));
    }
  }
});

test('formatUsd and per-million text keep their forms', () => {
  assert.equal(formatUsd(0n), '$0.00');
  assert.equal(formatUsd(1_200_000_000_000n), '$1.20');
  assert.equal(formatUsd(7_275_000_000n), '$0.007275');
  assert.equal(formatUsd(-1_500_000_000_000n, 0), '-$2.00');
  assert.equal(perTokenToPerMillionText(2_500_000n), '2.5');
  assert.equal(perTokenToPerMillionText(150_000n), '0.15');
});
