/**
 * End-to-end check of the streaming codec with the official `openai` SDK as the client: an upstream OpenAI
 * stream, decoded and re-encoded by Penny, must accumulate into the same final completion as the original.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { StreamEvent } from '../../core/response.js';
import { sse } from '../sse.js';
import { parseRequest } from './parse-request.js';
import { createStreamDecoder } from './stream-decoder.js';
import { createStreamEncoder } from './stream-encoder.js';

const head = {
  id: 'chatcmpl-abc',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: 'gpt-4o-2024-08-06',
  service_tier: 'default',
  system_fingerprint: 'fp_123',
};

function choice(index: number, delta: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { ...head, choices: [{ index, delta, logprobs: null, finish_reason: null, ...extra }], usage: null };
}

const lp = (token: string) => ({
  content: [{ token, logprob: -0.1, bytes: [...Buffer.from(token)], top_logprobs: [] }],
  refusal: null,
});

/** Upstream streams as OpenAI sends them (with include_usage: usage null on every chunk, then a usage chunk). */
const UPSTREAM: Record<string, unknown[]> = {
  tools: [
    choice(0, { role: 'assistant', content: '', refusal: null }),
    choice(0, { content: 'Let me ' }),
    choice(0, { content: 'check both.' }),
    choice(0, {
      tool_calls: [
        { index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } },
      ],
    }),
    choice(0, { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
    choice(0, { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] }),
    choice(0, {
      tool_calls: [
        { index: 1, id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '' } },
      ],
    }),
    choice(0, { tool_calls: [{ index: 1, function: { arguments: '{"city":"Paris"}' } }] }),
    choice(0, {}, { finish_reason: 'tool_calls' }),
    {
      ...head,
      choices: [],
      usage: {
        prompt_tokens: 2006,
        completion_tokens: 300,
        total_tokens: 2306,
        prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: 100,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      },
    },
  ],
  'n=2 with logprobs and a refusal': [
    choice(0, { role: 'assistant', content: '', refusal: null }),
    choice(1, { role: 'assistant', content: '', refusal: null }),
    choice(0, { content: 'Red' }, { logprobs: lp('Red') }),
    choice(1, { content: 'Blue' }, { logprobs: lp('Blue') }),
    choice(0, { content: '.' }, { logprobs: lp('.') }),
    choice(1, { refusal: 'I would rather not.' }),
    choice(0, {}, { finish_reason: 'stop' }),
    choice(1, {}, { finish_reason: 'length' }),
    {
      ...head,
      choices: [],
      usage: { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 },
    },
  ],
};

/** Canonical events as the Anthropic decoder produces them (tool indexes are content-block positions). */
const FROM_ANTHROPIC: StreamEvent[] = [
  { type: 'start', id: 'msg_1', model: 'claude-sonnet-4-5', created: 1_700_000_001 },
  { type: 'reasoning', index: 0, text: 'hmm' },
  { type: 'text', index: 0, text: 'Checking.' },
  { type: 'tool_call_start', index: 0, toolIndex: 2, id: 'toolu_a', name: 'get_weather' },
  { type: 'tool_call_delta', index: 0, toolIndex: 2, argumentsDelta: '{"city":' },
  { type: 'tool_call_delta', index: 0, toolIndex: 2, argumentsDelta: '"Oslo"}' },
  { type: 'tool_call_start', index: 0, toolIndex: 3, id: 'toolu_b', name: 'get_time' },
  { type: 'finish', index: 0, finish: { unified: 'tool_calls', raw: 'tool_use' }, stopSequence: null },
  {
    type: 'usage',
    usage: {
      inputUncached: 3,
      cacheRead: 1000,
      cacheWrite5m: 200,
      cacheWrite1h: 0,
      outputText: 40,
      reasoning: 10,
    },
  },
  { type: 'end' },
];

function upstreamText(name: string): string {
  let s = '';
  for (const c of UPSTREAM[name] ?? []) s += sse(JSON.stringify(c));
  return `${s}data: [DONE]\n\n`;
}

/** Penny's side: decode the upstream stream, re-encode it for the client that sent `body`. */
function viaPenny(name: string, body: unknown): string {
  const decoder = createStreamDecoder('openai');
  const encoder = createStreamEncoder(parseRequest(body));
  let s = '';
  for (const c of UPSTREAM[name] ?? [])
    for (const ev of decoder.decode({ data: JSON.stringify(c) })) s += encoder.encode(ev);
  for (const ev of decoder.decode({ data: '[DONE]' })) s += encoder.encode(ev);
  return s;
}

function fromAnthropic(body: unknown): string {
  const encoder = createStreamEncoder(parseRequest(body));
  let s = '';
  for (const ev of FROM_ANTHROPIC) s += encoder.encode(ev);
  return s;
}

let server: http.Server;
let port = 0;

before(async () => {
  server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      raw += d;
    });
    req.on('end', () => {
      const body = JSON.parse(raw) as { model: string };
      const [, mode] = (req.url ?? '').split('/');
      const text =
        mode === 'direct'
          ? upstreamText(body.model)
          : mode === 'penny'
            ? viaPenny(body.model, body)
            : fromAnthropic(body);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(() => {
  server.close();
});

function client(mode: string): OpenAI {
  return new OpenAI({ apiKey: 'x', baseURL: `http://127.0.0.1:${port}/${mode}/v1`, maxRetries: 0 });
}

async function final(mode: string, model: string, includeUsage: boolean) {
  const stream = client(mode).chat.completions.stream({
    model,
    messages: [{ role: 'user', content: 'Weather in Oslo and Paris?' }],
    ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
  });
  return stream.finalChatCompletion();
}

describe('openai SDK accumulates Penny-re-encoded streams into the same completion', () => {
  for (const name of Object.keys(UPSTREAM)) {
    test(name, async () => {
      const direct = await final('direct', name, true);
      const penny = await final('penny', name, true);
      assert.deepEqual(penny, direct);
    });
  }

  test('the assembled tool calls, text and usage are the expected ones', async () => {
    const c = await final('penny', 'tools', true);
    const msg = c.choices[0]?.message;
    assert.equal(msg?.content, 'Let me check both.');
    assert.deepEqual(
      msg?.tool_calls?.map((t) =>
        t.type === 'function' ? [t.id, t.function.name, t.function.arguments] : [],
      ),
      [
        ['call_a', 'get_weather', '{"city":"Oslo"}'],
        ['call_b', 'get_weather', '{"city":"Paris"}'],
      ],
    );
    assert.equal(c.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(c.usage?.prompt_tokens, 2006);
    assert.equal(c.usage?.prompt_tokens_details?.cached_tokens, 1920);
    assert.equal(c.usage?.completion_tokens_details?.reasoning_tokens, 100);
    assert.equal(c.system_fingerprint, 'fp_123');
  });

  test('without include_usage the client sees no usage', async () => {
    const c = await final('penny', 'tools', false);
    assert.equal(c.usage, undefined);
    assert.equal(c.choices[0]?.message.content, 'Let me check both.');
  });

  test('a stream from Anthropic events assembles into a valid completion', async () => {
    const c = await final('anthropic', 'claude-sonnet-4-5', true);
    assert.equal(c.id, 'msg_1');
    const msg = c.choices[0]?.message;
    assert.equal(msg?.content, 'Checking.');
    assert.deepEqual(
      msg?.tool_calls?.map((t) =>
        t.type === 'function' ? [t.id, t.function.name, t.function.arguments] : [],
      ),
      [
        ['toolu_a', 'get_weather', '{"city":"Oslo"}'],
        ['toolu_b', 'get_time', ''],
      ],
    );
    assert.equal(c.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(c.usage?.prompt_tokens, 1203);
    assert.equal(c.usage?.completion_tokens, 50);
    assert.equal(c.usage?.total_tokens, 1253);
  });
});
