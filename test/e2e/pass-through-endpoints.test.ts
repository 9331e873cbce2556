/**
 * Pass-through keys on every route, not only chat: a client that brings its own provider key is billed on
 * its own account for embeddings, legacy completions and Anthropic count_tokens too (the configured key is
 * never used for it), its ledger entries carry the key's fingerprint, and the key is masked by value when
 * an upstream echoes it back.
 */
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type Harness, startHarness } from './harness.js';

const CLIENT_OPENAI = 'sk-proj-CLIENTOWN-0123456789abcdefghij';
const CLIENT_ANTHROPIC = 'sk-ant-api03-CLIENTOWN-0123456789abcdef';
const ODD_CLIENT_KEY = 'corpgw.CLIENT-ab12cd34ef56ab78cd90';
const CONFIGURED_OPENAI = 'sk-proj-CONFIGURED-9876543210zyxwvuts';
const CONFIGURED_ANTHROPIC = 'sk-ant-api03-CONFIGURED-9876543210zyx';

interface Seen {
  path: string;
  key: string;
}

/** An upstream that records the key of every call and answers embeddings, completions and count_tokens. */
async function startRecordingUpstream(): Promise<{ url: string; server: Server; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const key = String(req.headers['x-api-key'] ?? req.headers.authorization ?? '').replace(/^Bearer /, '');
      const path = (req.url ?? '').split('?')[0]!;
      seen.push({ path, key });
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (key === ODD_CLIENT_KEY)
        return send(401, {
          error: {
            message: `Incorrect API key provided: ${key}.`,
            type: 'invalid_request_error',
            code: 'invalid_api_key',
          },
        });
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { model?: string };
      if (path === '/v1/embeddings')
        return send(200, {
          object: 'list',
          data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] }],
          model: body.model,
          usage: { prompt_tokens: 7, total_tokens: 7 },
        });
      if (path === '/v1/completions')
        return send(200, {
          id: 'cmpl-1',
          object: 'text_completion',
          created: 1,
          model: body.model,
          choices: [{ index: 0, text: ' world', finish_reason: 'stop', logprobs: null }],
          usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
        });
      if (path === '/v1/messages/count_tokens') return send(200, { input_tokens: 11 });
      send(404, { error: { message: `no route ${path}`, type: 'invalid_request_error' } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen };
}

describe('pass-through keys on embeddings, completions and count_tokens', () => {
  let h: Harness;
  let up: Awaited<ReturnType<typeof startRecordingUpstream>>;
  before(async () => {
    up = await startRecordingUpstream();
    h = await startHarness({
      config: {
        providers: {
          openai: { type: 'openai', baseUrl: `${up.url}/v1`, apiKey: CONFIGURED_OPENAI },
          anthropic: { type: 'anthropic', baseUrl: up.url, apiKey: CONFIGURED_ANTHROPIC },
        },
      },
    });
  });
  after(async () => {
    await h.close();
    await new Promise((r) => up.server.close(r));
  });

  test("the client's own key is forwarded and fingerprinted; a placeholder key uses the configured one", async () => {
    const own = new OpenAI({ apiKey: CLIENT_OPENAI, baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    const placeholder = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    const ownA = new Anthropic({ apiKey: CLIENT_ANTHROPIC, baseURL: h.app.url, maxRetries: 0 });

    const emb = await own.embeddings.create({ model: 'text-embedding-3-small', input: 'pass me through' });
    assert.equal(emb.usage.prompt_tokens, 7);
    const cmpl = await own.completions.create({
      model: 'gpt-3.5-turbo-instruct',
      prompt: 'hello',
      max_tokens: 2,
    });
    assert.equal(cmpl.choices[0]!.text, ' world');
    const counted = await ownA.messages.countTokens({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'count me' }],
    });
    assert.equal(counted.input_tokens, 11);
    await placeholder.embeddings.create({ model: 'text-embedding-3-small', input: 'the configured key' });

    const keyOf = (path: string) => up.seen.filter((s) => s.path === path).map((s) => s.key);
    assert.deepEqual(keyOf('/v1/embeddings'), [CLIENT_OPENAI, CONFIGURED_OPENAI]);
    assert.deepEqual(keyOf('/v1/completions'), [CLIENT_OPENAI]);
    assert.deepEqual(keyOf('/v1/messages/count_tokens'), [CLIENT_ANTHROPIC]);

    const entries = await h.entries();
    const byEndpoint = entries.filter((e) => e.status === 'ok');
    assert.equal(
      byEndpoint.length,
      3,
      'embeddings ×2 and completions are ledger entries (count_tokens is free)',
    );
    const fingerprints = new Set(byEndpoint.map((e) => e.keyId));
    // Two entries on the client's key share its fingerprint; the placeholder call has no key id.
    assert.equal(byEndpoint.filter((e) => e.keyId?.startsWith('key-')).length, 2);
    assert.equal(fingerprints.size, 2);
    const ledger = JSON.stringify(entries, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    for (const key of [CLIENT_OPENAI, CLIENT_ANTHROPIC, CONFIGURED_OPENAI])
      assert.ok(!ledger.includes(key), 'keys never reach the ledger');
  });

  test('a client key the upstream echoes back in a 401 is masked in the answer and the logs', async () => {
    const odd = new OpenAI({ apiKey: ODD_CLIENT_KEY, baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    const err = await odd.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }).then(
      () => assert.fail('expected a 401'),
      (e: unknown) => e as Error & { status?: number },
    );
    assert.equal(err.status, 401);
    const text = JSON.stringify(err, Object.getOwnPropertyNames(err)) + err.message;
    assert.match(text, /Incorrect API key provided: cor\*\*\*/);
    assert.ok(!text.includes(ODD_CLIENT_KEY), 'the key reached the client');
    assert.ok(!h.logs.join('\n').includes(ODD_CLIENT_KEY), 'the key reached the logs');
    assert.equal(
      up.seen.at(-1)!.key,
      ODD_CLIENT_KEY,
      'the odd-format key was forwarded (OpenAI accepts any bearer)',
    );
  });
});
