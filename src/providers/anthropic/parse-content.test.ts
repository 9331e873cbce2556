import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseContentBlock } from './parse-content.js';

test('modelled blocks become canonical parts', () => {
  assert.deepEqual(parseContentBlock({ type: 'text', text: 'a', citations: null }, 'p'), {
    type: 'text',
    text: 'a',
  });
  assert.deepEqual(
    parseContentBlock(
      { type: 'image', source: { type: 'base64', media_type: 'image/gif', data: 'R0lG' } },
      'p',
    ),
    { type: 'image', source: { kind: 'base64', mediaType: 'image/gif', data: 'R0lG' } },
  );
  assert.deepEqual(
    parseContentBlock(
      { type: 'tool_use', id: 'i', name: 'n', input: { x: 1 }, caller: { type: 'direct' } },
      'p',
    ),
    { type: 'tool_call', id: 'i', name: 'n', arguments: '{"x":1}' },
  );
  assert.deepEqual(parseContentBlock({ type: 'thinking', thinking: 't', signature: 's' }, 'p'), {
    type: 'reasoning',
    text: 't',
    signature: 's',
  });
  assert.deepEqual(parseContentBlock({ type: 'redacted_thinking', data: 'd' }, 'p'), {
    type: 'reasoning',
    text: '',
    redactedData: 'd',
  });
  assert.deepEqual(
    parseContentBlock(
      {
        type: 'tool_result',
        tool_use_id: 't',
        content: [
          { type: 'text', text: 'a' },
          { type: 'image', source: { type: 'url', url: 'https://u' } },
        ],
      },
      'p',
    ),
    {
      type: 'tool_result',
      toolCallId: 't',
      content: [
        { type: 'text', text: 'a' },
        { type: 'image', source: { kind: 'url', url: 'https://u' } },
      ],
    },
  );
});

test('blocks with unmodelled keys, sources or types are kept verbatim (same object)', () => {
  const cases = [
    { type: 'server_tool_use', id: 's', name: 'web_search', input: { query: 'q' } },
    { type: 'web_search_tool_result', tool_use_id: 's', content: [] },
    { type: 'foo' },
    { type: 'text', text: 'a', citations: [{ type: 'char_location' }] },
    { type: 'text', text: 'a', future: 1 },
    {
      type: 'tool_use',
      id: 'i',
      name: 'n',
      input: {},
      caller: { type: 'code_execution_20250825', tool_id: 'x' },
    },
    { type: 'tool_result', tool_use_id: 't', content: [{ type: 'document', source: {} }] },
    { type: 'image', source: { type: 'file', file_id: 'f' } },
  ];
  for (const b of cases) {
    const part = parseContentBlock(b, 'p');
    assert.equal(part.type, 'raw', JSON.stringify(b));
    assert.equal(part.type === 'raw' && part.value, b);
  }
});
