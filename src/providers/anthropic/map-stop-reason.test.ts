import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapStopReason, toAnthropicStopReason } from './map-stop-reason.js';

test('Anthropic stop reasons map to unified ones, raw kept', () => {
  const table: Array<[string | null, string]> = [
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'other'],
    ['something_new', 'other'],
    [null, 'other'],
  ];
  for (const [raw, unified] of table) assert.deepEqual(mapStopReason(raw), { unified, raw });
});

test('Anthropic raw values round-trip; OpenAI values translate', () => {
  for (const raw of [
    'end_turn',
    'stop_sequence',
    'max_tokens',
    'model_context_window_exceeded',
    'tool_use',
    'refusal',
    'pause_turn',
  ]) {
    assert.equal(toAnthropicStopReason(mapStopReason(raw), raw === 'stop_sequence' ? 'X' : null), raw);
  }
  assert.equal(toAnthropicStopReason({ unified: 'stop', raw: 'stop' }), 'end_turn');
  assert.equal(toAnthropicStopReason({ unified: 'stop', raw: 'stop' }, '###'), 'stop_sequence');
  assert.equal(toAnthropicStopReason({ unified: 'length', raw: 'length' }), 'max_tokens');
  assert.equal(toAnthropicStopReason({ unified: 'tool_calls', raw: 'tool_calls' }), 'tool_use');
  assert.equal(toAnthropicStopReason({ unified: 'tool_calls', raw: 'function_call' }), 'tool_use');
  assert.equal(toAnthropicStopReason({ unified: 'content_filter', raw: 'content_filter' }), 'refusal');
  assert.equal(toAnthropicStopReason({ unified: 'error', raw: null }), 'end_turn');
  assert.equal(toAnthropicStopReason({ unified: 'other', raw: null }), 'end_turn');
});
