import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CanonicalRequest } from '../../core/request.js';
import { parseRequest } from './parse-request.js';
import { renderRequest } from './render-request.js';

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

/** Realistic client bodies; each must survive parse → render unchanged. */
const FIXTURES: Record<string, Record<string, unknown>> = {
  'plain chat': {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Hello!' },
    ],
  },
  'tools, parallel calls and tool results (SDK-echoed assistant message)': {
    model: 'gpt-4o',
    messages: [
      { role: 'system', content: 'Use tools when useful.' },
      { role: 'user', content: 'Weather in Oslo and Paris?' },
      {
        role: 'assistant',
        content: null,
        refusal: null,
        annotations: [],
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
          {
            id: 'call_b',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: '4C, snow' },
      { role: 'tool', tool_call_id: 'call_b', content: [{ type: 'text', text: '18C, sun' }] },
      { role: 'assistant', content: 'Oslo: 4C and snowy. Paris: 18C and sunny.' },
      { role: 'user', content: 'Thanks' },
    ],
    tools: [weatherTool, { type: 'function', function: { name: 'noop', strict: false } }],
    tool_choice: 'auto',
    parallel_tool_calls: true,
  },
  'forced tool with strict schema and required choice': {
    model: 'gpt-4.1',
    messages: [{ role: 'user', content: 'Oslo' }],
    tools: [{ ...weatherTool, function: { ...weatherTool.function, strict: true } }],
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
    parallel_tool_calls: false,
  },
  'images by URL and base64, content as an array': {
    model: 'gpt-4o',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in these images?' },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==' } },
        ],
      },
    ],
    max_tokens: 300,
  },
  'json_schema response format': {
    model: 'gpt-4o-2024-08-06',
    messages: [
      { role: 'system', content: [{ type: 'text', text: 'Extract the event.' }] },
      { role: 'user', content: 'Alice and Bob meet on Friday.' },
    ],
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: 'event',
        description: 'A calendar event',
        strict: true,
        schema: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            participants: { type: 'array', items: { type: 'string' } },
          },
          required: ['name', 'participants'],
          additionalProperties: false,
        },
      },
    },
  },
  'json_object with stop as a string': {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Give JSON' }],
    response_format: { type: 'json_object' },
    stop: '\n\n',
    temperature: 0,
  },
  'stop as an array, sampling knobs, n and logprobs': {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Name a colour' }],
    stop: ['.', '\n'],
    n: 3,
    logprobs: true,
    top_logprobs: 2,
    temperature: 1.2,
    top_p: 0.9,
    seed: 42,
    presence_penalty: 0.5,
    frequency_penalty: -0.25,
    user: 'user-123',
  },
  'developer role, reasoning effort and max_completion_tokens': {
    model: 'o3-mini',
    messages: [
      { role: 'developer', content: 'Think step by step.' },
      { role: 'user', content: 'Is 1001 prime?' },
    ],
    reasoning_effort: 'high',
    max_completion_tokens: 4000,
  },
  'later system and developer messages, named messages, multiple leading system messages': {
    model: 'gpt-4o',
    messages: [
      { role: 'system', content: 'First.' },
      { role: 'system', content: 'Second.' },
      { role: 'user', name: 'alice', content: 'Hi' },
      { role: 'assistant', content: 'Hello Alice' },
      { role: 'developer', content: 'Now be formal.' },
      { role: 'user', content: 'Continue' },
    ],
  },
  'streaming with usage and other stream options': {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Stream please' }],
    stream: true,
    stream_options: { include_usage: true, include_obfuscation: false },
  },
  'stream false explicitly, metadata, store, prompt cache key': {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Hi' }],
    stream: false,
    store: true,
    metadata: { feature: 'faq' },
    prompt_cache_key: 'tenant-7',
    service_tier: 'auto',
  },
  'unknown fields top level and per message, nulls, audio and files': {
    model: 'gpt-4o-audio-preview',
    modalities: ['text', 'audio'],
    audio: { voice: 'alloy', format: 'wav' },
    logit_bias: { '50256': -100 },
    temperature: null,
    messages: [
      { role: 'system', content: 'Listen carefully.', x_cache_hint: 'static' },
      {
        role: 'user',
        content: [
          { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
          { type: 'file', file: { file_id: 'file-abc' } },
          { type: 'text', text: 'Transcribe', cache_control: { type: 'ephemeral' } },
        ],
        x_client_msg_id: 17,
      },
      { role: 'assistant', content: [{ type: 'text', text: 'Sure' }], audio: { id: 'audio_1' } },
      { role: 'assistant', content: [], tool_calls: [] },
    ],
  },
  'legacy functions ride in extra': {
    model: 'gpt-3.5-turbo',
    messages: [
      { role: 'user', content: 'Call it' },
      { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } },
    ],
    functions: [{ name: 'f', parameters: { type: 'object', properties: {} } }],
    function_call: 'auto',
  },
  'custom tools and allowed_tools choice': {
    model: 'gpt-5',
    messages: [{ role: 'user', content: 'Run it' }],
    tools: [{ type: 'custom', custom: { name: 'sh', description: 'shell' } }, weatherTool],
    tool_choice: {
      type: 'allowed_tools',
      allowed_tools: { mode: 'auto', tools: [{ type: 'function', name: 'x' }] },
    },
    verbosity: 'low',
  },
};

describe('renderRequest(parseRequest(x)) deep-equals x', () => {
  for (const [name, body] of Object.entries(FIXTURES)) {
    test(name, () => {
      const snapshot = structuredClone(body);
      const out = renderRequest(parseRequest(body), { model: body.model as string, forceStreamUsage: false });
      assert.deepEqual(out, body);
      assert.deepEqual(body, snapshot, 'parse/render must not mutate the input');
    });
  }
});

describe('renderRequest options', () => {
  test('model is replaced', () => {
    const out = renderRequest(parseRequest(FIXTURES['plain chat']), {
      model: 'gpt-4.1-nano',
      forceStreamUsage: false,
    });
    assert.equal(out.model, 'gpt-4.1-nano');
  });

  test('forceStreamUsage asks for usage on streams, keeping other stream options', () => {
    const base = { model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true };
    const force = { model: 'm', forceStreamUsage: true };
    assert.deepEqual(renderRequest(parseRequest(base), force).stream_options, { include_usage: true });
    const withOpts = { ...base, stream_options: { include_obfuscation: false, include_usage: false } };
    assert.deepEqual(renderRequest(parseRequest(withOpts), force).stream_options, {
      include_obfuscation: false,
      include_usage: true,
    });
    const noStream = { model: 'm', messages: [{ role: 'user', content: 'x' }] };
    assert.equal(renderRequest(parseRequest(noStream), force).stream_options, undefined);
  });

  test('changed values win over remembered ones', () => {
    const req = parseRequest({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      stream: false,
      temperature: null,
      stream_options: { include_usage: true },
    });
    req.stream = true;
    req.temperature = 0.2;
    const out = renderRequest(req, { model: 'm', forceStreamUsage: false });
    assert.equal(out.stream, true);
    assert.equal(out.temperature, 0.2);
    assert.deepEqual(out.stream_options, { include_usage: true });
  });
});

/** A canonical request as the Anthropic codec produces it. */
function fromAnthropic(): CanonicalRequest {
  return {
    dialect: 'anthropic',
    model: 'claude-sonnet-4-5',
    system: [
      { type: 'text', text: 'You are a weather bot.' },
      { type: 'text', text: 'Long static context…', cacheControl: { type: 'ephemeral' } },
    ],
    systemWasString: false,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather in Oslo?', cacheControl: { type: 'ephemeral', ttl: '1h' } },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'Need the tool.', signature: 'sig' },
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_call', id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Oslo"}' },
          { type: 'raw', dialect: 'anthropic', value: { type: 'server_tool_use', id: 'srv_1' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', toolCallId: 'toolu_1', content: [{ type: 'text', text: '4C' }] },
          { type: 'text', text: 'And tomorrow?' },
        ],
      },
      { role: 'assistant', content: [{ type: 'reasoning', text: 'only thinking' }] },
      {
        role: 'user',
        content: [{ type: 'tool_result', toolCallId: 'toolu_2', content: 'done', isError: true }],
        contentWasString: false,
      },
    ],
    tools: [
      {
        name: 'get_weather',
        description: 'Weather',
        parameters: { type: 'object', properties: { city: { type: 'string' } } },
        cacheControl: { type: 'ephemeral' },
      },
      {
        name: 'web_search',
        parameters: {},
        raw: { dialect: 'anthropic', value: { type: 'web_search_20250305' } },
      },
    ],
    toolChoice: { type: 'required' },
    parallelToolCalls: false,
    maxTokens: 1024,
    temperature: 0.5,
    topK: 40,
    stop: ['###'],
    reasoning: { budgetTokens: 2000 },
    stream: true,
    user: 'u-1',
    metadata: { user_id: 'u-1' },
    cacheControl: { type: 'ephemeral' },
    extra: { anthropic_beta_thing: true, container: 'c1' },
  };
}

describe('renderRequest for a request that came from Anthropic', () => {
  test('renders the closest OpenAI body and drops what OpenAI cannot take', () => {
    const out = renderRequest(fromAnthropic(), { model: 'gpt-4o', forceStreamUsage: true });
    assert.deepEqual(out, {
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You are a weather bot.\n\nLong static context…' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather in Oslo?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
        {
          role: 'assistant',
          content: 'Let me check.',
          tool_calls: [
            {
              id: 'toolu_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: '4C' },
        { role: 'user', content: 'And tomorrow?' },
        { role: 'tool', tool_call_id: 'toolu_2', content: 'done' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
      tool_choice: 'required',
      parallel_tool_calls: false,
      max_completion_tokens: 1024,
      temperature: 0.5,
      stop: ['###'],
      user: 'u-1',
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  test('images inside tool results move to the user message that follows the tool messages', () => {
    const req = fromAnthropic();
    req.messages = [
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            toolCallId: 't1',
            content: [
              { type: 'text', text: 'chart:' },
              { type: 'image', source: { kind: 'url', url: 'https://x.test/c.png' } },
            ],
          },
          { type: 'text', text: 'Explain it' },
        ],
      },
    ];
    const out = renderRequest(req, { model: 'gpt-4o', forceStreamUsage: false });
    assert.deepEqual(out.messages, [
      { role: 'system', content: 'You are a weather bot.\n\nLong static context…' },
      { role: 'tool', tool_call_id: 't1', content: 'chart:' },
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'https://x.test/c.png' } },
          { type: 'text', text: 'Explain it' },
        ],
      },
    ]);
  });

  test('no tools left means no tool_choice or parallel_tool_calls', () => {
    const req = fromAnthropic();
    req.tools = [{ name: 'web_search', parameters: {}, raw: { dialect: 'anthropic', value: {} } }];
    const out = renderRequest(req, { model: 'gpt-4o', forceStreamUsage: false });
    assert.equal(out.tools, undefined);
    assert.equal(out.tool_choice, undefined);
    assert.equal(out.parallel_tool_calls, undefined);
  });
});
