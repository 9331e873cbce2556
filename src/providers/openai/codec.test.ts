import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProviderError } from '../../core/errors.js';
import { openaiCodec } from './codec.js';

test('the codec wires every converter of the OpenAI dialect', () => {
  assert.equal(openaiCodec.name, 'openai');
  const body = {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
    stream_options: { include_usage: false },
  };
  const req = openaiCodec.parseRequest(body);
  assert.deepEqual(openaiCodec.renderRequest(req, { model: 'gpt-4o-mini', forceStreamUsage: false }), body);
  assert.deepEqual(openaiCodec.renderRequest(req, { model: 'gpt-4o', forceStreamUsage: true }), {
    ...body,
    model: 'gpt-4o',
    stream_options: { include_usage: true },
  });
  assert.equal(openaiCodec.parseUsage({ prompt_tokens: 3, completion_tokens: 1 }).inputUncached, 3);
  assert.ok(openaiCodec.parseError(429, '{}', 'openai') instanceof ProviderError);
  const enc = openaiCodec.createStreamEncoder(req);
  assert.equal(enc.encode({ type: 'end' }), 'data: [DONE]\n\n');
  assert.deepEqual(openaiCodec.createStreamDecoder('openai').decode({ data: '[DONE]' }), [{ type: 'end' }]);
});
