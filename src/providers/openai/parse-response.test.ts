import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProviderError } from '../../core/errors.js';
import { parseResponse } from './parse-response.js';

const completion = {
  id: 'chatcmpl-123',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-2024-08-06',
  system_fingerprint: 'fp_abc',
  service_tier: 'default',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'Checking.',
        refusal: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'wx', arguments: '{"c":"Oslo"}' } }],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    },
    {
      index: 1,
      message: { role: 'assistant', content: null, refusal: 'I cannot help with that.' },
      logprobs: { content: [{ token: 'I', logprob: -0.1, bytes: [73], top_logprobs: [] }] },
      finish_reason: 'stop',
    },
  ],
  usage: {
    prompt_tokens: 2006,
    completion_tokens: 300,
    total_tokens: 2306,
    prompt_tokens_details: { cached_tokens: 1920 },
    completion_tokens_details: { reasoning_tokens: 100 },
  },
};

test('parses choices, tool calls, refusal, logprobs, finish, usage and extra', () => {
  const res = parseResponse(completion, 'openai');
  assert.equal(res.id, 'chatcmpl-123');
  assert.equal(res.model, 'gpt-4o-2024-08-06');
  assert.equal(res.created, 1_700_000_000);
  assert.equal(res.sourceDialect, 'openai');
  assert.deepEqual(res.extra, { system_fingerprint: 'fp_abc', service_tier: 'default' });
  assert.deepEqual(res.choices[0], {
    index: 0,
    content: [
      { type: 'text', text: 'Checking.' },
      { type: 'tool_call', id: 'call_1', name: 'wx', arguments: '{"c":"Oslo"}' },
    ],
    refusal: null,
    logprobs: null,
    finish: { unified: 'tool_calls', raw: 'tool_calls' },
  });
  assert.equal(res.choices[1]?.refusal, 'I cannot help with that.');
  assert.deepEqual(res.choices[1]?.content, []);
  assert.equal(res.choices[1]?.logprobs, completion.choices[1]?.logprobs);
  assert.equal(res.usage?.inputUncached, 86);
  assert.equal(res.usage?.outputText, 200);
});

test('reasoning_content from OpenAI-compatible servers becomes a reasoning part', () => {
  const res = parseResponse(
    {
      id: 'x',
      model: 'deepseek-reasoner',
      created: 1,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: '42', reasoning_content: 'hmm' },
          finish_reason: 'eos',
        },
      ],
    },
    'deepseek',
  );
  assert.deepEqual(res.choices[0]?.content, [
    { type: 'reasoning', text: 'hmm' },
    { type: 'text', text: '42' },
  ]);
  assert.deepEqual(res.choices[0]?.finish, { unified: 'other', raw: 'eos' });
  assert.equal(res.usage, null);
});

test('nonsense bodies are upstream_bad_response errors naming the provider', () => {
  const cases: unknown[] = [
    'oops',
    null,
    [],
    { id: 'x' },
    { choices: [1] },
    { choices: [{ finish_reason: 'stop' }] },
    { choices: [{ message: { content: 5 } }] },
    { choices: [{ message: { content: null, tool_calls: [{ function: {} }] } }] },
  ];
  for (const body of cases) {
    assert.throws(
      () => parseResponse(body, 'acme'),
      (e: unknown) =>
        e instanceof ProviderError &&
        e.code === 'upstream_bad_response' &&
        e.provider === 'acme' &&
        /^acme returned an invalid chat completion/.test(e.message),
      JSON.stringify(body),
    );
  }
});
