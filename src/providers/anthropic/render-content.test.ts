import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidRequestError } from '../../core/errors.js';
import { renderPart, toolInput } from './render-content.js';

test('toolInput: empty means {}, invalid JSON throws naming the path unless lenient', () => {
  assert.deepEqual(toolInput('', 'p'), {});
  assert.deepEqual(toolInput(' {"a":1} ', 'p'), { a: 1 });
  assert.throws(
    () => toolInput('{"a"', 'm[0].arguments'),
    (e: unknown) => e instanceof InvalidRequestError && e.param === 'm[0].arguments',
  );
  assert.throws(() => toolInput('[1]', 'p'), /must be a JSON object/);
  assert.deepEqual(toolInput('{"a"', 'p', true), {});
});

test('parts render as blocks; parts Anthropic cannot carry are dropped', () => {
  assert.deepEqual(renderPart({ type: 'reasoning', text: 't', signature: 's' }, 'p'), {
    type: 'thinking',
    thinking: 't',
    signature: 's',
  });
  assert.deepEqual(renderPart({ type: 'reasoning', text: '', redactedData: 'd' }, 'p'), {
    type: 'redacted_thinking',
    data: 'd',
  });
  assert.equal(renderPart({ type: 'reasoning', text: 'unsigned' }, 'p'), undefined);
  assert.equal(renderPart({ type: 'reasoning', text: 'x', signature: '' }, 'p'), undefined);
  assert.equal(
    renderPart({ type: 'raw', dialect: 'openai', value: { type: 'input_audio' } }, 'p'),
    undefined,
  );
  const raw = { type: 'document', source: {} };
  assert.equal(renderPart({ type: 'raw', dialect: 'anthropic', value: raw }, 'p'), raw);
  assert.deepEqual(
    renderPart(
      {
        type: 'image',
        source: { kind: 'url', url: 'data:image/webp;base64,UklGR' },
        cacheControl: { type: 'ephemeral' },
      },
      'p',
    ),
    {
      type: 'image',
      source: { type: 'base64', media_type: 'image/webp', data: 'UklGR' },
      cache_control: { type: 'ephemeral' },
    },
  );
  assert.deepEqual(renderPart({ type: 'tool_result', toolCallId: 'c', content: [], isError: false }, 'p'), {
    type: 'tool_result',
    tool_use_id: 'c',
    is_error: false,
  });
});
