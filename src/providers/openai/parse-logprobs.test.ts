import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLogprobs } from './parse-logprobs.js';

test('OpenAI logprobs.content[] becomes token log-probabilities; malformed input gives null', () => {
  assert.deepEqual(
    parseLogprobs({
      content: [
        { token: 'Six', logprob: -0.01, top_logprobs: [] },
        { token: '.', logprob: -0.2 },
        { token: 7, logprob: -1 },
      ],
    }),
    [
      { token: 'Six', logprob: -0.01 },
      { token: '.', logprob: -0.2 },
    ],
  );
  assert.equal(parseLogprobs(null), null);
  assert.equal(parseLogprobs({ content: 'nope' }), null);
  assert.equal(parseLogprobs({ content: [] }), null);
});
