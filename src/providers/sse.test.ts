import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseParser, sse } from './sse.js';

test('parses events split across chunks at any byte, including inside a UTF-8 character', () => {
  const text = `${sse('{"a":"é"}')}: keep-alive\n\n${sse('{"b":1}', 'message_delta')}data: [DONE]\n\n`;
  const bytes = Buffer.from(text);
  for (let cut = 1; cut < bytes.length; cut++) {
    const p = new SseParser();
    const evs = [...p.push(bytes.subarray(0, cut)), ...p.push(bytes.subarray(cut)), ...p.end()];
    assert.deepEqual(evs, [
      { data: '{"a":"é"}' },
      { event: 'message_delta', data: '{"b":1}' },
      { data: '[DONE]' },
    ]);
  }
});

test('handles CRLF line endings, multi-line data and a final event without a blank line', () => {
  const p = new SseParser();
  const evs = [...p.push('event: x\r\ndata: 1\r\ndata: 2\r\n\r\ndata: tail'), ...p.end()];
  assert.deepEqual(evs, [{ event: 'x', data: '1\n2' }, { data: 'tail' }]);
});
