import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidRequestError } from '../../core/errors.js';
import { parseRequest } from './parse-request.js';

const base = { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };

function rejects(body: unknown, param: string, message?: RegExp): void {
  assert.throws(
    () => parseRequest(body),
    (e: unknown) => {
      assert.ok(e instanceof InvalidRequestError, `expected InvalidRequestError, got ${String(e)}`);
      assert.equal(e.param, param);
      if (message) assert.match(e.message, message);
      return true;
    },
  );
}

describe('parseRequest validation names the field at fault', () => {
  test('top-level fields', () => {
    rejects([], undefined as unknown as string);
    rejects({ ...base, model: 3 }, 'model');
    rejects({ model: 'm', messages: base.messages }, 'max_tokens', /max_tokens is required/);
    rejects({ ...base, max_tokens: 0 }, 'max_tokens', /integer from 1 to 2147483647, got 0/);
    rejects({ ...base, max_tokens: -5 }, 'max_tokens', /integer from 1 to 2147483647, got -5/);
    rejects({ ...base, max_tokens: 1.5 }, 'max_tokens', /got 1.5 \(not a whole number\)/);
    rejects({ ...base, max_tokens: 2 ** 70 }, 'max_tokens', /to 2147483647, got 1.1805916207174113e\+21/);
    rejects({ ...base, model: '' }, 'model', /model must not be empty/);
    rejects({ ...base, model: 'c'.repeat(300) }, 'model', /300 characters long/);
    rejects({ ...base, model: 'c\u001b[31m' }, 'model', /control character \(U\+001B\)/);
    rejects(
      { ...base, temperature: Number('1e400') },
      'temperature',
      /finite number, got a number out of range/,
    );
    rejects({ ...base, messages: [{ content: 'x' }] }, 'messages[0].role', /messages\[0\].role is required/);
    rejects(
      { ...base, messages: [{ role: 'x'.repeat(1000), content: 'x' }] },
      'messages[0].role',
      /^messages\[0\].role "x{40}…" is not supported/,
    );
    rejects({ ...base, messages: [] }, 'messages');
    rejects({ model: 'm', max_tokens: 1 }, 'messages');
    rejects({ ...base, temperature: 'hot' }, 'temperature');
    rejects({ ...base, stop_sequences: ['a', 1] }, 'stop_sequences');
    rejects({ ...base, stream: 'yes' }, 'stream');
    rejects({ ...base, metadata: { user_id: 5 } }, 'metadata.user_id');
    rejects({ ...base, thinking: { type: 'enabled' } }, 'thinking.budget_tokens');
    rejects({ ...base, tool_choice: { type: 'sometimes' } }, 'tool_choice.type');
    rejects({ ...base, tool_choice: { type: 'tool' } }, 'tool_choice.name');
    rejects({ ...base, cache_control: { type: 'ephemeral', ttl: '2h' } }, 'cache_control.ttl');
    rejects({ ...base, system: [{ type: 'image' }] }, 'system[0]');
    rejects({ ...base, tools: [{ name: 't' }] }, 'tools[0].input_schema');
  });

  test('messages and blocks', () => {
    rejects(
      { ...base, messages: [base.messages[0], { role: 'system', content: 'x' }] },
      'messages[1].role',
      /"system" is not supported.*top-level "system"/,
    );
    rejects({ ...base, messages: [{ role: 'user', content: 5 }] }, 'messages[0].content');
    rejects(
      { ...base, messages: [{ role: 'user', content: [{ text: 'x' }] }] },
      'messages[0].content[0].type',
    );
    rejects(
      { ...base, messages: [{ role: 'user', content: [{ type: 'text' }] }] },
      'messages[0].content[0].text',
    );
    rejects(
      {
        ...base,
        messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'b', input: 'x' }] }],
      },
      'messages[0].content[0].input',
    );
    rejects(
      { ...base, messages: [{ role: 'user', content: [{ type: 'tool_result', content: 'x' }] }] },
      'messages[0].content[0].tool_use_id',
    );
    rejects(
      {
        ...base,
        messages: [
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 1 }] }],
          },
        ],
      },
      'messages[0].content[0].content[0].text',
    );
    rejects(
      {
        ...base,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: { type: 'x' } }] }],
      },
      'messages[0].content[0].cache_control',
    );
  });
});

describe('parseRequest mapping', () => {
  test('top-level fields map to canonical ones; unknown fields go to extra', () => {
    const req = parseRequest({
      ...base,
      system: 'S',
      temperature: 0.5,
      top_p: 0.8,
      top_k: 5,
      stop_sequences: ['x'],
      stream: true,
      metadata: { user_id: 'u' },
      thinking: { type: 'enabled', budget_tokens: 2048 },
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      tools: [
        {
          name: 'f',
          description: 'd',
          input_schema: { type: 'object' },
          cache_control: { type: 'ephemeral', ttl: '1h' },
        },
        { type: 'web_search_20250305', name: 'web_search' },
      ],
      cache_control: { type: 'ephemeral' },
      service_tier: 'auto',
    });
    assert.equal(req.dialect, 'anthropic');
    assert.deepEqual(req.system, [{ type: 'text', text: 'S' }]);
    assert.equal(req.systemWasString, true);
    assert.equal(req.maxTokens, 10);
    assert.equal(req.temperature, 0.5);
    assert.equal(req.topP, 0.8);
    assert.equal(req.topK, 5);
    assert.deepEqual(req.stop, ['x']);
    assert.equal(req.stream, true);
    assert.equal(req.user, 'u');
    assert.deepEqual(req.metadata, { user_id: 'u' });
    assert.deepEqual(req.reasoning, { budgetTokens: 2048, raw: { type: 'enabled', budget_tokens: 2048 } });
    assert.deepEqual(req.toolChoice, { type: 'auto' });
    assert.equal(req.parallelToolCalls, false);
    assert.deepEqual(req.tools?.[0], {
      name: 'f',
      description: 'd',
      parameters: { type: 'object' },
      cacheControl: { type: 'ephemeral', ttl: '1h' },
    });
    assert.deepEqual(req.tools?.[1], {
      name: 'web_search',
      parameters: {},
      raw: { dialect: 'anthropic', value: { type: 'web_search_20250305', name: 'web_search' } },
    });
    assert.deepEqual(req.cacheControl, { type: 'ephemeral' });
    assert.deepEqual(req.extra, { service_tier: 'auto' });
    assert.deepEqual(parseRequest({ ...base, tool_choice: { type: 'any' } }).toolChoice, {
      type: 'required',
    });
    assert.deepEqual(parseRequest({ ...base, tool_choice: { type: 'none' } }).toolChoice, { type: 'none' });
  });

  test('tool results stay in the user message; per-message unknown fields go to message.extra', () => {
    const req = parseRequest({
      ...base,
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: { a: [1, 2] } }] },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok', is_error: true }],
          trace: 1,
        },
      ],
    });
    assert.deepEqual(req.messages[0]?.content, [
      { type: 'tool_call', id: 't1', name: 'f', arguments: '{"a":[1,2]}' },
    ]);
    assert.deepEqual(req.messages[1], {
      role: 'user',
      content: [{ type: 'tool_result', toolCallId: 't1', content: 'ok', isError: true }],
      extra: { trace: 1 },
    });
    assert.equal(req.messages[0]?.contentWasString, undefined);
    assert.equal(parseRequest(base).messages[0]?.contentWasString, true);
  });
});
