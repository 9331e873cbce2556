import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProviderError } from '../../core/errors.js';
import type { StreamEvent } from '../../core/response.js';
import { SseParser } from '../sse.js';
import { AnthropicStreamDecoder } from './stream-decoder.js';

/** The event sequence of a Messages stream with thinking, text and two tool calls (recorded shape). */
const STREAM = [
  [
    'message_start',
    {
      type: 'message_start',
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: 25,
          cache_creation_input_tokens: 1000,
          cache_read_input_tokens: 0,
          cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 1000 },
          output_tokens: 1,
        },
      },
    },
  ],
  [
    'content_block_start',
    {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'thinking', thinking: '', signature: '' },
    },
  ],
  ['ping', { type: 'ping' }],
  [
    'content_block_delta',
    { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Hmm.' } },
  ],
  [
    'content_block_delta',
    { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig==' } },
  ],
  ['content_block_stop', { type: 'content_block_stop', index: 0 }],
  [
    'content_block_start',
    { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
  ],
  [
    'content_block_delta',
    { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Checking ' } },
  ],
  [
    'content_block_delta',
    { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'now.' } },
  ],
  ['content_block_stop', { type: 'content_block_stop', index: 1 }],
  [
    'content_block_start',
    {
      type: 'content_block_start',
      index: 2,
      content_block: { type: 'server_tool_use', id: 'srv', name: 'web_search', input: {} },
    },
  ],
  [
    'content_block_delta',
    {
      type: 'content_block_delta',
      index: 2,
      delta: { type: 'input_json_delta', partial_json: '{"query":"x"}' },
    },
  ],
  ['content_block_stop', { type: 'content_block_stop', index: 2 }],
  [
    'content_block_start',
    {
      type: 'content_block_start',
      index: 3,
      content_block: { type: 'tool_use', id: 'toolu_A', name: 'get_weather', input: {} },
    },
  ],
  [
    'content_block_delta',
    { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '' } },
  ],
  [
    'content_block_delta',
    {
      type: 'content_block_delta',
      index: 3,
      delta: { type: 'input_json_delta', partial_json: '{"city": "Pa' },
    },
  ],
  [
    'content_block_delta',
    { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: 'ris"}' } },
  ],
  ['content_block_stop', { type: 'content_block_stop', index: 3 }],
  [
    'content_block_start',
    {
      type: 'content_block_start',
      index: 4,
      content_block: { type: 'tool_use', id: 'toolu_B', name: 'get_time', input: {} },
    },
  ],
  [
    'content_block_delta',
    { type: 'content_block_delta', index: 4, delta: { type: 'input_json_delta', partial_json: '{}' } },
  ],
  ['content_block_stop', { type: 'content_block_stop', index: 4 }],
  [
    'message_delta',
    {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: {
        input_tokens: 25,
        cache_creation_input_tokens: null,
        cache_read_input_tokens: 40,
        output_tokens: 90,
        output_tokens_details: { thinking_tokens: 12 },
      },
    },
  ],
  ['message_stop', { type: 'message_stop' }],
] as const;

function sseText(events: ReadonlyArray<readonly [string, unknown]>): string {
  return events.map(([e, d]) => `event: ${e}\ndata: ${JSON.stringify(d)}\n\n`).join('');
}

function decodeAll(text: string): StreamEvent[] {
  const dec = new AnthropicStreamDecoder('anthropic');
  const p = new SseParser();
  return [...p.push(text), ...p.end()].flatMap((ev) => dec.decode(ev));
}

test('decodes a full stream into canonical events, merging usage from message_start and message_delta', () => {
  const evs = decodeAll(sseText(STREAM));
  const usage = evs.find((e) => e.type === 'usage');
  assert.deepEqual(
    evs.filter((e) => e.type !== 'usage'),
    [
      { type: 'start', id: 'msg_1', model: 'claude-sonnet-4-5', created: 0 },
      { type: 'reasoning', index: 0, text: 'Hmm.' },
      { type: 'reasoning', index: 0, text: '', signature: 'sig==' },
      { type: 'text', index: 0, text: 'Checking ' },
      { type: 'text', index: 0, text: 'now.' },
      { type: 'tool_call_start', index: 0, toolIndex: 0, id: 'toolu_A', name: 'get_weather' },
      { type: 'tool_call_delta', index: 0, toolIndex: 0, argumentsDelta: '{"city": "Pa' },
      { type: 'tool_call_delta', index: 0, toolIndex: 0, argumentsDelta: 'ris"}' },
      { type: 'tool_call_start', index: 0, toolIndex: 1, id: 'toolu_B', name: 'get_time' },
      { type: 'tool_call_delta', index: 0, toolIndex: 1, argumentsDelta: '{}' },
      { type: 'finish', index: 0, finish: { unified: 'tool_calls', raw: 'tool_use' }, stopSequence: null },
      { type: 'end' },
    ],
  );
  assert.equal(evs.filter((e) => e.type === 'usage').length, 1);
  assert.ok(usage && usage.type === 'usage');
  const { raw, ...counts } = usage.usage;
  assert.deepEqual(counts, {
    inputUncached: 25,
    cacheRead: 40, // the later non-null value wins
    cacheWrite5m: 0,
    cacheWrite1h: 1000, // message_delta's null does not erase message_start's value
    outputText: 78,
    reasoning: 12,
  });
  assert.equal((raw as Record<string, unknown>).output_tokens, 90);
  // usage comes right after finish, before end
  const types = evs.map((e) => e.type);
  assert.deepEqual(types.slice(-3), ['finish', 'usage', 'end']);
});

test('usage is emitted at message_stop when no message_delta came', () => {
  const evs = decodeAll(sseText([STREAM[0], ['message_stop', { type: 'message_stop' }]]));
  assert.deepEqual(
    evs.map((e) => e.type),
    ['start', 'usage', 'end'],
  );
});

test('stop_sequence and error events; non-JSON data is upstream_bad_response', () => {
  const dec = new AnthropicStreamDecoder('p');
  assert.deepEqual(
    dec.decode({
      event: 'message_delta',
      data: '{"type":"message_delta","delta":{"stop_reason":"stop_sequence","stop_sequence":"END"},"usage":{"output_tokens":3}}',
    }),
    [
      { type: 'finish', index: 0, finish: { unified: 'stop', raw: 'stop_sequence' }, stopSequence: 'END' },
      {
        type: 'usage',
        usage: {
          inputUncached: 0,
          cacheRead: 0,
          cacheWrite5m: 0,
          cacheWrite1h: 0,
          outputText: 3,
          reasoning: 0,
          raw: { output_tokens: 3 },
        },
      },
    ],
  );
  assert.deepEqual(
    dec.decode({
      event: 'error',
      data: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded key sk-ant-api03-abcdefghijklmnop"}}',
    }),
    [
      {
        type: 'error',
        code: 'upstream_error',
        message: 'Overloaded key sk-ant-***',
        upstreamType: 'overloaded_error',
      },
    ],
  );
  assert.deepEqual(dec.decode({ event: 'ping', data: '{"type": "ping"}' }), []);
  assert.throws(
    () => dec.decode({ data: 'not json' }),
    (e: unknown) => e instanceof ProviderError && e.code === 'upstream_bad_response',
  );
});
