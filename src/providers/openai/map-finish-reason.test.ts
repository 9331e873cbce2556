import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapFinishReason, toOpenAIFinishReason } from './map-finish-reason.js';

test('maps OpenAI finish reasons and keeps the raw value', () => {
  const cases: Array<[unknown, string, string | null]> = [
    ['stop', 'stop', 'stop'],
    ['length', 'length', 'length'],
    ['tool_calls', 'tool_calls', 'tool_calls'],
    ['function_call', 'tool_calls', 'function_call'],
    ['content_filter', 'content_filter', 'content_filter'],
    ['eos', 'other', 'eos'],
    [null, 'other', null],
  ];
  for (const [raw, unified, keptRaw] of cases) {
    assert.deepEqual(mapFinishReason(raw), { unified, raw: keptRaw });
  }
});

test('renders OpenAI raw values verbatim and other dialects by unified value', () => {
  assert.equal(toOpenAIFinishReason({ unified: 'tool_calls', raw: 'function_call' }), 'function_call');
  assert.equal(toOpenAIFinishReason({ unified: 'stop', raw: 'end_turn' }), 'stop');
  assert.equal(toOpenAIFinishReason({ unified: 'stop', raw: 'stop_sequence' }), 'stop');
  assert.equal(toOpenAIFinishReason({ unified: 'length', raw: 'max_tokens' }), 'length');
  assert.equal(toOpenAIFinishReason({ unified: 'tool_calls', raw: 'tool_use' }), 'tool_calls');
  assert.equal(toOpenAIFinishReason({ unified: 'content_filter', raw: 'refusal' }), 'content_filter');
  assert.equal(toOpenAIFinishReason({ unified: 'other', raw: 'pause_turn' }), 'stop');
  assert.equal(toOpenAIFinishReason({ unified: 'error', raw: null }), 'stop');
});
