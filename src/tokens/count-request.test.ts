import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CanonicalRequest, Message, ToolDef } from '../core/request.js';
import { countRequestTokens } from './count-request.js';

function req(model: string, over: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return {
    dialect: 'openai',
    model,
    system: [{ type: 'text', text: 'You are a helpful assistant.' }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello, how are you?' }] }],
    stream: false,
    extra: {},
    ...over,
  };
}

// The OpenAI cookbook's num_tokens_for_tools example; the API reports 101 (gpt-4o) and 105 (gpt-4).
const weatherTool: ToolDef = {
  name: 'get_current_weather',
  description: 'Get the current weather in a given location',
  parameters: {
    type: 'object',
    properties: {
      location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
      unit: {
        type: 'string',
        description: 'The unit of temperature to return',
        enum: ['celsius', 'fahrenheit'],
      },
    },
    required: ['location'],
  },
};
const weatherChat: Partial<CanonicalRequest> = {
  system: [
    { type: 'text', text: 'You are a helpful assistant that can answer to questions about the weather.' },
  ],
  messages: [
    { role: 'user', content: [{ type: 'text', text: "What's the weather like in San Francisco?" }] },
  ],
  tools: [weatherTool],
};

describe('countRequestTokens (OpenAI)', () => {
  test('reproduces the reference chat count: 23 on gpt-4o', () => {
    assert.deepEqual(countRequestTokens(req('gpt-4o')), {
      tokens: 23,
      exact: true,
      method: 'openai-chat:o200k_base',
    });
  });

  test('same chat on cl100k models', () => {
    const r = countRequestTokens(req('gpt-4'));
    assert.equal(r.tokens, 23);
    assert.equal(r.method, 'openai-chat:cl100k_base');
  });

  test('the model argument overrides req.model', () => {
    assert.equal(countRequestTokens(req('claude-sonnet-4-5'), 'gpt-4o').tokens, 23);
  });

  test('a name adds its tokens plus one', () => {
    const named: Message = {
      role: 'user',
      name: 'alice',
      content: [{ type: 'text', text: 'Hello, how are you?' }],
    };
    assert.equal(countRequestTokens(req('gpt-4o', { messages: [named] })).tokens, 23 + 1 + 1);
  });

  test('no system message: 3 per message + role + content + 3 priming', () => {
    assert.equal(countRequestTokens(req('gpt-4o', { system: [] })).tokens, 3 + 1 + 6 + 3);
  });

  test('developer role is counted as its own role token', () => {
    assert.equal(countRequestTokens(req('gpt-4o', { systemRole: 'developer' })).tokens, 23);
  });

  test('tool definitions follow the cookbook: 101 on gpt-4o, 105 on gpt-4', () => {
    assert.deepEqual(countRequestTokens(req('gpt-4o', weatherChat)), {
      tokens: 101,
      exact: true,
      method: 'openai-chat:o200k_base',
    });
    assert.equal(countRequestTokens(req('gpt-4o-mini', weatherChat)).tokens, 101);
    assert.equal(countRequestTokens(req('gpt-4', weatherChat)).tokens, 105);
    assert.equal(countRequestTokens(req('gpt-3.5-turbo', weatherChat)).tokens, 105);
  });

  test('nested tool parameters are counted but flagged inexact', () => {
    const nested: ToolDef = {
      name: 'search',
      description: 'Search',
      parameters: {
        type: 'object',
        properties: { filter: { type: 'object', properties: { year: { type: 'integer' } } } },
      },
    };
    const r = countRequestTokens(req('gpt-4o', { tools: [nested] }));
    assert.equal(r.exact, false);
    assert.ok(r.tokens > 23 + 7 + 12);
  });

  test('tool calls and tool results are counted by their text', () => {
    const args = '{"location":"Paris"}';
    const history: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool_call', id: 'call_1', name: 'get_current_weather', arguments: args }],
      },
      { role: 'tool', content: [{ type: 'tool_result', toolCallId: 'call_1', content: 'Sunny, 21 C' }] },
    ];
    const withResult = countRequestTokens(req('gpt-4o', { system: [], messages: history }));
    const shorter = countRequestTokens(req('gpt-4o', { system: [], messages: history.slice(0, 2) }));
    assert.equal(withResult.exact, false);
    assert.ok(withResult.tokens > shorter.tokens + 3);
  });

  test('images: low detail costs 85 on gpt-4o, unknown size assumes 1024×1024 (765), never exact', () => {
    const img = (detail: string): Message => ({
      role: 'user',
      content: [{ type: 'image', source: { kind: 'url', url: 'https://example.com/a.png' }, detail }],
    });
    const low = countRequestTokens(req('gpt-4o', { system: [], messages: [img('low')] }));
    assert.deepEqual(low, { tokens: 3 + 1 + 85 + 3, exact: false, method: 'openai-chat:o200k_base' });
    const auto = countRequestTokens(req('gpt-4o', { system: [], messages: [img('auto')] }));
    assert.equal(auto.tokens, 3 + 1 + 765 + 3);
  });

  test('json_schema response formats add the schema text and are inexact', () => {
    const r = countRequestTokens(
      req('gpt-4o', {
        responseFormat: { type: 'json_schema', name: 'x', schema: { type: 'object', properties: {} } },
      }),
    );
    assert.equal(r.exact, false);
    assert.ok(r.tokens > 23);
  });
});

describe('countRequestTokens (estimates)', () => {
  test('Claude: text scaled by 1.15, overheads not scaled, labelled', () => {
    // 14 text/role tokens in o200k → ceil(14 × 1.15) = 17, plus 2 × 3 + 3 overhead.
    assert.deepEqual(countRequestTokens(req('claude-sonnet-4-5')), {
      tokens: 17 + 9,
      exact: false,
      method: 'estimate:claude(o200k_base*1.15)',
    });
  });

  test("Anthropic's hidden tool-use system prompt depends on tool_choice", () => {
    const noTools = countRequestTokens(req('claude-sonnet-4-5'));
    const auto = countRequestTokens(req('claude-sonnet-4-5', { tools: [weatherTool] }));
    const forced = countRequestTokens(
      req('claude-sonnet-4-5', {
        tools: [weatherTool],
        toolChoice: { type: 'tool', name: 'get_current_weather' },
      }),
    );
    assert.ok(auto.tokens > noTools.tokens + 346);
    assert.equal(auto.tokens - forced.tokens, 346 - 313);
    const opus3 = countRequestTokens(req('claude-3-opus-20240229', { tools: [weatherTool] }));
    const opus3Plain = countRequestTokens(req('claude-3-opus-20240229'));
    assert.ok(opus3.tokens - opus3Plain.tokens > 530);
  });

  test('Claude images use pixels / 750 (1024×1024 assumed → 1399)', () => {
    const r = countRequestTokens(
      req('claude-sonnet-4-5', {
        system: [],
        messages: [
          { role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'https://x/y.png' } }] },
        ],
      }),
    );
    assert.equal(r.tokens, Math.ceil(1 * 1.15) + 3 + 1399 + 3);
  });

  test('no tool prompt for non-Anthropic estimates', () => {
    const plain = countRequestTokens(req('llama-3.1-8b'));
    const tools = countRequestTokens(req('llama-3.1-8b', { tools: [weatherTool] }));
    assert.ok(tools.tokens - plain.tokens < 120);
    assert.equal(tools.method, 'estimate:bpe-128k(o200k_base*1.05)');
  });
});
