import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anthropicCodec } from './codec.js';

test('the codec exposes every converter under the anthropic name', () => {
  assert.equal(anthropicCodec.name, 'anthropic');
  const req = anthropicCodec.parseRequest({
    model: 'm',
    max_tokens: 5,
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.deepEqual(anthropicCodec.renderRequest(req, { model: 'm2', forceStreamUsage: true }), {
    model: 'm2',
    max_tokens: 5,
    messages: [{ role: 'user', content: 'hi' }],
  });
  const res = anthropicCodec.parseResponse(
    {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'm',
      content: [{ type: 'text', text: 'yo' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 3, output_tokens: 1 },
    },
    'p',
  );
  assert.equal(anthropicCodec.parseUsage({ input_tokens: 3 }).inputUncached, 3);
  const out = anthropicCodec.renderResponse(res, req);
  assert.deepEqual(out.content, [{ type: 'text', text: 'yo' }]);
  assert.equal(out.stop_reason, 'end_turn');
  const dec = anthropicCodec.createStreamDecoder('p');
  const enc = anthropicCodec.createStreamEncoder(req);
  const events = dec.decode({ event: 'message_stop', data: '{"type":"message_stop"}' });
  assert.deepEqual(events, [{ type: 'end' }]);
  assert.match(enc.encode({ type: 'end' }), /event: message_stop/);
  assert.equal(anthropicCodec.parseError(429, '{}', 'p').code, 'upstream_rate_limited');
  assert.match(
    anthropicCodec.encodeStreamError(anthropicCodec.parseError(529, '{}', 'p')),
    /^event: error\n/,
  );
});
