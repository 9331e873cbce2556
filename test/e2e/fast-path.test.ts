/**
 * The same-dialect fast path (pipeline/execute/fast-body.ts, pipe-stream.ts raw chunks): the client's bytes
 * reach the upstream unchanged but for the edits Penny needs, the upstream's bytes reach the client
 * unchanged, and every guarantee stays — ledger entry with the exact cost, cost header, usage hidden from a
 * client that did not ask for it. A scripted upstream serves exact bytes and records the bytes it got.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { FAST_PATH } from '../../src/pipeline/execute/fast-body.js';
import { type Harness, startHarness } from './harness.js';
import { type ScriptedUpstream, startScriptedUpstream } from './scripted-upstream.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function post(
  url: string,
  path: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A non-streamed OpenAI answer laid out unlike JSON.stringify would (spaces, key order), so a re-render shows. */
const OAI_JSON =
  '{ "id": "chatcmpl-fast", "object": "chat.completion", "created": 1700000000, "model": "gpt-4o-mini",\n' +
  '  "choices": [ { "index": 0, "message": { "role": "assistant", "content": "Hi \\u00e9 ✓" }, "finish_reason": "stop" } ],\n' +
  '  "usage": { "prompt_tokens": 1000, "completion_tokens": 20, "total_tokens": 1020 } }';

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":${JSON.stringify(delta)},"finish_reason":${JSON.stringify(finish)}}]}\n\n`;
const OAI_STREAM = [
  chunk({ role: 'assistant', content: 'Hel' }),
  chunk({ content: 'lo' }) + chunk({}, 'stop'),
  'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":1000,"completion_tokens":20,"total_tokens":1020}}\n\n',
  'data: [DONE]\n\n',
];

const ant = (event: string, data: Record<string, unknown>) =>
  `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const ANT_STREAM = [
  ant('message_start', {
    type: 'message_start',
    message: {
      id: 'msg_fast',
      type: 'message',
      role: 'assistant',
      model: 'claude-haiku-4-5',
      content: [],
      stop_reason: null,
      usage: { input_tokens: 1000, output_tokens: 1 },
    },
  }),
  ant('content_block_start', {
    type: 'content_block_start',
    index: 0,
    content_block: { type: 'text', text: '' },
  }) +
    ant('content_block_delta', {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: 'Hello' },
    }),
  ant('content_block_stop', { type: 'content_block_stop', index: 0 }),
  ant('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: 20 },
  }) + ant('message_stop', { type: 'message_stop' }),
];

// gpt-4o-mini: $0.15 / $0.60 per 1M → 150_000 / 600_000 picodollars per token.
const OAI_COST = 1000n * 150_000n + 20n * 600_000n;
// claude-haiku-4-5: $1 / $5 per 1M.
const ANT_COST = 1000n * 1_000_000n + 20n * 5_000_000n;

describe('same-dialect fast path', () => {
  let h: Harness;
  let up: ScriptedUpstream;
  before(async () => {
    up = await startScriptedUpstream();
    h = await startHarness({
      config: {
        providers: {
          openai: { type: 'openai', baseUrl: `${up.url}/v1`, apiKey: 'sk-test-openai-0123456789abcdef' },
          anthropic: { type: 'anthropic', baseUrl: up.url, apiKey: 'sk-ant-test-0123456789abcdef' },
        },
      },
    });
  });
  after(async () => {
    await h.close();
    await up.close();
  });

  test('non-streamed OpenAI: request and answer bytes pass untouched, the ledger has the exact cost', async () => {
    const sent = Buffer.from(
      '{\n  "model": "gpt-4o-mini",\n  "messages": [{"role": "user", "content": "Say \\"hi\\" ✓"}],\n  "x_unknown": {"kept": [1, 2]}\n}',
    );
    up.next({ headers: { 'content-type': 'application/json' }, chunks: [OAI_JSON] });
    const before = FAST_PATH.requests;
    const got = await post(h.app.url, '/v1/chat/completions', sent);
    assert.equal(got.status, 200);
    assert.equal(FAST_PATH.requests, before + 1, 'the fast path was taken');
    assert.equal(up.received.at(-1), sent.toString('utf8'), 'the upstream got the client bytes');
    assert.equal(got.body.toString('utf8'), OAI_JSON, 'the client got the upstream bytes');
    const id = String(got.headers['x-penny-request-id']);
    const e = (await h.entries()).find((x) => x.id === id)!;
    assert.equal(e.status, 'ok');
    assert.equal(e.inputUncached, 1000);
    assert.equal(e.outputText, 20);
    assert.equal(e.cost, OAI_COST);
    assert.equal(got.headers['x-penny-cost-usd'], (Number(OAI_COST) / 1e12).toFixed(12).replace(/0+$/, ''));
  });

  test('a "provider/model" name is the one edit: the model member is rewritten in place', async () => {
    const sent = Buffer.from('{"model":"openai/gpt-4o-mini", "messages":[{"role":"user","content":"x"}]}');
    up.next({ headers: { 'content-type': 'application/json' }, chunks: [OAI_JSON] });
    const before = FAST_PATH.requests;
    const got = await post(h.app.url, '/v1/chat/completions', sent);
    assert.equal(got.status, 200);
    assert.equal(FAST_PATH.requests, before + 1);
    assert.equal(up.received.at(-1), '{"model":"gpt-4o-mini", "messages":[{"role":"user","content":"x"}]}');
  });

  test('streamed OpenAI with include_usage: bytes both ways untouched', async () => {
    const sent = Buffer.from(
      '{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]}',
    );
    up.next({ chunks: OAI_STREAM });
    const before = { ...FAST_PATH };
    const got = await post(h.app.url, '/v1/chat/completions', sent);
    assert.equal(got.status, 200);
    assert.equal(FAST_PATH.requests, before.requests + 1);
    assert.ok(FAST_PATH.rawStreamChunks > before.rawStreamChunks, 'chunks were forwarded as they came');
    assert.equal(up.received.at(-1), sent.toString('utf8'));
    assert.equal(got.body.toString('utf8'), OAI_STREAM.join(''));
    const e = (await h.entries()).find((x) => x.id === String(got.headers['x-penny-request-id']))!;
    assert.equal(e.status, 'ok');
    assert.equal(e.cost, OAI_COST);
    assert.equal(e.usageEstimated, false);
  });

  test('streamed OpenAI without include_usage: Penny asks for usage, the client never sees it', async () => {
    const sent = Buffer.from(
      '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"x"}]}',
    );
    // The usage-only chunk arrives in one write with [DONE]: that write is forwarded with its bytes cut out.
    up.next({ chunks: [OAI_STREAM[0]!, OAI_STREAM[1]!, OAI_STREAM[2]! + OAI_STREAM[3]!] });
    const got = await post(h.app.url, '/v1/chat/completions', sent);
    assert.equal(got.status, 200);
    assert.equal(
      up.received.at(-1),
      '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":true}}',
    );
    assert.equal(got.body.toString('utf8'), OAI_STREAM[0]! + OAI_STREAM[1]! + OAI_STREAM[3]!);
    const e = (await h.entries()).find((x) => x.id === String(got.headers['x-penny-request-id']))!;
    assert.equal(e.cost, OAI_COST);
  });

  test('streamed OpenAI without include_usage, in one write: the usage event is cut out of the bytes', async () => {
    const sent = Buffer.from(
      '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"x"}]}',
    );
    // One upstream write of ~600 bytes arrives in one read on loopback: forwarded as bytes, not re-formatted.
    up.next({ chunks: [OAI_STREAM.join('')] });
    const raw = FAST_PATH.rawStreamChunks;
    const got = await post(h.app.url, '/v1/chat/completions', sent);
    assert.equal(got.body.toString('utf8'), OAI_STREAM[0]! + OAI_STREAM[1]! + OAI_STREAM[3]!);
    assert.equal(FAST_PATH.rawStreamChunks, raw + 1);
    const e = (await h.entries()).find((x) => x.id === String(got.headers['x-penny-request-id']))!;
    assert.equal(e.cost, OAI_COST);
    assert.equal(e.usageEstimated, false);
  });

  test('streamed Anthropic through the official SDK: bytes untouched, answer and cost right', async () => {
    up.next({ chunks: ANT_STREAM });
    const sent = Buffer.from(
      '{"model":"claude-haiku-4-5","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"x"}]}',
    );
    const before = FAST_PATH.requests;
    const got = await post(h.app.url, '/v1/messages', sent, { 'anthropic-version': '2023-06-01' });
    assert.equal(FAST_PATH.requests, before + 1);
    assert.equal(up.received.at(-1), sent.toString('utf8'));
    assert.equal(got.body.toString('utf8'), ANT_STREAM.join(''));

    up.next({ chunks: ANT_STREAM });
    const client = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
    const msg = await client.messages
      .stream({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'x' }] })
      .finalMessage();
    assert.deepEqual(msg.content, [{ type: 'text', text: 'Hello' }]);
    assert.equal(msg.usage.output_tokens, 20);
    const entries = await h.entries();
    for (const e of entries.slice(-2)) {
      assert.equal(e.status, 'ok');
      assert.equal(e.cost, ANT_COST);
    }
  });

  test('the OpenAI SDK gets the same answer through the fast path', async () => {
    up.next({ headers: { 'content-type': 'application/json' }, chunks: [OAI_JSON] });
    const client = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    const before = FAST_PATH.requests;
    const r = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
    });
    assert.equal(FAST_PATH.requests, before + 1);
    assert.equal(r.choices[0]!.message.content, 'Hi é ✓');
    assert.equal(r.usage!.completion_tokens, 20);
  });

  test('a tactic that changes the request takes the canonical render', async () => {
    await h.close();
    h = await startHarness({
      config: {
        providers: {
          openai: { type: 'openai', baseUrl: `${up.url}/v1`, apiKey: 'sk-test-openai-0123456789abcdef' },
        },
        features: { capped: { shape: { maxTokens: 7 } } },
      },
    });
    up.next({ headers: { 'content-type': 'application/json' }, chunks: [OAI_JSON] });
    const before = FAST_PATH.requests;
    const sent = Buffer.from('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}]}');
    const got = await post(h.app.url, '/v1/chat/completions', sent, { 'x-penny-feature': 'capped' });
    assert.equal(got.status, 200);
    assert.equal(FAST_PATH.requests, before, 'not the fast path');
    const upstream = JSON.parse(up.received.at(-1)!) as Record<string, unknown>;
    assert.equal(upstream.max_completion_tokens, 7);
  });
});
