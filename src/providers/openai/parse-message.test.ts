import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMessage } from './parse-message.js';

test('a developer message keeps its role in extra; content strings are remembered', () => {
  assert.deepEqual(parseMessage({ role: 'developer', content: 'Be brief.' }, 3), {
    role: 'system',
    content: [{ type: 'text', text: 'Be brief.' }],
    contentWasString: true,
    extra: { role: 'developer' },
  });
});

test('assistant content null, [] and text with tool calls', () => {
  const call = { id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } };
  assert.deepEqual(parseMessage({ role: 'assistant', content: null, tool_calls: [call] }, 0), {
    role: 'assistant',
    content: [{ type: 'tool_call', id: 'c1', name: 'f', arguments: '{}' }],
  });
  assert.deepEqual(parseMessage({ role: 'assistant', content: [] }, 0), {
    role: 'assistant',
    content: [],
    contentWasString: false,
  });
  const m = parseMessage({ role: 'assistant', content: 'ok', refusal: null, tool_calls: [call] }, 0);
  assert.deepEqual(
    m.content.map((p) => p.type),
    ['text', 'tool_call'],
  );
  assert.equal(m.refusal, null);
});

test('tool messages carry one tool_result part, string or parts', () => {
  assert.deepEqual(
    parseMessage({ role: 'tool', tool_call_id: 'c1', content: [{ type: 'text', text: 'r' }], name: 'f' }, 1),
    {
      role: 'tool',
      name: 'f',
      content: [{ type: 'tool_result', toolCallId: 'c1', content: [{ type: 'text', text: 'r' }] }],
    },
  );
});

test('cache_control on text parts is read; unknown part types are kept raw', () => {
  const part = { type: 'future_part', x: 1 };
  const m = parseMessage(
    {
      role: 'user',
      content: [{ type: 'text', text: 'ctx', cache_control: { type: 'ephemeral', ttl: '1h' } }, part],
    },
    0,
  );
  assert.deepEqual(m.content, [
    { type: 'text', text: 'ctx', cacheControl: { type: 'ephemeral', ttl: '1h' } },
    { type: 'raw', dialect: 'openai', value: part },
  ]);
});
