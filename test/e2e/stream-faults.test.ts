/**
 * Streams that break or turn malformed upstream: the client sees a proper error in its dialect, and the
 * ledger keeps every count the provider did report (estimating only what it did not).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type Harness, startHarness } from './harness.js';
import { type ScriptedUpstream, startScriptedUpstream } from './scripted-upstream.js';

function post(url: string, path: string, body: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'penny' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const count = (s: string, sub: string) => s.split(sub).length - 1;

const OAI_CHUNK = `data: ${JSON.stringify({
  id: 'c1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, delta: { role: 'assistant', content: 'Hello' }, finish_reason: null }],
})}\n\n`;
const OAI_DONE = 'data: [DONE]\n\n';
const ANT_START = [
  `event: message_start\ndata: ${JSON.stringify({
    type: 'message_start',
    message: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-haiku-4-5',
      content: [],
      usage: { input_tokens: 10, output_tokens: 1 },
    },
  })}\n\n`,
  `event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })}\n\n`,
  `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } })}\n\n`,
];
const ANT_ERROR = `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}\n\n`;

/** 3,524 characters: the fake upstream reports ceil(chars / 4) = 881 input tokens. */
const PROMPT_881 = `${'tokens '.repeat(503)}abc`;

describe('broken and malformed upstream streams', () => {
  let h: Harness;
  let openai: OpenAI;
  let anthropic: Anthropic;
  before(async () => {
    h = await startHarness();
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
  });
  after(() => h.close());

  test('an Anthropic stream broken after message_start keeps the provider input split (881/346/134)', async () => {
    assert.equal(PROMPT_881.length, 3524);
    const before = (await h.entries()).length;
    h.fake.setNext({ cached: 346, cacheWrite: 134, breakAfter: 2, words: 30 });
    let started: Anthropic.Usage | undefined;
    await assert.rejects(async () => {
      const s = await anthropic.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 200,
        stream: true,
        messages: [{ role: 'user', content: PROMPT_881 }],
      });
      for await (const ev of s) if (ev.type === 'message_start') started = ev.message.usage;
    }, Anthropic.APIError);
    assert.equal(started?.input_tokens, 881);
    // The same break with an OpenAI client served by the Anthropic model (translated stream).
    h.fake.setNext({ cached: 346, cacheWrite: 134, breakAfter: 2, words: 30 });
    await assert.rejects(async () => {
      const s = await openai.chat.completions.create({
        model: 'claude-haiku-4-5',
        max_tokens: 200,
        stream: true,
        messages: [{ role: 'user', content: PROMPT_881 }],
      });
      for await (const _ of s);
    }, OpenAI.APIError);
    const entries = (await h.entries()).slice(before);
    assert.equal(entries.length, 2);
    for (const e of entries) {
      assert.equal(e.status, 'error');
      assert.equal(e.errorClass, 'upstream_stream_broken');
      assert.deepEqual(
        [e.inputUncached, e.cacheRead, e.cacheWrite5m, e.cacheWrite1h],
        [881, 346, 134, 0],
        `${e.dialect} client: the provider's input counts are kept`,
      );
      assert.ok(e.outputText > 0, 'the output generated before the break is estimated');
      assert.equal(e.usageEstimated, true);
      assert.ok(e.flags.includes('usage_estimated'));
      assert.notEqual(e.cost, null);
    }
  });
});

describe('malformed and failing upstream streams end with one error in the client dialect', () => {
  let h: Harness;
  let up: ScriptedUpstream;
  let openai: OpenAI;
  const oaiBody = (model: string) => ({
    model,
    stream: true,
    max_tokens: 50,
    messages: [{ role: 'user', content: 'hi' }],
  });
  before(async () => {
    up = await startScriptedUpstream();
    h = await startHarness({
      config: {
        providers: {
          rawoai: { type: 'openai', baseUrl: `${up.url}/v1`, apiKey: 'sk-raw' },
          rawant: { type: 'anthropic', baseUrl: up.url, apiKey: 'sk-ant-raw' },
        },
      },
    });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await h.close();
    await up.close();
  });

  async function lastEntry() {
    const es = await h.entries();
    return es[es.length - 1]!;
  }

  for (const [name, chunks] of [
    ['data: {not json, then [DONE]', [OAI_CHUNK, 'data: {not json\n\n', OAI_DONE]],
    ['garbage data, then the end', [OAI_CHUNK, 'data: <html>bad gateway</html>\n\n']],
    [
      'an error chunk, then [DONE]',
      [OAI_CHUNK, 'data: {"error":{"message":"boom","type":"server_error"}}\n\n', OAI_DONE],
    ],
  ] as const) {
    test(`OpenAI upstream → OpenAI client, ${name}: one error chunk, no [DONE], ledger error`, async () => {
      up.next({ chunks: [...chunks] });
      const r = await post(h.app.url, '/v1/chat/completions', oaiBody('rawoai/gpt-4o-mini'));
      assert.equal(r.status, 200);
      assert.equal(count(r.text, 'data: {"error"'), 1, r.text);
      assert.ok(!r.text.includes('[DONE]'), r.text);
      assert.ok(!r.text.includes('not json') || r.text.includes('"error"'));
      assert.ok(!r.text.includes('data: <html>'), 'no raw garbage reaches the client');
      assert.equal((await lastEntry()).status, 'error');
      // The official SDK raises on it (it throws APIError for a data event with an `error` field).
      up.next({ chunks: [...chunks] });
      await assert.rejects(async () => {
        const s = await openai.chat.completions.create({
          model: 'rawoai/gpt-4o-mini',
          stream: true,
          messages: [{ role: 'user', content: 'hi' }],
        });
        for await (const _ of s);
      }, OpenAI.APIError);
      assert.equal((await lastEntry()).status, 'error');
    });
  }

  test('OpenAI upstream error chunk → Anthropic client: exactly one `event: error`', async () => {
    up.next({
      chunks: [OAI_CHUNK, 'data: {"error":{"message":"boom","type":"server_error"}}\n\n', OAI_DONE],
    });
    const r = await post(h.app.url, '/v1/messages', oaiBody('rawoai/gpt-4o-mini'));
    assert.equal(count(r.text, 'event: error'), 1, r.text);
    assert.ok(!r.text.includes('message_stop'), r.text);
    assert.equal((await lastEntry()).status, 'error');
  });

  test('Anthropic upstream `event: error` → either client: exactly one error', async () => {
    up.next({ chunks: [...ANT_START, ANT_ERROR] });
    const a = await post(h.app.url, '/v1/messages', oaiBody('rawant/claude-haiku-4-5'));
    assert.equal(count(a.text, 'event: error'), 1, a.text);
    assert.match(a.text, /overloaded_error/);
    assert.equal((await lastEntry()).status, 'error');
    up.next({ chunks: [...ANT_START, ANT_ERROR] });
    const o = await post(h.app.url, '/v1/chat/completions', oaiBody('rawant/claude-haiku-4-5'));
    assert.equal(count(o.text, 'data: {"error"'), 1, o.text);
    assert.ok(!o.text.includes('[DONE]'), o.text);
    assert.equal((await lastEntry()).status, 'error');
  });

  test('Anthropic upstream malformed event → Anthropic client: one `event: error`, no message_stop', async () => {
    up.next({
      chunks: [
        ...ANT_START,
        'event: content_block_delta\ndata: {not json\n\n',
        'event: message_stop\ndata: {"type":"message_stop"}\n\n',
      ],
    });
    const a = await post(h.app.url, '/v1/messages', oaiBody('rawant/claude-haiku-4-5'));
    assert.equal(count(a.text, 'event: error'), 1, a.text);
    assert.ok(!a.text.includes('message_stop'), a.text);
    assert.equal((await lastEntry()).status, 'error');
  });
});
