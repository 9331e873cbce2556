import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type { CanonicalRequest } from '../../core/request.js';
import type { StreamEvent } from '../../core/response.js';
import { SseParser } from '../sse.js';
import { AnthropicStreamDecoder } from './stream-decoder.js';
import { AnthropicStreamEncoder } from './stream-encoder.js';

const req: CanonicalRequest = {
  dialect: 'anthropic',
  model: 'claude-sonnet-4-5',
  system: [],
  messages: [],
  stream: true,
  extra: {},
};

function encodeAll(events: StreamEvent[]): string {
  const enc = new AnthropicStreamEncoder(req);
  return events.map((e) => enc.encode(e)).join('');
}

function parse(text: string): Array<{ event: string; data: Record<string, unknown> }> {
  const p = new SseParser();
  return [...p.push(text), ...p.end()].map((e) => ({ event: e.event ?? '', data: JSON.parse(e.data) }));
}

/** A stream as the OpenAI codec decodes it: finish BEFORE usage, tool arguments in many small deltas. */
const FROM_OPENAI: StreamEvent[] = [
  { type: 'start', id: 'chatcmpl-9x', model: 'gpt-4o-mini', created: 1700000000 },
  { type: 'text', index: 0, text: 'Hello' },
  { type: 'text', index: 1, text: 'other choice, ignored' },
  { type: 'text', index: 0, text: ' world' },
  { type: 'tool_call_start', index: 0, toolIndex: 0, id: 'call_a', name: 'get_weather' },
  ...['{"ci', 'ty":', ' "Par', 'is"', '}'].map(
    (argumentsDelta): StreamEvent => ({ type: 'tool_call_delta', index: 0, toolIndex: 0, argumentsDelta }),
  ),
  { type: 'tool_call_start', index: 0, toolIndex: 1, id: 'call_b', name: 'get_time' },
  { type: 'tool_call_delta', index: 0, toolIndex: 1, argumentsDelta: '{"tz":"CET"}' },
  { type: 'logprobs', index: 0, logprobs: null },
  { type: 'finish', index: 0, finish: { unified: 'tool_calls', raw: 'tool_calls' } },
  {
    type: 'usage',
    usage: {
      inputUncached: 800,
      cacheRead: 200,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      outputText: 30,
      reasoning: 12,
    },
  },
  { type: 'end' },
];

describe('event sequence', () => {
  test('blocks open and close as the output kind switches; message_delta waits for usage', () => {
    const evs = parse(encodeAll(FROM_OPENAI));
    assert.deepEqual(
      evs.map((e) => `${e.event}${e.data.index === undefined ? '' : `:${e.data.index}`}`),
      [
        'message_start',
        'content_block_start:0',
        'content_block_delta:0',
        'content_block_delta:0',
        'content_block_stop:0',
        'content_block_start:1',
        'content_block_delta:1',
        'content_block_delta:1',
        'content_block_delta:1',
        'content_block_delta:1',
        'content_block_delta:1',
        'content_block_stop:1',
        'content_block_start:2',
        'content_block_delta:2',
        'content_block_stop:2',
        'message_delta',
        'message_stop',
      ],
    );
    for (const e of evs) assert.equal(e.event, e.data.type);
    const start = evs[0]!.data.message as Record<string, unknown>;
    assert.equal(start.id, 'msg_chatcmpl-9x');
    assert.equal(start.model, 'gpt-4o-mini');
    const delta = evs.find((e) => e.event === 'message_delta')!.data;
    assert.deepEqual(delta, {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: {
        input_tokens: 800,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 200,
        output_tokens: 42,
        output_tokens_details: { thinking_tokens: 12 },
      },
    });
  });

  test('usage before finish, reasoning then text, a stream ending without finish or usage', () => {
    const a = parse(
      encodeAll([
        { type: 'start', id: 'msg_x', model: 'm', created: 0 },
        { type: 'reasoning', index: 0, text: 'think' },
        { type: 'reasoning', index: 0, text: '', signature: 'sig' },
        { type: 'text', index: 0, text: 'ok' },
        {
          type: 'usage',
          usage: {
            inputUncached: 1,
            cacheRead: 0,
            cacheWrite5m: 0,
            cacheWrite1h: 0,
            outputText: 2,
            reasoning: 0,
          },
        },
        { type: 'finish', index: 0, finish: { unified: 'stop', raw: 'stop' }, stopSequence: 'END' },
        { type: 'end' },
        { type: 'text', index: 0, text: 'after end is ignored' },
      ]),
    );
    assert.deepEqual(
      a.map((e) => e.event),
      [
        'message_start',
        'content_block_start',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'content_block_start',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ],
    );
    assert.deepEqual(a[1]!.data.content_block, { type: 'thinking', thinking: '', signature: '' });
    assert.deepEqual(a[3]!.data.delta, { type: 'signature_delta', signature: 'sig' });
    assert.deepEqual(a[8]!.data.delta, { stop_reason: 'stop_sequence', stop_sequence: 'END' });

    const b = parse(encodeAll([{ type: 'text', index: 0, text: 'x' }, { type: 'end' }]));
    assert.equal(b[0]!.event, 'message_start');
    assert.deepEqual(b.at(-2)!.data, {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 0 },
    });
  });

  test('an error event ends the stream with an Anthropic error event', () => {
    const enc = new AnthropicStreamEncoder(req);
    enc.encode({ type: 'start', id: 'msg_1', model: 'm', created: 0 });
    const s = enc.encode({
      type: 'error',
      code: 'upstream_rate_limited',
      message: 'slow down, key sk-abcdefghijklmnopqrstuv',
    });
    assert.equal(
      s,
      'event: error\ndata: {"type":"error","error":{"type":"rate_limit_error","message":"slow down, key sk-***"}}\n\n',
    );
    assert.equal(enc.encode({ type: 'end' }), '');
  });
});

describe('the official Anthropic SDK accepts the encoded stream', () => {
  let body = '';
  const server = createServer((_req, res) => {
    _req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(body);
  });
  let client: Anthropic;
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new Anthropic({ apiKey: 'x', baseURL: `http://127.0.0.1:${port}`, maxRetries: 0 });
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const ask = () =>
    client.messages
      .stream({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();

  test('a stream that came from OpenAI: text, tool_use input and final usage', async () => {
    body = encodeAll(FROM_OPENAI);
    const msg = await ask();
    assert.equal(msg.id, 'msg_chatcmpl-9x');
    assert.equal(msg.stop_reason, 'tool_use');
    assert.equal(msg.content.length, 3);
    const [text, tool1, tool2] = msg.content;
    assert.ok(text?.type === 'text' && text.text === 'Hello world');
    assert.ok(tool1?.type === 'tool_use');
    assert.deepEqual([tool1.id, tool1.name, tool1.input], ['call_a', 'get_weather', { city: 'Paris' }]);
    assert.ok(tool2?.type === 'tool_use');
    assert.deepEqual(tool2.input, { tz: 'CET' });
    assert.equal(msg.usage.input_tokens, 800);
    assert.equal(msg.usage.cache_read_input_tokens, 200);
    assert.equal(msg.usage.cache_creation_input_tokens, 0);
    assert.equal(msg.usage.output_tokens, 42);
  });

  test('an Anthropic stream decoded and re-encoded keeps thinking, signature, text, tools and usage', async () => {
    const upstream = [
      [
        'message_start',
        {
          type: 'message_start',
          message: {
            id: 'msg_up',
            type: 'message',
            role: 'assistant',
            model: 'claude-sonnet-4-5',
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: {
              input_tokens: 25,
              cache_creation_input_tokens: 1000,
              cache_read_input_tokens: 0,
              output_tokens: 1,
            },
          },
        },
      ],
      [
        'content_block_start',
        {
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'thinking', thinking: '', signature: '' },
        },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Hmm.' } },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig==' } },
      ],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      [
        'content_block_start',
        { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Sure.' } },
      ],
      ['content_block_stop', { type: 'content_block_stop', index: 1 }],
      [
        'content_block_start',
        {
          type: 'content_block_start',
          index: 2,
          content_block: { type: 'tool_use', id: 'toolu_A', name: 'f', input: {} },
        },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"a":' } },
      ],
      [
        'content_block_delta',
        {
          type: 'content_block_delta',
          index: 2,
          delta: { type: 'input_json_delta', partial_json: '[1,2]}' },
        },
      ],
      ['content_block_stop', { type: 'content_block_stop', index: 2 }],
      [
        'message_delta',
        {
          type: 'message_delta',
          delta: { stop_reason: 'tool_use', stop_sequence: null },
          usage: { output_tokens: 57 },
        },
      ],
      ['message_stop', { type: 'message_stop' }],
    ] as const;
    const dec = new AnthropicStreamDecoder('anthropic');
    const enc = new AnthropicStreamEncoder(req);
    const p = new SseParser();
    const text = upstream.map(([e, d]) => `event: ${e}\ndata: ${JSON.stringify(d)}\n\n`).join('');
    body = p
      .push(text)
      .flatMap((ev) => dec.decode(ev))
      .map((ev) => enc.encode(ev))
      .join('');
    const msg = await ask();
    assert.equal(msg.id, 'msg_up');
    assert.deepEqual(msg.content, [
      { type: 'thinking', thinking: 'Hmm.', signature: 'sig==' },
      { type: 'text', text: 'Sure.' },
      { type: 'tool_use', id: 'toolu_A', name: 'f', input: { a: [1, 2] } },
    ]);
    assert.equal(msg.stop_reason, 'tool_use');
    assert.equal(msg.usage.input_tokens, 25);
    assert.equal(msg.usage.cache_creation_input_tokens, 1000);
    assert.equal(msg.usage.cache_read_input_tokens, 0);
    assert.equal(msg.usage.output_tokens, 57);
  });
});

test('message_start carries the counted prompt size, not 0 (clients read the prompt size there)', () => {
  const withPrompt: CanonicalRequest = {
    ...req,
    system: [{ type: 'text', text: 'You are a careful assistant who answers in French.' }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'What is the capital of Norway?' }] }],
  };
  const enc = new AnthropicStreamEncoder(withPrompt);
  const [start] = parse(enc.encode({ type: 'start', id: 'x', model: 'gpt-4o-mini', created: 1 }));
  const usage = (start!.data.message as { usage: { input_tokens: number } }).usage;
  assert.ok(usage.input_tokens > 10, `input_tokens ${usage.input_tokens}`);
});
