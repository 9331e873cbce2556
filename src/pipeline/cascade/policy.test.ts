import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileCheck, compileChecks } from './checks.js';
import { type CascadeStep, decideCascade, evaluateStep, type StepOutcome, walkCascade } from './policy.js';

const ok = (model: string, text = 'fine'): StepOutcome => ({
  model,
  answer: { text },
  checks: [],
  passed: true,
});
const failed = (model: string): StepOutcome => ({
  model,
  answer: { text: 'I cannot' },
  checks: [{ name: 'notRefusalOrHedge', passed: false }],
  passed: false,
});
const callFailed = (model: string): StepOutcome => ({
  model,
  answer: null,
  checks: [],
  passed: false,
  error: '503',
});

describe('decideCascade', () => {
  const models = ['cheap', 'mid', 'strong'];

  test('starts with the cheapest model', () => {
    assert.deepEqual(decideCascade(models, []), { action: 'call', step: 0, model: 'cheap', reason: 'start' });
  });

  test('accepts an answer whose checks pass', () => {
    const d = decideCascade(models, [ok('cheap')]);
    assert.equal(d.action, 'accept');
    assert.equal(d.action === 'accept' && d.model, 'cheap');
  });

  test('escalates on a failed check or a failed call, naming why', () => {
    const d = decideCascade(models, [failed('cheap')]);
    assert.deepEqual(d, { action: 'call', step: 1, model: 'mid', reason: 'failed: notRefusalOrHedge' });
    const e = decideCascade(models, [failed('cheap'), callFailed('mid')]);
    assert.equal(e.action === 'call' && e.model, 'strong');
    assert.match(e.reason, /503/);
  });

  test('accepts the last model even when its checks fail', () => {
    const d = decideCascade(models, [failed('cheap'), failed('mid'), failed('strong')]);
    assert.equal(d.action === 'accept' && d.model, 'strong');
  });

  test('when the last call fails, serves the best earlier answer rather than dropping the request', () => {
    const partial: StepOutcome = {
      model: 'mid',
      answer: { text: 'x' },
      checks: [
        { name: 'a', passed: true },
        { name: 'b', passed: false },
      ],
      passed: false,
    };
    const d = decideCascade(models, [failed('cheap'), partial, callFailed('strong')]);
    assert.equal(d.action === 'accept' && d.model, 'mid');
    assert.equal(decideCascade(['a'], [callFailed('a')]).action, 'fail');
    assert.equal(decideCascade([], []).action, 'fail');
  });
});

describe('walkCascade', () => {
  test('two cheap answers that agree finish without the strong model', () => {
    const steps: CascadeStep[] = [
      { model: 'a', checks: compileChecks([{ type: 'nonEmpty' }, { type: 'agreement', mode: 'yesno' }]) },
      { model: 'b', checks: compileChecks([{ type: 'agreement', mode: 'yesno' }]) },
      { model: 'strong', checks: [] },
    ];
    const agree = walkCascade(steps, (m) => ({ text: m === 'strong' ? 'No' : 'Yes' }));
    assert.equal(agree.decision.action === 'accept' && agree.decision.model, 'b');
    assert.deepEqual(
      agree.outcomes.map((o) => o.model),
      ['a', 'b'],
    );
    const disagree = walkCascade(steps, (m) => ({ text: m === 'a' ? 'Yes' : 'No' }));
    assert.equal(disagree.decision.action === 'accept' && disagree.decision.model, 'strong');
    assert.equal(disagree.outcomes.length, 3);
  });

  test('evaluateStep passes earlier answers as peers, newest first', () => {
    const step: CascadeStep = { model: 'c', checks: [compileCheck({ type: 'agreement', mode: 'text' })] };
    const o = evaluateStep(step, { text: 'B' }, [ok('a', 'A'), ok('b', 'b')]);
    assert.equal(o.passed, true);
    assert.match(o.checks[0]!.detail ?? '', /with b/);
    const failedCall = evaluateStep(step, null, [], {}, 'timeout');
    assert.equal(failedCall.passed, false);
    assert.equal(failedCall.error, 'timeout');
  });
});

describe('walkCascade with parallelWith', () => {
  test('the parallel model is asked beside the step (not on the last one) and is the newest peer', () => {
    const agree = compileCheck({ type: 'agreement', mode: 'text' });
    const steps: CascadeStep[] = [
      { model: 'cheap', checks: [agree], parallelWith: 'peer' },
      { model: 'strong', checks: [], parallelWith: 'peer' },
    ];
    const answers: Record<string, string> = { cheap: 'Paris', peer: 'paris', strong: 'Lyon' };
    const t = walkCascade(steps, (m) => ({ text: answers[m]! }));
    assert.equal(t.decision.action === 'accept' && t.decision.model, 'cheap');
    assert.deepEqual(t.parallel, [{ step: 0, model: 'peer', answered: true }]);
    answers.peer = 'Rome';
    const u = walkCascade(steps, (m) => ({ text: answers[m]! }));
    assert.equal(u.decision.action === 'accept' && u.decision.model, 'strong');
    // Escalated: the peer was asked once, beside the cheap step only.
    assert.deepEqual(u.parallel, [{ step: 0, model: 'peer', answered: true }]);
    const none = walkCascade(steps, (m) => (m === 'peer' ? null : { text: answers[m]! }));
    assert.equal(none.outcomes[0]!.checks[0]!.passed, false);
    assert.deepEqual(none.parallel, [{ step: 0, model: 'peer', answered: false }]);
  });
});
