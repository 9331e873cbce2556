import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ThresholdCalibrator } from './calibration.js';
import { readSamplePrompts } from './calibration-sample.js';
import { routeFeatureSchema } from './config.js';
import { strongFraction } from './threshold.js';

const scores = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

describe('calibrated thresholds', () => {
  test('a target share sets the threshold on the sample, then on the live window once it fills', () => {
    const sample = scores(100, (i) => i / 100);
    const c = new ThresholdCalibrator({
      targetStrongShare: 0.3,
      window: 200,
      minSamples: 50,
      fallback: 0.5,
      sample: { scores: sample },
    });
    assert.equal(c.current().source, 'sample');
    assert.ok(Math.abs(strongFraction(sample, c.threshold()) - 0.3) < 1e-9);
    // Live traffic scores much lower than the sample: the threshold follows it.
    for (const s of scores(60, (i) => i / 600)) c.observe(s);
    assert.equal(c.current().source, 'live');
    const live = scores(60, (i) => i / 600);
    assert.ok(Math.abs(strongFraction(live, c.threshold()) - 0.3) < 0.02, `threshold ${c.threshold()}`);
  });

  test('without a sample or traffic the fixed threshold applies; seeding fills the window', () => {
    const c = new ThresholdCalibrator({
      targetStrongShare: 0.1,
      window: 100,
      minSamples: 20,
      fallback: 0.42,
    });
    assert.deepEqual(c.current(), { threshold: 0.42, source: 'fixed', share: null });
    c.seed(scores(40, (i) => i));
    assert.equal(c.current().source, 'live');
    assert.equal(
      strongFraction(
        scores(40, (i) => i),
        c.threshold(),
      ),
      0.1,
    );
  });

  test('a cost target becomes the share that meets it from the requests’ cheap/strong estimates', () => {
    // cheap $1, strong $11 per request: a $3.50 target is a 25% strong share.
    const sample = {
      scores: scores(100, (i) => i),
      cheapUsd: scores(100, () => 1),
      strongUsd: scores(100, () => 11),
    };
    const c = new ThresholdCalibrator({
      targetCostUsd: 3.5,
      window: 100,
      minSamples: 100,
      fallback: 0.5,
      sample,
    });
    assert.equal(c.current().share, 0.25);
    assert.equal(strongFraction(sample.scores, c.threshold()), 0.25);
  });

  test('config: one target, a router, errors name the field', () => {
    const ok = routeFeatureSchema.parse({
      router: 'heuristic',
      cheap: 'a',
      strong: 'b',
      targetStrongShare: 0.3,
      calibration: { sample: 'p.txt' },
    });
    assert.equal(ok.calibration?.window, 500);
    const err = (v: unknown) =>
      routeFeatureSchema.safeParse(v).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    assert.deepEqual(
      err({ router: 'heuristic', cheap: 'a', strong: 'b', targetStrongShare: 0.3, targetCostUsd: 1 }),
      ['targetCostUsd: give targetStrongShare or targetCostUsd, not both'],
    );
    assert.deepEqual(err({ targetStrongShare: 0.3 }), [
      'targetStrongShare: a calibrated threshold needs a difficulty `router`',
    ]);
    assert.match(
      err({ router: 'heuristic', cheap: 'a', strong: 'b', targetStrongShare: 1.5 })![0]!,
      /^targetStrongShare: /,
    );
  });

  test('sample files: plain lines, JSONL with prompt or text', () => {
    assert.deepEqual(readSamplePrompts('hello\n{"prompt":"p"}\n{"text":"t"}\n\n{not json\n'), [
      'hello',
      'p',
      't',
      '{not json',
    ]);
  });
});
