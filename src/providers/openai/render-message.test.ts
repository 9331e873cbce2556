import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '../../core/request.js';
import { joinText, renderMessage } from './render-message.js';

function render(msg: Message, sameDialect: boolean): unknown[] {
  const out: unknown[] = [];
  renderMessage(msg, sameDialect, out);
  return out;
}

test('joins several text parts with a blank line, one part verbatim', () => {
  assert.equal(joinText([{ type: 'text', text: 'a' }]), 'a');
  assert.equal(
    joinText([
      { type: 'text', text: 'a' },
      { type: 'text', text: 'b' },
    ]),
    'a\n\nb',
  );
});

test('same dialect: developer role and extra come back; cache_control is kept', () => {
  const msg: Message = {
    role: 'system',
    content: [{ type: 'text', text: 'x', cacheControl: { type: 'ephemeral' } }],
    extra: { role: 'developer', x_id: 1 },
  };
  assert.deepEqual(render(msg, true), [
    {
      role: 'developer',
      x_id: 1,
      content: [{ type: 'text', text: 'x', cache_control: { type: 'ephemeral' } }],
    },
  ]);
});

test('other dialect: extra and cache_control dropped, text-only content becomes a string', () => {
  const msg: Message = {
    role: 'system',
    content: [{ type: 'text', text: 'x', cacheControl: { type: 'ephemeral' } }],
    extra: { role: 'developer', x_id: 1 },
  };
  assert.deepEqual(render(msg, false), [{ role: 'system', content: 'x' }]);
});

test('other dialect: an assistant message with only reasoning is left out', () => {
  assert.deepEqual(render({ role: 'assistant', content: [{ type: 'reasoning', text: 'r' }] }, false), []);
});

test('other dialect: a user message holding only tool results becomes tool messages only', () => {
  const msg: Message = {
    role: 'user',
    content: [
      { type: 'tool_result', toolCallId: 'a', content: 'one' },
      { type: 'tool_result', toolCallId: 'b', content: [{ type: 'text', text: 'two' }] },
    ],
  };
  assert.deepEqual(render(msg, false), [
    { role: 'tool', tool_call_id: 'a', content: 'one' },
    { role: 'tool', tool_call_id: 'b', content: 'two' },
  ]);
});
