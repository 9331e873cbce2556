import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CanonicalRequest } from '../../core/request.js';
import type { CanonicalResponse } from '../../core/response.js';
import { parseResponse } from './parse-response.js';
import { renderResponse } from './render-response.js';

/** A recorded-shape Messages API response with thinking, text, tool use and a server tool block. */
const MESSAGE = {
  id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [
    { type: 'thinking', thinking: 'The user wants weather.', signature: 'EqQBCkY=' },
    { type: 'text', text: 'Let me check.', citations: null },
    { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'paris' } },
    {
      type: 'tool_use',
      id: 'toolu_01A',
      name: 'get_weather',
      input: { city: 'Paris' },
      caller: { type: 'direct' },
    },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: {
    input_tokens: 12,
    cache_creation_input_tokens: 100,
    cache_read_input_tokens: 2000,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 100 },
    output_tokens: 80,
    output_tokens_details: { thinking_tokens: 30 },
    service_tier: 'standard',
  },
  container: null,
};

const req: CanonicalRequest = {
  dialect: 'anthropic',
  model: 'claude-x',
  system: [],
  messages: [],
  stream: false,
  extra: {},
};

test('an Anthropic response renders back to the same message (modulo normalised defaults)', () => {
  const out = renderResponse(parseResponse(MESSAGE, 'anthropic'), req);
  const expected = structuredClone(MESSAGE) as Record<string, unknown>;
  const content = expected.content as Array<Record<string, unknown>>;
  delete content[1]!.citations;
  delete content[3]!.caller;
  assert.deepEqual(out, expected);
});

test('an OpenAI response renders as a valid Anthropic message, choice 0 only', () => {
  const res: CanonicalResponse = {
    id: 'chatcmpl-abc',
    model: 'gpt-4o-2024-08-06',
    created: 1700000000,
    choices: [
      {
        index: 0,
        content: [
          { type: 'text', text: 'Hi' },
          { type: 'tool_call', id: 'call_1', name: 'f', arguments: '{"x":1}' },
          { type: 'tool_call', id: 'call_2', name: 'g', arguments: '{broken' },
        ],
        finish: { unified: 'tool_calls', raw: 'tool_calls' },
        logprobs: null,
      },
      { index: 1, content: [{ type: 'text', text: 'other' }], finish: { unified: 'stop', raw: 'stop' } },
    ],
    usage: {
      inputUncached: 900,
      cacheRead: 100,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      outputText: 15,
      reasoning: 5,
      raw: { prompt_tokens: 1000 },
    },
    extra: { system_fingerprint: 'fp_1' },
    sourceDialect: 'openai',
  };
  assert.deepEqual(renderResponse(res, req), {
    id: 'msg_chatcmpl-abc',
    type: 'message',
    role: 'assistant',
    model: 'gpt-4o-2024-08-06',
    content: [
      { type: 'text', text: 'Hi' },
      { type: 'tool_use', id: 'call_1', name: 'f', input: { x: 1 } },
      { type: 'tool_use', id: 'call_2', name: 'g', input: {} },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: {
      input_tokens: 900,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 100,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      output_tokens: 20,
      output_tokens_details: { thinking_tokens: 5 },
    },
  });
});

test('finish mapping: stop with a stop sequence, length, content_filter with refusal text', () => {
  const mk = (finish: CanonicalResponse['choices'][0]['finish'], extra: Partial<CanonicalResponse> = {}) =>
    renderResponse(
      {
        id: 'x',
        model: 'm',
        created: 0,
        choices: [{ index: 0, content: [], finish }],
        usage: null,
        ...extra,
      },
      req,
    );
  const seq = mk({ unified: 'stop', raw: 'stop' }, { stopSequence: 'END' });
  assert.equal(seq.stop_reason, 'stop_sequence');
  assert.equal(seq.stop_sequence, 'END');
  assert.equal(mk({ unified: 'length', raw: 'length' }).stop_reason, 'max_tokens');
  assert.equal(mk({ unified: 'stop', raw: 'stop' }).stop_reason, 'end_turn');
  const refused = renderResponse(
    {
      id: 'x',
      model: 'm',
      created: 0,
      choices: [
        {
          index: 0,
          content: [],
          refusal: 'No.',
          finish: { unified: 'content_filter', raw: 'content_filter' },
        },
      ],
      usage: null,
    },
    req,
  );
  assert.equal(refused.stop_reason, 'refusal');
  assert.deepEqual(refused.content, [{ type: 'text', text: 'No.' }]);
  assert.equal((refused.usage as Record<string, unknown>).output_tokens, 0);
});
