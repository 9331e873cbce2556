import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Check } from '../cascade/checks.js';
import { answerText, runChecksSafely, tokenLogprobs } from './cascade-answer.js';

describe('cascade helpers', () => {
  test('a check that throws fails with its message instead of failing the request', () => {
    const boom: Check = {
      name: 'schema',
      run: () => {
        throw new Error('validator crashed');
      },
    };
    const fine: Check = { name: 'fine', run: () => ({ name: 'fine', passed: true }) };
    const r = runChecksSafely({ text: 'x' }, [boom, fine], {});
    assert.deepEqual(r, [
      { name: 'schema', passed: false, detail: 'check threw: validator crashed' },
      { name: 'fine', passed: true },
    ]);
  });

  test('token log-probabilities from OpenAI’s logprobs object; anything else is null', () => {
    assert.deepEqual(
      tokenLogprobs({
        content: [{ token: 'a', logprob: -0.1, bytes: [97] }, { token: 'b' }, { token: 'c', logprob: -2 }],
      }),
      [
        { token: 'a', logprob: -0.1 },
        { token: 'c', logprob: -2 },
      ],
    );
    assert.equal(tokenLogprobs(null), null);
    assert.equal(tokenLogprobs({ content: 'nope' }), null);
    assert.equal(tokenLogprobs({ content: [] }), null);
  });

  test('checks read the text, or the arguments of an answer that only calls tools', () => {
    const finish = { unified: 'stop' as const, raw: 'stop' };
    assert.equal(answerText({ index: 0, content: [{ type: 'text', text: 'hi' }], finish }), 'hi');
    const call = { type: 'tool_call' as const, id: 'c1', name: 'f', arguments: '{"a":1}' };
    assert.equal(answerText({ index: 0, content: [call], finish }), '{"a":1}');
    assert.equal(
      answerText({ index: 0, content: [call, { ...call, id: 'c2', name: 'g' }], finish }),
      '[{"name":"f","arguments":"{\\"a\\":1}"},{"name":"g","arguments":"{\\"a\\":1}"}]',
    );
    assert.equal(answerText({ index: 0, content: [], finish }), '');
  });
});
