import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidRequestError } from '../../core/errors.js';
import { parseRequest } from './parse-request.js';

function rejects(body: unknown, param: string | undefined, message: RegExp): void {
  assert.throws(
    () => parseRequest(body),
    (e: unknown) => {
      assert.ok(e instanceof InvalidRequestError, `expected InvalidRequestError, got ${String(e)}`);
      assert.equal(e.param, param);
      assert.match(e.message, message);
      return true;
    },
  );
}

const user = { role: 'user', content: 'hi' };
const m0 = (msg: unknown) => ({ model: 'm', messages: [msg] });

describe('parseRequest validation', () => {
  test('body, model and messages', () => {
    rejects('x', undefined, /body must be a JSON object/);
    rejects([], undefined, /body must be a JSON object/);
    rejects({ messages: [user] }, 'model', /model is required/);
    rejects({ model: '', messages: [user] }, 'model', /model must not be empty/);
    rejects({ model: 7, messages: [user] }, 'model', /model must be a string, got a number/);
    rejects({ model: 'x'.repeat(257), messages: [user] }, 'model', /257 characters long; .* at most 256/);
    rejects({ model: 'gpt\u0000', messages: [user] }, 'model', /control character \(U\+0000\) at position 3/);
    rejects({ model: 'gpt\ud800', messages: [user] }, 'model', /unpaired surrogate/);
    rejects({ model: 'm' }, 'messages', /messages must be a non-empty array/);
    rejects({ model: 'm', messages: [] }, 'messages', /messages must be a non-empty array/);
  });

  test('roles and message shapes name the field', () => {
    const m = (msg: unknown) => ({ model: 'm', messages: [user, user, msg] });
    assert.throws(
      () => parseRequest(m({ role: 'bot', content: 'x' })),
      new InvalidRequestError(
        'messages[2].role must be one of system, developer, user, assistant, tool, got "bot"',
        'messages[2].role',
      ),
    );
    rejects(m('hello'), 'messages[2]', /messages\[2\] must be an object, got a string/);
    rejects(m({ role: 'user' }), 'messages[2].content', /string or an array of content parts/);
    rejects(m({ role: 'user', content: 5 }), 'messages[2].content', /got a number/);
    rejects(
      m({ role: 'user', content: [{ type: 'text' }] }),
      'messages[2].content[0].text',
      /must be a string/,
    );
    rejects(m({ role: 'user', content: [{ text: 'x' }] }), 'messages[2].content[0].type', /must be a string/);
    rejects(
      m({ role: 'user', content: [{ type: 'image_url', image_url: {} }] }),
      'messages[2].content[0].image_url.url',
      /must be a string/,
    );
    rejects(m({ role: 'tool', content: 'x' }), 'messages[2].tool_call_id', /must be a string/);
    rejects(
      m({ role: 'tool', tool_call_id: 'c', content: [{ type: 'input_audio' }] }),
      'messages[2].content[0].type',
      /one of text, image_url/,
    );
    rejects(
      m({
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c', type: 'function', function: { name: 'f' } }],
      }),
      'messages[2].tool_calls[0].function.arguments',
      /must be a string/,
    );
    rejects(
      m({ role: 'user', content: [{ type: 'text', text: 'x', cache_control: { type: 'forever' } }] }),
      'messages[2].content[0].cache_control.type',
      /one of ephemeral/,
    );
  });

  test('top-level field types', () => {
    const b = (extra: Record<string, unknown>) => ({ model: 'm', messages: [user], ...extra });
    rejects(b({ temperature: 'hot' }), 'temperature', /temperature must be a finite number, got a string/);
    rejects(b({ temperature: Number('1e400') }), 'temperature', /finite number, got a number out of range/);
    rejects(b({ n: 0 }), 'n', /integer from 1 to 128, got 0/);
    rejects(b({ n: 1.5 }), 'n', /integer from 1 to 128, got 1.5 \(not a whole number\)/);
    rejects(b({ max_tokens: -1 }), 'max_tokens', /integer from 1 to 2147483647, got -1/);
    rejects(b({ max_tokens: 0 }), 'max_tokens', /integer from 1 to 2147483647, got 0/);
    rejects(b({ max_tokens: 1.5 }), 'max_tokens', /got 1.5 \(not a whole number\)/);
    rejects(
      b({ max_completion_tokens: 2 ** 70 }),
      'max_completion_tokens',
      /to 2147483647, got 1.1805916207174113e\+21/,
    );
    rejects(m0({ content: 'x' }), 'messages[0].role', /messages\[0\].role is required/);
    rejects(b({ max_tokens: 5, max_completion_tokens: 5 }), 'max_completion_tokens', /not both/);
    rejects(b({ stop: [1] }), 'stop[0]', /must be a string/);
    rejects(b({ stream: 'yes' }), 'stream', /must be a boolean/);
    rejects(b({ stream_options: { include_usage: 1 } }), 'stream_options.include_usage', /boolean/);
    rejects(b({ tools: {} }), 'tools', /must be an array/);
    rejects(
      b({ tools: [{ type: 'function', function: { name: '' } }] }),
      'tools[0].function.name',
      /non-empty/,
    );
    rejects(b({ tool_choice: 'sometimes' }), 'tool_choice', /one of auto, none, required/);
    rejects(b({ tool_choice: { type: 'function', function: {} } }), 'tool_choice.function.name', /non-empty/);
    rejects(
      b({ response_format: { type: 'yaml' } }),
      'response_format.type',
      /text, json_object, json_schema/,
    );
    rejects(
      b({ response_format: { type: 'json_schema', json_schema: { schema: {} } } }),
      'response_format.json_schema.name',
      /non-empty string/,
    );
    rejects(b({ metadata: 'x' }), 'metadata', /must be an object/);
  });
});

describe('parseRequest mapping', () => {
  test('a tool-using conversation', () => {
    const req = parseRequest({
      model: 'gpt-4o',
      messages: [
        { role: 'developer', content: 'Be terse.' },
        { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'wx', arguments: '{"c":"Oslo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '12C' },
        { role: 'system', content: 'Answer in French.' },
      ],
      tools: [{ type: 'function', function: { name: 'wx', parameters: { type: 'object' }, strict: true } }],
      tool_choice: { type: 'function', function: { name: 'wx' } },
      max_completion_tokens: 100,
      stop: 'END',
      stream: true,
      stream_options: { include_usage: true },
      reasoning_effort: 'low',
      prompt_cache_key: 'k1',
      store: true,
    });
    assert.equal(req.dialect, 'openai');
    assert.deepEqual(req.system, [{ type: 'text', text: 'Be terse.' }]);
    assert.equal(req.systemRole, 'developer');
    assert.equal(req.systemWasString, true);
    assert.equal(req.messages.length, 4);
    assert.deepEqual(req.messages[1], {
      role: 'assistant',
      content: [{ type: 'tool_call', id: 'call_1', name: 'wx', arguments: '{"c":"Oslo"}' }],
    });
    assert.deepEqual(req.messages[2], {
      role: 'tool',
      content: [{ type: 'tool_result', toolCallId: 'call_1', content: '12C' }],
      contentWasString: true,
    });
    assert.deepEqual(req.messages[3], {
      role: 'system',
      content: [{ type: 'text', text: 'Answer in French.' }],
      contentWasString: true,
    });
    assert.deepEqual(req.tools, [{ name: 'wx', parameters: { type: 'object' }, strict: true }]);
    assert.deepEqual(req.toolChoice, { type: 'tool', name: 'wx' });
    assert.equal(req.maxTokens, 100);
    assert.equal(req.maxTokensField, 'max_completion_tokens');
    assert.deepEqual(req.stop, ['END']);
    assert.equal(req.stopWasString, true);
    assert.equal(req.stream, true);
    assert.equal(req.streamUsage, true);
    assert.deepEqual(req.reasoning, { effort: 'low' });
    assert.equal(req.promptCacheKey, 'k1');
    assert.deepEqual(req.extra, { store: true });
  });

  test('images: data URLs become base64 sources; audio and files become raw parts', () => {
    const audio = { type: 'input_audio', input_audio: { data: 'AAA', format: 'wav' } };
    const file = { type: 'file', file: { file_id: 'file-1' } };
    const req = parseRequest({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4A==', detail: 'low' } },
            { type: 'image_url', image_url: { url: 'https://x.test/a.png' } },
            audio,
            file,
          ],
        },
      ],
    });
    assert.deepEqual(req.messages[0]?.content, [
      { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: '/9j/4A==' }, detail: 'low' },
      { type: 'image', source: { kind: 'url', url: 'https://x.test/a.png' } },
      { type: 'raw', dialect: 'openai', value: audio },
      { type: 'raw', dialect: 'openai', value: file },
    ]);
  });

  test('unknown fields go to extra, per message and top level; nulls are kept there', () => {
    const req = parseRequest({
      model: 'm',
      messages: [{ role: 'user', content: 'x', x_trace: 'abc' }],
      temperature: null,
      service_tier: 'flex',
    });
    assert.deepEqual(req.messages[0]?.extra, { x_trace: 'abc' });
    assert.deepEqual(req.extra, { temperature: null, service_tier: 'flex' });
    assert.equal(req.temperature, undefined);
  });

  test('a leading system message with a name stays a message', () => {
    const req = parseRequest({ model: 'm', messages: [{ role: 'system', content: 's', name: 'ops' }, user] });
    assert.deepEqual(req.system, []);
    assert.equal(req.messages[0]?.name, 'ops');
  });

  test('tool_choice shapes Penny does not model ride in extra', () => {
    const tc = { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } };
    const req = parseRequest({ model: 'm', messages: [user], tool_choice: tc });
    assert.equal(req.toolChoice, undefined);
    assert.equal(req.extra.tool_choice, tc);
  });
});

test('a __proto__ key in the body is dropped, not turned into a prototype', () => {
  const body = JSON.parse(
    '{"model":"m","messages":[{"role":"user","content":"x","__proto__":{"a":1}}],"__proto__":{"stream_options":{}}}',
  );
  const req = parseRequest(body);
  assert.equal(Object.getPrototypeOf(req.extra), Object.prototype);
  assert.equal(req.extra.stream_options, undefined);
  assert.equal(req.messages[0]?.extra, undefined);
});
