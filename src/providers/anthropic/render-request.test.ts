import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidRequestError } from '../../core/errors.js';
import type { CanonicalRequest } from '../../core/request.js';
import { parseRequest } from './parse-request.js';
import { DEFAULT_MAX_TOKENS, renderRequest } from './render-request.js';

type Body = Record<string, unknown>;

/** Realistic Anthropic request bodies; each must survive parse → render unchanged. */
const FIXTURES: Record<string, Body> = {
  'plain string system and content': {
    model: 'claude-sonnet-4-5',
    max_tokens: 1024,
    system: 'You are terse.',
    messages: [{ role: 'user', content: 'Hello' }],
  },
  'system blocks with cache_control ttl 1h and 5m, top-level cache_control': {
    model: 'claude-opus-4-1',
    max_tokens: 2048,
    system: [
      { type: 'text', text: 'Long policy document …', cache_control: { type: 'ephemeral', ttl: '1h' } },
      { type: 'text', text: 'Today is Monday.', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'Be kind.' },
    ],
    cache_control: { type: 'ephemeral' },
    messages: [
      {
        role: 'user',
        content: [{ type: 'text', text: 'Hi', cache_control: { type: 'ephemeral', ttl: '5m' } }],
      },
    ],
  },
  'tools with cache_control, tool_choice, tool_use and tool_result with is_error and block content': {
    model: 'claude-haiku-4-5',
    max_tokens: 512,
    tools: [
      {
        name: 'get_weather',
        description: 'Weather for a city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
      {
        name: 'search',
        input_schema: { type: 'object', properties: { q: { type: 'string' } } },
        cache_control: { type: 'ephemeral', ttl: '1h' },
        strict: true,
      },
      { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
      { type: 'custom', name: 'noop', input_schema: { type: 'object' }, defer_loading: true },
    ],
    tool_choice: { type: 'any', disable_parallel_tool_use: true },
    messages: [
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } },
          {
            type: 'tool_use',
            id: 'toolu_02',
            name: 'get_weather',
            input: { city: 'Rome', units: ['c', 'f'] },
          },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_01', content: '18°C sunny' },
          {
            type: 'tool_result',
            tool_use_id: 'toolu_02',
            content: [{ type: 'text', text: 'service down' }],
            is_error: true,
            cache_control: { type: 'ephemeral' },
          },
          { type: 'tool_result', tool_use_id: 'toolu_03', is_error: false },
          { type: 'text', text: 'Summarise.' },
        ],
      },
    ],
  },
  'images base64 and url, document and search_result as raw': {
    model: 'claude-sonnet-4-5',
    max_tokens: 300,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          {
            type: 'image',
            source: { type: 'url', url: 'https://example.com/cat.jpg' },
            cache_control: { type: 'ephemeral' },
          },
          { type: 'image', source: { type: 'file', file_id: 'file_011' } },
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Doc' }, title: 'T' },
          {
            type: 'search_result',
            source: 'https://x',
            title: 'X',
            content: [{ type: 'text', text: 'x' }],
          },
          { type: 'text', text: 'quoted', citations: [{ type: 'char_location', cited_text: 'q' }] },
          { type: 'text', text: 'What is shown?' },
        ],
      },
    ],
  },
  'thinking blocks with signatures, redacted thinking, thinking config': {
    model: 'claude-sonnet-4-5',
    max_tokens: 16000,
    thinking: { type: 'enabled', budget_tokens: 8000 },
    messages: [
      { role: 'user', content: 'Solve it.' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Let me think…', signature: 'EqQBCkYIBxgCKkBsig==' },
          {
            type: 'redacted_thinking',
            data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP',
          },
          { type: 'tool_use', id: 'toolu_9', name: 'calc', input: {} },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: '42' }] },
    ],
    tools: [{ name: 'calc', input_schema: { type: 'object', properties: {} } }],
  },
  'sampling, stop_sequences, top_k, metadata, stream, unknown extra fields': {
    model: 'claude-3-5-haiku-latest',
    max_tokens: 100,
    temperature: 0.2,
    top_p: 0.9,
    top_k: 40,
    stop_sequences: ['\n\nHuman:', 'END'],
    metadata: { user_id: 'user-7' },
    stream: true,
    service_tier: 'standard_only',
    container: 'container_123',
    mcp_servers: [{ type: 'url', url: 'https://mcp.example.com', name: 'x' }],
    messages: [
      { role: 'user', content: 'a', x_trace: 'keep-me' },
      { role: 'assistant', content: '' },
      { role: 'user', content: 'b' },
      { role: 'user', content: 'consecutive user turns stay separate' },
    ],
  },
  'tool_choice auto with parallel allowed, tool and none, adaptive thinking': {
    model: 'claude-opus-4-6',
    max_tokens: 64,
    thinking: { type: 'adaptive' },
    tool_choice: { type: 'tool', name: 'f', disable_parallel_tool_use: false },
    tools: [{ name: 'f', input_schema: { type: 'object' } }],
    messages: [{ role: 'user', content: [] }],
  },
};

describe('renderRequest(parseRequest(x)) deep-equals x', () => {
  for (const [name, body] of Object.entries(FIXTURES)) {
    test(name, () => {
      const copy = structuredClone(body);
      const out = renderRequest(parseRequest(copy), { model: body.model as string, forceStreamUsage: false });
      assert.deepEqual(out, body);
      assert.deepEqual(copy, body, 'the parsed body is not mutated');
    });
  }

  test('edits made to the canonical request show up in the rendered body', () => {
    const req = parseRequest(
      structuredClone(FIXTURES['thinking blocks with signatures, redacted thinking, thinking config']!),
    );
    req.reasoning = { ...req.reasoning, budgetTokens: 2000 };
    req.maxTokens = 4000;
    req.tools![0]!.cacheControl = { type: 'ephemeral' };
    const out = renderRequest(req, { model: 'claude-haiku-4-5', forceStreamUsage: false });
    assert.deepEqual(out.thinking, { type: 'enabled', budget_tokens: 2000 });
    assert.equal(out.max_tokens, 4000);
    assert.equal(out.model, 'claude-haiku-4-5');
    assert.deepEqual((out.tools as Body[])[0]!.cache_control, { type: 'ephemeral' });
  });
});

/** A canonical request as the OpenAI codec would produce it. */
function fromOpenAI(over: Partial<CanonicalRequest>): CanonicalRequest {
  return { dialect: 'openai', model: 'gpt-4o', system: [], messages: [], stream: false, extra: {}, ...over };
}

const opts = { model: 'claude-sonnet-4-5', forceStreamUsage: true };

describe('renders canonical requests from OpenAI as valid Anthropic bodies', () => {
  test('tool round: system, tool calls, consecutive tool messages merged with the next user message', () => {
    const req = fromOpenAI({
      system: [{ type: 'text', text: 'Be brief.' }],
      systemRole: 'developer',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather?' }], contentWasString: true },
        {
          role: 'assistant',
          content: [
            { type: 'tool_call', id: 'call_1', name: 'w', arguments: '{"city":"Paris"}' },
            { type: 'tool_call', id: 'call_2', name: 'w', arguments: '' },
          ],
          refusal: null,
        },
        { role: 'tool', content: [{ type: 'tool_result', toolCallId: 'call_1', content: '18C' }] },
        {
          role: 'tool',
          content: [{ type: 'tool_result', toolCallId: 'call_2', content: [{ type: 'text', text: '20C' }] }],
        },
        { role: 'user', content: [{ type: 'text', text: 'Thanks' }], contentWasString: true },
        { role: 'system', content: [{ type: 'text', text: 'Answer in French.' }] },
      ],
      tools: [{ name: 'w', description: 'weather', parameters: { type: 'object' }, strict: true }],
      toolChoice: { type: 'required' },
      parallelToolCalls: false,
      stop: ['STOP'],
      stopWasString: true,
      user: 'u-1',
      metadata: { trace: 'openai-only' },
      presencePenalty: 0.5,
      frequencyPenalty: 0.1,
      seed: 7,
      logprobs: true,
      topLogprobs: 2,
      n: 1,
      extra: { store: true },
      stream: true,
      streamUsage: true,
    });
    const out = renderRequest(req, opts);
    assert.deepEqual(out, {
      model: 'claude-sonnet-4-5',
      max_tokens: DEFAULT_MAX_TOKENS,
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_1', name: 'w', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'call_2', name: 'w', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: '18C' },
            { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '20C' }] },
            { type: 'text', text: 'Thanks' },
            { type: 'text', text: 'System: Answer in French.' },
          ],
        },
      ],
      tools: [{ name: 'w', description: 'weather', input_schema: { type: 'object' }, strict: true }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      stop_sequences: ['STOP'],
      metadata: { user_id: 'u-1' },
      stream: true,
    });
  });

  test('a system message between turns becomes user text merged with the next user turn', () => {
    const out = renderRequest(
      fromOpenAI({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'a' }], contentWasString: true },
          { role: 'assistant', content: [{ type: 'text', text: 'b' }], contentWasString: true },
          { role: 'system', content: [{ type: 'text', text: 'Be formal.' }], extra: { role: 'developer' } },
          { role: 'user', content: [{ type: 'text', text: 'c' }], contentWasString: true },
        ],
      }),
      opts,
    );
    assert.equal(out.system, undefined);
    assert.deepEqual(out.messages, [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'System: Be formal.' },
          { type: 'text', text: 'c' },
        ],
      },
    ]);
  });

  test('leading system messages join system; data: URLs become base64 sources; detail is dropped', () => {
    const out = renderRequest(
      fromOpenAI({
        messages: [
          { role: 'system', content: [{ type: 'text', text: 'A' }] },
          {
            role: 'user',
            content: [
              {
                type: 'image',
                source: { kind: 'url', url: 'data:image/jpeg;base64,/9j/4AAQ' },
                detail: 'low',
              },
              { type: 'image', source: { kind: 'url', url: 'https://x/y.png' }, detail: 'high' },
              { type: 'text', text: '' },
            ],
          },
        ],
      }),
      opts,
    );
    assert.equal(out.system, 'A');
    assert.deepEqual(out.messages, [
      {
        role: 'user',
        content: [
          { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
          { type: 'image', source: { type: 'url', url: 'https://x/y.png' } },
        ],
      },
    ]);
  });

  test('responseFormat becomes a system instruction, with the schema', () => {
    const schema = { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] };
    const withSystem = renderRequest(
      fromOpenAI({
        system: [{ type: 'text', text: 'Sys' }],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'q' }] }],
        responseFormat: { type: 'json_schema', name: 'A', schema },
      }),
      opts,
    );
    assert.match(withSystem.system as string, /^Sys\n\nRespond with only a JSON object/);
    assert.ok((withSystem.system as string).endsWith(JSON.stringify(schema)));
    const bare = renderRequest(
      fromOpenAI({
        messages: [{ role: 'user', content: [{ type: 'text', text: 'q' }] }],
        responseFormat: { type: 'json_object' },
      }),
      opts,
    );
    assert.match(bare.system as string, /^Respond with only a JSON object/);
    const text = renderRequest(
      fromOpenAI({
        messages: [{ role: 'user', content: [{ type: 'text', text: 'q' }] }],
        responseFormat: { type: 'text' },
      }),
      opts,
    );
    assert.equal(text.system, undefined);
  });

  test('a JSON instruction is appended as a block after cached system blocks', () => {
    const out = renderRequest(
      {
        ...parseRequest({
          model: 'm',
          max_tokens: 5,
          system: [{ type: 'text', text: 'S', cache_control: { type: 'ephemeral' } }],
          messages: [{ role: 'user', content: 'q' }],
        }),
        responseFormat: { type: 'json_object' },
      },
      opts,
    );
    const sys = out.system as Body[];
    assert.equal(sys.length, 2);
    assert.deepEqual(sys[0], { type: 'text', text: 'S', cache_control: { type: 'ephemeral' } });
    assert.match(sys[1]!.text as string, /JSON object/);
  });

  test('n > 1 and invalid tool arguments are refused naming the field', () => {
    assert.throws(
      () => renderRequest(fromOpenAI({ n: 2, messages: [] }), opts),
      (e: unknown) =>
        e instanceof InvalidRequestError && e.param === 'n' && /n > 1 is not supported/.test(e.message),
    );
    assert.throws(
      () =>
        renderRequest(
          fromOpenAI({
            messages: [
              { role: 'user', content: [{ type: 'text', text: 'x' }] },
              { role: 'assistant', content: [{ type: 'tool_call', id: 'c', name: 'f', arguments: '{"a":' }] },
            ],
          }),
          opts,
        ),
      (e: unknown) => e instanceof InvalidRequestError && e.param === 'messages[1].content[0].arguments',
    );
  });

  test('caller default max_tokens, unsigned reasoning dropped, foreign raw parts and tools dropped', () => {
    const out = renderRequest(
      fromOpenAI({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'raw', dialect: 'openai', value: { type: 'input_audio' } },
              { type: 'text', text: 'hi' },
            ],
          },
          { role: 'assistant', content: [{ type: 'reasoning', text: 'hmm' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'Hello' }] },
        ],
        tools: [{ name: 'x', parameters: {}, raw: { dialect: 'openai', value: { type: 'file_search' } } }],
        toolChoice: { type: 'auto' },
        reasoning: { effort: 'high' },
      }),
      { ...opts, defaultMaxTokens: 777 },
    );
    assert.equal(out.max_tokens, 777);
    assert.deepEqual(out.messages, [
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello' }] },
    ]);
    assert.deepEqual(out.tools, []);
    assert.equal(out.tool_choice, undefined);
    assert.equal(out.thinking, undefined);
  });

  test('an assistant refusal with no text becomes text; a budget becomes thinking; parallel=false alone', () => {
    const out = renderRequest(
      fromOpenAI({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'x' }] },
          { role: 'assistant', content: [], refusal: 'I cannot help with that.' },
        ],
        tools: [{ name: 'f', parameters: { type: 'object' } }],
        parallelToolCalls: false,
        reasoning: { budgetTokens: 1024 },
      }),
      opts,
    );
    assert.deepEqual((out.messages as Body[])[1], {
      role: 'assistant',
      content: [{ type: 'text', text: 'I cannot help with that.' }],
    });
    assert.deepEqual(out.tool_choice, { type: 'auto', disable_parallel_tool_use: true });
    assert.deepEqual(out.thinking, { type: 'enabled', budget_tokens: 1024 });
  });
});
