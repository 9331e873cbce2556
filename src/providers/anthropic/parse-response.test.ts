import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProviderError } from '../../core/errors.js';
import { parseResponse } from './parse-response.js';

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

test('a message becomes one canonical choice with parts, finish, usage and extra', () => {
  const res = parseResponse(MESSAGE, 'anthropic');
  assert.equal(res.id, MESSAGE.id);
  assert.equal(res.model, MESSAGE.model);
  assert.equal(res.sourceDialect, 'anthropic');
  assert.equal(res.choices.length, 1);
  const c = res.choices[0]!;
  assert.equal(c.index, 0);
  assert.deepEqual(c.content, [
    { type: 'reasoning', text: 'The user wants weather.', signature: 'EqQBCkY=' },
    { type: 'text', text: 'Let me check.' },
    { type: 'raw', dialect: 'anthropic', value: MESSAGE.content[2] },
    { type: 'tool_call', id: 'toolu_01A', name: 'get_weather', arguments: '{"city":"Paris"}' },
  ]);
  assert.deepEqual(c.finish, { unified: 'tool_calls', raw: 'tool_use' });
  assert.equal(res.stopSequence, null);
  assert.deepEqual(res.extra, { container: null });
  assert.equal(res.usage?.inputUncached, 12);
  assert.equal(res.usage?.cacheRead, 2000);
  assert.equal(res.usage?.cacheWrite1h, 100);
  assert.equal(res.usage?.reasoning, 30);
  assert.equal(res.usage?.outputText, 50);
});

test('stop_sequence is kept', () => {
  const res = parseResponse(
    { ...MESSAGE, content: [], stop_reason: 'stop_sequence', stop_sequence: '###' },
    'p',
  );
  assert.equal(res.stopSequence, '###');
  assert.deepEqual(res.choices[0]?.finish, { unified: 'stop', raw: 'stop_sequence' });
});

test('nonsense bodies are upstream_bad_response errors', () => {
  for (const body of [null, 'x', { id: 'a' }, { content: [] }, { id: 'a', content: [1] }]) {
    assert.throws(
      () => parseResponse(body, 'claude-prod'),
      (e: unknown) =>
        e instanceof ProviderError && e.code === 'upstream_bad_response' && e.provider === 'claude-prod',
    );
  }
});
