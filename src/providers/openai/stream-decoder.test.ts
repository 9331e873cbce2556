import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamEvent } from '../../core/response.js';
import { createStreamDecoder } from './stream-decoder.js';

const head = { id: 'chatcmpl-9', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o' };

function decodeAll(chunks: unknown[]): StreamEvent[] {
  const d = createStreamDecoder('openai');
  const out: StreamEvent[] = [];
  for (const c of chunks) out.push(...d.decode({ data: typeof c === 'string' ? c : JSON.stringify(c) }));
  return out;
}

test('decodes text, tool calls, finish, usage and [DONE]', () => {
  const ch = (choice: Record<string, unknown>) => ({
    ...head,
    system_fingerprint: 'fp_1',
    choices: [{ index: 0, logprobs: null, finish_reason: null, ...choice }],
    usage: null,
  });
  const events = decodeAll([
    ch({ delta: { role: 'assistant', content: '', refusal: null } }),
    ch({ delta: { content: 'Hi' } }),
    ch({
      delta: {
        tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'wx', arguments: '' } }],
      },
    }),
    ch({ delta: { tool_calls: [{ index: 0, function: { arguments: '{"c":' } }] } }),
    ch({ delta: { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] } }),
    ch({
      delta: {
        tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'tz', arguments: '{}' } }],
      },
    }),
    ch({ delta: {}, finish_reason: 'tool_calls' }),
    { ...head, system_fingerprint: 'fp_1', choices: [], usage: { prompt_tokens: 10, completion_tokens: 5 } },
    '[DONE]',
  ]);
  assert.deepEqual(events, [
    {
      type: 'start',
      id: 'chatcmpl-9',
      model: 'gpt-4o',
      created: 1_700_000_000,
      extra: { system_fingerprint: 'fp_1' },
    },
    { type: 'text', index: 0, text: 'Hi' },
    { type: 'tool_call_start', index: 0, toolIndex: 0, id: 'call_a', name: 'wx' },
    { type: 'tool_call_delta', index: 0, toolIndex: 0, argumentsDelta: '{"c":' },
    { type: 'tool_call_delta', index: 0, toolIndex: 0, argumentsDelta: '"Oslo"}' },
    { type: 'tool_call_start', index: 0, toolIndex: 1, id: 'call_b', name: 'tz' },
    { type: 'tool_call_delta', index: 0, toolIndex: 1, argumentsDelta: '{}' },
    { type: 'finish', index: 0, finish: { unified: 'tool_calls', raw: 'tool_calls' } },
    {
      type: 'usage',
      usage: {
        inputUncached: 10,
        cacheRead: 0,
        cacheWrite5m: 0,
        cacheWrite1h: 0,
        outputText: 5,
        reasoning: 0,
        raw: { prompt_tokens: 10, completion_tokens: 5 },
      },
    },
    { type: 'end' },
  ]);
});

test('several choices, refusals and logprobs keep their choice index', () => {
  const lp = { content: [{ token: 'A', logprob: -0.5, bytes: [65], top_logprobs: [] }] };
  const events = decodeAll([
    {
      ...head,
      choices: [{ index: 1, delta: { role: 'assistant', content: 'A' }, logprobs: lp, finish_reason: null }],
    },
    { ...head, choices: [{ index: 0, delta: { refusal: 'No.' }, finish_reason: null }] },
    {
      ...head,
      choices: [
        { index: 0, delta: {}, finish_reason: 'stop' },
        { index: 1, delta: {}, finish_reason: 'length' },
      ],
    },
  ]);
  assert.deepEqual(events.slice(1), [
    { type: 'text', index: 1, text: 'A' },
    { type: 'logprobs', index: 1, logprobs: lp },
    { type: 'refusal', index: 0, text: 'No.' },
    { type: 'finish', index: 0, finish: { unified: 'stop', raw: 'stop' } },
    { type: 'finish', index: 1, finish: { unified: 'length', raw: 'length' } },
  ]);
});

test('start waits for a chunk with choices (Azure sends prompt filter results first)', () => {
  const events = decodeAll([
    { id: '', object: '', created: 0, model: '', choices: [], prompt_filter_results: [] },
    { ...head, choices: [{ index: 0, delta: { content: 'x' }, finish_reason: null }] },
  ]);
  assert.equal(events.length, 2);
  assert.deepEqual(events[0], { type: 'start', id: 'chatcmpl-9', model: 'gpt-4o', created: 1_700_000_000 });
});

test('error events and garbage become error events, with keys redacted', () => {
  const events = decodeAll([
    { error: { message: 'key sk-abcdefghijklmnopqrstu revoked', type: 'server_error' } },
    'not json',
    '42',
  ]);
  assert.deepEqual(events, [
    { type: 'error', code: 'upstream_error', message: 'openai stream error: key sk-*** revoked' },
    { type: 'error', code: 'upstream_bad_response', message: 'openai sent a stream event that is not JSON' },
    {
      type: 'error',
      code: 'upstream_bad_response',
      message: 'openai sent a stream event that is not an object',
    },
  ]);
});
