import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auditArithmetic, evaluateArithmetic } from './arithmetic.js';

describe('arithmetic audit', () => {
  test('evaluates plain arithmetic, rejects anything else', () => {
    assert.equal(evaluateArithmetic('3 x 60'), 180);
    assert.equal(evaluateArithmetic('(5 + 2) * 3'), 21);
    assert.equal(evaluateArithmetic('$1,000 / 4'), 250);
    assert.equal(evaluateArithmetic('8 x $5 x 60%'), 24);
    assert.equal(evaluateArithmetic('-2 + 5'), 3);
    assert.equal(evaluateArithmetic('2 +'), null);
    assert.equal(evaluateArithmetic('process.exit()'), null);
  });

  test('checks calculator annotations and inline chains', () => {
    const ok = auditArithmetic('He runs 3 x 60 = <<3*60=180>>180 meters, so 180 x 3 = 540 a week.');
    assert.deepEqual(ok, { checked: 2, wrong: 0, examples: [] });
    const chain = auditArithmetic('Total: 22 + 4 x 12 = 22 + 48 = 71 apples');
    assert.equal(chain.checked, 2);
    assert.equal(chain.wrong, 1);
    assert.match(chain.examples[0]!, /22 \+ 48 = 71/);
  });

  test('tolerates rounding to cents and percent notation', () => {
    assert.equal(auditArithmetic('1/3 = 0.33').wrong, 0);
    assert.equal(auditArithmetic('0.1 * 100 = 10%').wrong, 0);
    assert.equal(auditArithmetic('7/8 = 0.8').wrong, 1);
  });

  test('skips expressions whose left end was cut off by words', () => {
    const a = auditArithmetic('15 floors * 8 units/floor * 3/4 = 90 units');
    assert.equal(a.wrong, 0);
  });
});
