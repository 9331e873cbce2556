import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamEvent } from '../../core/response.js';
import { parseRequest } from './parse-request.js';
import { createStreamEncoder } from './stream-encoder.js';

function request(streamUsage: boolean) {
  return parseRequest({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'x' }],
    stream: true,
    ...(streamUsage ? { stream_options: { include_usage: true } } : {}),
  });
}

/** Encodes events and returns the JSON payload of every `data:` line ('[DONE]' as a string). */
function encodeAll(events: StreamEvent[], streamUsage: boolean): unknown[] {
  const enc = createStreamEncoder(request(streamUsage));
  let text = '';
  for (const ev of events) text += enc.encode(ev);
  const out: unknown[] = [];
  for (const block of text.split('\n\n')) {
    if (block === '') continue;
    assert.ok(block.startsWith('data: '), block);
    const data = block.slice(6);
    out.push(data === '[DONE]' ? data : JSON.parse(data));
  }
  return out;
}

const usage = {
  inputUncached: 5,
  cacheRead: 100,
  cacheWrite5m: 0,
  cacheWrite1h: 0,
  outputText: 7,
  reasoning: 0,
};

/** What the Anthropic decoder produces for a text + tool_use answer (tool index = content block index). */
const anthropicEvents: StreamEvent[] = [
  { type: 'start', id: 'msg_1', model: 'claude-sonnet-4-5', created: 1_700_000_000 },
  { type: 'reasoning', index: 0, text: 'thinking', signature: 's' },
  { type: 'text', index: 0, text: 'Checking' },
  { type: 'tool_call_start', index: 0, toolIndex: 2, id: 'toolu_a', name: 'wx' },
  { type: 'tool_call_delta', index: 0, toolIndex: 2, argumentsDelta: '{"c":"Oslo"}' },
  { type: 'tool_call_start', index: 0, toolIndex: 3, id: 'toolu_b', name: 'tz' },
  { type: 'tool_call_delta', index: 0, toolIndex: 3, argumentsDelta: '{}' },
  { type: 'finish', index: 0, finish: { unified: 'tool_calls', raw: 'tool_use' }, stopSequence: null },
  { type: 'usage', usage },
  { type: 'end' },
];

test('encodes chunks: role first, dense tool indexes, finish, usage: null then the usage chunk when asked, [DONE]', () => {
  const head = {
    id: 'msg_1',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'claude-sonnet-4-5',
  };
  const c = (delta: unknown, finish: string | null = null) => ({
    ...head,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    usage: null,
  });
  assert.deepEqual(encodeAll(anthropicEvents, true), [
    c({ role: 'assistant', content: '' }),
    c({ content: 'Checking' }),
    c({
      tool_calls: [{ index: 0, id: 'toolu_a', type: 'function', function: { name: 'wx', arguments: '' } }],
    }),
    c({ tool_calls: [{ index: 0, function: { arguments: '{"c":"Oslo"}' } }] }),
    c({
      tool_calls: [{ index: 1, id: 'toolu_b', type: 'function', function: { name: 'tz', arguments: '' } }],
    }),
    c({ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }),
    c({}, 'tool_calls'),
    {
      ...head,
      choices: [],
      usage: {
        prompt_tokens: 105,
        completion_tokens: 7,
        total_tokens: 112,
        prompt_tokens_details: { cached_tokens: 100 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    },
    '[DONE]',
  ]);
});

test('the usage chunk is swallowed when the client did not ask for it', () => {
  const chunks = encodeAll(anthropicEvents, false);
  assert.equal(chunks.length, 8);
  assert.equal(chunks.at(-1), '[DONE]');
  for (const ch of chunks) if (typeof ch === 'object') assert.equal('usage' in (ch as object), false);
});

test('second choices get their role on their first delta; upstream fingerprint is passed on', () => {
  const chunks = encodeAll(
    [
      {
        type: 'start',
        id: 'c1',
        model: 'gpt-4o',
        created: 1,
        extra: { system_fingerprint: 'fp', x_other: 1 },
      },
      { type: 'text', index: 1, text: 'B' },
      { type: 'logprobs', index: 1, logprobs: { content: [] } },
      { type: 'refusal', index: 0, text: 'no' },
      { type: 'error', code: 'upstream_stream_broken', message: 'cut' },
    ],
    false,
  ) as Array<Record<string, unknown>>;
  assert.equal(chunks[0]?.system_fingerprint, 'fp');
  assert.equal('x_other' in (chunks[0] as object), false);
  assert.deepEqual(chunks[1]?.choices, [
    { index: 1, delta: { role: 'assistant', content: 'B' }, logprobs: null, finish_reason: null },
  ]);
  assert.deepEqual(chunks[2]?.choices, [
    { index: 1, delta: {}, logprobs: { content: [] }, finish_reason: null },
  ]);
  assert.deepEqual(chunks[3]?.choices, [
    { index: 0, delta: { refusal: 'no' }, logprobs: null, finish_reason: null },
  ]);
  assert.deepEqual(chunks[4], {
    error: { message: 'cut', type: 'server_error', code: 'upstream_stream_broken' },
  });
});
