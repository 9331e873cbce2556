/**
 * Issue 16, item 4: a key without a known prefix (not "sk-…"), echoed back by an upstream 401, must not
 * appear in the client's error, the logs or the ledger — keys are redacted by value, not only by pattern:
 * the configured provider keys and the key the client forwarded.
 */
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type Harness, startHarness } from './harness.js';

const CLIENT_KEY = 'corpgw.CLIENT-9f8e7d6c5b4a39281706';
const CONFIGURED_OPENAI = 'corpgw.CONFIGURED-openai-0a1b2c3d4e5f';
const CONFIGURED_ANTHROPIC = 'corpgw.CONFIGURED-anthro-6a7b8c9d0e1f';

/** An upstream that rejects every key and quotes it back, as real providers do ("Incorrect API key provided: …"). */
async function startEchoingUpstream(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = String(req.headers['x-api-key'] ?? req.headers.authorization ?? '').replace(/^Bearer /, '');
      const anthropic = req.url?.startsWith('/v1/messages');
      const body = anthropic
        ? { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key: ${key}` } }
        : {
            error: {
              message: `Incorrect API key provided: ${key}.`,
              type: 'invalid_request_error',
              code: 'invalid_api_key',
            },
          };
      res.writeHead(401, { 'content-type': 'application/json', 'x-echo': key });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('keys echoed by an upstream 401 are redacted by value', () => {
  let h: Harness;
  let up: { url: string; server: Server };
  before(async () => {
    up = await startEchoingUpstream();
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

  async function errorText(p: Promise<unknown>): Promise<string> {
    const e = await p.then(
      () => assert.fail('expected an error'),
      (err: unknown) => err,
    );
    return JSON.stringify(e, Object.getOwnPropertyNames(e)) + String((e as Error).message);
  }

  test('a pass-through key and configured keys, both dialects, streamed or not: absent from answers, logs, ledger', async () => {
    const seen: string[] = [];
    const own = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    const placeholder = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    const ownA = new Anthropic({ apiKey: CLIENT_KEY, baseURL: h.app.url, maxRetries: 0 });
    const placeholderA = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
    const msg = [{ role: 'user' as const, content: 'hi' }];
    for (const client of [own, placeholder]) {
      seen.push(await errorText(client.chat.completions.create({ model: 'gpt-4o-mini', messages: msg })));
      seen.push(
        await errorText(
          (async () => {
            const s = await client.chat.completions.create({
              model: 'gpt-4o-mini',
              messages: msg,
              stream: true,
            });
            for await (const _ of s);
          })(),
        ),
      );
    }
    for (const client of [ownA, placeholderA]) {
      seen.push(
        await errorText(client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 5, messages: msg })),
      );
      seen.push(
        await errorText(
          client.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 5, messages: msg }).finalMessage(),
        ),
      );
    }
    const joined = seen.join('\n');
    // The errors are the upstream's (authentication), just masked.
    assert.match(joined, /Incorrect API key provided: cor\*\*\*/);
    assert.match(joined, /invalid x-api-key: cor\*\*\*/);
    const entries = await h.entries();
    assert.equal(entries.length, 8);
    const ledger = JSON.stringify(entries, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    const logs = h.logs.join('\n');
    assert.match(logs, /request failed/);
    for (const key of [CLIENT_KEY, CONFIGURED_OPENAI, CONFIGURED_ANTHROPIC]) {
      assert.ok(!joined.includes(key), `${key} reached a client`);
      assert.ok(!logs.includes(key), `${key} reached the logs`);
      assert.ok(!ledger.includes(key), `${key} reached the ledger`);
    }
  });
});
