import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  aiq,
  apgrCpt,
  evaluateScores,
  interp,
  percentile,
  pyRound,
  routedCurve,
  trapz,
  upperNdch,
} from './metrics.js';

describe('RouteLLM metrics', () => {
  // Four queries, 2 bins, worked by hand:
  //   A w0 s1 score .9 | B w0 s1 score .6 | C w1 s1 score .3 | D w1 s0 score .1
  //   weak acc .5, strong acc .75; edges = sorted[0, round(1.5)=2, 3] = .1, .6, .9 (last strict)
  //   points (0%, .5), (50%, 1.0), (100%, .75)
  //   AUC = .5·(.5+1)/2 + .5·(1+.75)/2 = .8125 → APGR = (.8125 − .5) / (.75 − .5) = 1.25
  //   CPT(50%): target .625 on [(0,.5), (100,.75), (50,1)] by accuracy → 50%; CPT(80%): target .7 → 80%
  const items = [
    { w: 0, s: 1 },
    { w: 0, s: 1 },
    { w: 1, s: 1 },
    { w: 1, s: 0 },
  ];
  const scores = [0.9, 0.6, 0.3, 0.1];

  test('quantile sweep curve', () => {
    assert.deepEqual(routedCurve(items, scores, 2), [
      [0, 0.5],
      [50, 1],
      [100, 0.75],
    ]);
  });

  test('APGR and CPT on the hand-made case', () => {
    const r = apgrCpt(routedCurve(items, scores, 2), 0.5, 0.75);
    assert.ok(Math.abs(r.apgr - 1.25) < 1e-12);
    assert.ok(Math.abs(r.cpt50 - 50) < 1e-9);
    assert.ok(Math.abs(r.cpt80 - 80) < 1e-9);
  });

  test('a constant router gives APGR 0.5 (only the all/none points)', () => {
    const r = evaluateScores(items, [1, 1, 1, 1]);
    assert.ok(Math.abs(r.apgr - 0.5) < 1e-12);
  });

  test('helpers match numpy/Python semantics', () => {
    assert.equal(trapz([1, 3], [0, 2]), 4);
    assert.equal(interp(0.5, [0, 1], [10, 20]), 15);
    assert.equal(interp(-1, [0, 1], [10, 20]), 10);
    assert.equal(interp(2, [0, 1], [10, 20]), 20);
    assert.equal(pyRound(0.5), 0);
    assert.equal(pyRound(1.5), 2);
    assert.equal(pyRound(2.5), 2);
    assert.equal(pyRound(2.6), 3);
    assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
  });
});

describe('RouterBench metrics', () => {
  test('NDCH drops dominated and decreasing points', () => {
    assert.deepEqual(
      upperNdch([
        [1, 0.5],
        [2, 0.8],
        [3, 0.7],
        [1.5, 0.55],
        [1, 0.5],
      ]),
      [
        [1, 0.5],
        [2, 0.8],
      ],
    );
  });

  test('AIQ on a hand-made case', () => {
    // Hull (1,.5) (2,.8) then flat to 4: area .65 + 1.6 = 2.25 → / 4
    assert.equal(
      aiq(
        [
          [1, 0.5],
          [2, 0.8],
          [3, 0.7],
        ],
        4,
      ),
      0.5625,
    );
  });
});
