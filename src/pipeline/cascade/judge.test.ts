import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judgeCheck, judgeRequest, parseJudgeScore } from './judge.js';

describe('judge', () => {
  test('only a strict "SCORE: n" line with 1 ≤ n ≤ 10 is read', () => {
    assert.deepEqual(parseJudgeScore('SCORE: 8'), { score: 8 });
    assert.deepEqual(parseJudgeScore('  score:10 \n'), { score: 10 });
    for (const garbage of [
      '8',
      'SCORE: 8/10',
      'I think SCORE: 9',
      'SCORE: 0',
      'SCORE: 11',
      '',
      'echo: whatever',
    ]) {
      assert.ok('error' in parseJudgeScore(garbage), garbage);
    }
  });

  test('garbage or a failed call fails the check and says what happened', () => {
    assert.equal(judgeCheck('SCORE: 7', 7).passed, true);
    assert.equal(judgeCheck('SCORE: 6', 7).passed, false);
    const g = judgeCheck('The answer looks fine to me.', 7);
    assert.equal(g.passed, false);
    assert.match(g.detail ?? '', /not "SCORE: <1-10>"/);
    const e = judgeCheck(null, 7, 'provider down');
    assert.equal(e.passed, false);
    assert.match(e.detail ?? '', /provider down/);
  });

  test('the judge request carries the question, the (truncated) answer and the strict format', () => {
    const r = judgeRequest({ dialect: 'anthropic' }, 'gpt-4o-mini', 'Q?', 'x'.repeat(50), {
      instructions: 'be strict',
      maxAnswerChars: 10,
    });
    const text = (r.messages[0]!.content[0] as { text: string }).text;
    assert.match(text, /Grading instructions: be strict/);
    assert.match(text, /Question:\nQ\?/);
    assert.match(text, /x{10}\n\[…truncated\]/);
    assert.equal(r.model, 'gpt-4o-mini');
    assert.equal(r.stream, false);
    assert.equal(r.maxTokens, 16);
  });
});
