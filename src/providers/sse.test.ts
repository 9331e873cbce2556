import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseParser, eventRange, sse } from './sse.js';

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

test('eventRange: the bytes of a one-line data event in a chunk of whole events, or null', () => {
  const usage = '{"choices":[],"usage":{"prompt_tokens":1}}';
  const ev = { data: usage };
  const cut = (text: string, from = 0) => {
    const chunk = Buffer.from(text);
    const r = eventRange(chunk, ev, from);
    return r && Buffer.concat([chunk.subarray(0, r[0]), chunk.subarray(r[1])]).toString();
  };
  assert.equal(
    cut(`data: {"a":"é"}\n\ndata: ${usage}\n\ndata: [DONE]\n\n`),
    'data: {"a":"é"}\n\ndata: [DONE]\n\n',
  );
  assert.equal(cut(`data:${usage}\n\n`), '');
  assert.equal(
    cut(`data: x\r\n\r\ndata: ${usage}\r\n\r\ndata: [DONE]\r\n\r\n`),
    'data: x\r\n\r\ndata: [DONE]\r\n\r\n',
  );
  // The same text inside another event is not it; the event itself, after it, is.
  assert.equal(cut(`data: [${usage}]\n\ndata: ${usage}\n\n`), `data: [${usage}]\n\n`);
  // Another field of the same event, a second data line, no blank line after, or before `from`: not cut.
  assert.equal(cut(`id: 7\ndata: ${usage}\n\n`), null);
  assert.equal(cut(`data: ${usage}\ndata: more\n\n`), null);
  assert.equal(cut(`data: ${usage}\n`), null);
  assert.equal(cut(`data: ${usage}\n\n`, 1), null);
  assert.equal(eventRange(Buffer.from(`event: x\ndata: ${usage}\n\n`), { event: 'x', data: usage }, 0), null);
});
