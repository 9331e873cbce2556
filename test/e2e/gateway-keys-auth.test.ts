import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startPenny } from '../../src/app.js';
import { ConfigError } from '../../src/core/errors.js';
import { MemoryLedger } from '../../src/ledger/memory-ledger.js';
import { silentLogger } from '../../src/observability/logger.js';
import { startFakeUpstream } from '../fake-upstream/index.js';
import { startHarness } from './harness.js';

describe('keys, tokens and pricing honesty', () => {
  test('a client may pass its own provider key; the ledger keeps only a fingerprint', async () => {
    const h = await startHarness();
    try {
      const own = 'sk-client-own-key-0123456789abcdef';
      const client = new OpenAI({ apiKey: own, baseURL: `${h.app.url}/v1`, maxRetries: 0 });
      await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(h.fake.requests.at(-1)!.headers.authorization, `Bearer ${own}`);
      const antOwn = 'sk-ant-client-own-0123456789abcdef';
      const anthropic = new Anthropic({ apiKey: antOwn, baseURL: h.app.url, maxRetries: 0 });
      await anthropic.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 20,
        messages: [{ role: 'user', content: 'hi' }],
      });
      const sent = h.fake.requests.at(-1)!.headers;
      assert.ok(sent['x-api-key'] === antOwn, 'the Anthropic key goes upstream as x-api-key');
      // An OpenAI key never goes to Anthropic (cross-format): the configured key is used instead.
      await client.chat.completions.create({
        model: 'claude-haiku-4-5',
        max_tokens: 20,
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.notEqual(h.fake.requests.at(-1)!.headers['x-api-key'], own);
      const entries = await h.entries();
      const fp = entries[0]!.keyId;
      assert.match(fp ?? '', /^key-[0-9a-f]{12}$/);
      const dump =
        JSON.stringify(entries, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) + h.logs.join('');
      assert.ok(!dump.includes(own) && !dump.includes(antOwn));
    } finally {
      await h.close();
    }
  });

  test('a model with no known price is recorded with cost unknown and flagged — never $0', async () => {
    const fake = await startFakeUpstream();
    const ledger = new MemoryLedger();
    const app = await startPenny({
      object: {
        server: { port: 0 },
        providers: { local: { type: 'openai-compatible', baseUrl: `${fake.url}/v1`, apiKey: 'k' } },
      },
      env: {},
      logger: silentLogger,
      ledger,
    });
    try {
      const client = new OpenAI({ apiKey: 'penny', baseURL: `${app.url}/v1`, maxRetries: 0 });
      const { response } = await client.chat.completions
        .create({ model: 'my-finetuned-llama', messages: [{ role: 'user', content: 'hi' }] })
        .withResponse();
      assert.equal(response.headers.get('x-penny-cost-usd'), 'unknown');
      await app.gateway.drain();
      const [e] = await ledger.query({});
      assert.equal(e!.cost, null);
      assert.equal(e!.baselineCost, null);
      assert.ok(e!.flags.includes('unpriced_model'));
      assert.ok(e!.outputText > 0, 'tokens are still recorded');
    } finally {
      await app.close();
      await fake.close();
    }
  });

  test('a price override in the config prices a self-hosted model', async () => {
    const fake = await startFakeUpstream();
    const ledger = new MemoryLedger();
    const app = await startPenny({
      object: {
        server: { port: 0 },
        providers: { local: { type: 'openai-compatible', baseUrl: `${fake.url}/v1`, apiKey: 'k' } },
        prices: { 'qwen-local': { input: '0.02', output: '0.04' } },
      },
      env: {},
      logger: silentLogger,
      ledger,
    });
    try {
      const client = new OpenAI({ apiKey: 'penny', baseURL: `${app.url}/v1`, maxRetries: 0 });
      await client.chat.completions.create({
        model: 'qwen-local',
        messages: [{ role: 'user', content: 'hi #fake:words=10' }],
      });
      await app.gateway.drain();
      const [e] = await ledger.query({});
      assert.equal(e!.cost, BigInt(e!.inputUncached) * 20_000n + 10n * 40_000n);
    } finally {
      await app.close();
      await fake.close();
    }
  });

  test('beyond loopback a token is required; Penny refuses to listen publicly without one', async () => {
    await assert.rejects(
      startPenny({
        object: { server: { host: '0.0.0.0', port: 0 } },
        env: {},
        logger: silentLogger,
        ledger: new MemoryLedger(),
      }),
      (e: unknown) => e instanceof ConfigError && /server\.authTokens/.test(e.message),
    );
    const token = 'penny-team-token-0123456789';
    const app = await startPenny({
      object: { server: { host: '0.0.0.0', port: 0, authTokens: { team: token } } },
      env: {},
      logger: silentLogger,
      ledger: new MemoryLedger(),
    });
    try {
      const url = app.url.replace('0.0.0.0', '127.0.0.1');
      const anon = new OpenAI({ apiKey: 'nope', baseURL: `${url}/v1`, maxRetries: 0 });
      await assert.rejects(
        anon.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
        (e: unknown) => e instanceof OpenAI.AuthenticationError,
      );
      const ok = new OpenAI({ apiKey: token, baseURL: `${url}/v1`, maxRetries: 0 });
      const res = await ok.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'x' }],
      });
      assert.ok(res.choices.length === 1);
      await app.gateway.drain();
      const [e] = await app.ledger.query({});
      assert.equal(e!.keyId, 'team', 'the token name attributes the request');
    } finally {
      await app.close();
    }
  });

  test('slow and stalled upstreams time out with the right error instead of hanging', async () => {
    const fake = await startFakeUpstream();
    const ledger = new MemoryLedger();
    const app = await startPenny({
      object: {
        server: { port: 0 },
        providers: {
          openai: {
            type: 'openai',
            baseUrl: `${fake.url}/v1`,
            apiKey: 'sk-x',
            timeoutMs: 200,
            idleTimeoutMs: 200,
          },
        },
      },
      env: {},
      logger: silentLogger,
      ledger,
    });
    try {
      const client = new OpenAI({ apiKey: 'penny', baseURL: `${app.url}/v1`, maxRetries: 0 });
      await assert.rejects(
        client.chat.completions.create({
          model: 'gpt-4o',
          messages: [{ role: 'user', content: 'x #fake:delay=2000' }],
        }),
        (e: unknown) => (e as { status?: number }).status === 504,
      );
      const s = await client.chat.completions.create({
        model: 'gpt-4o',
        stream: true,
        messages: [{ role: 'user', content: 'x #fake:words=30 #fake:stall_after=2' }],
      });
      await assert.rejects(async () => {
        for await (const _c of s) {
          /* drain */
        }
      });
      await app.gateway.drain();
      const entries = (await ledger.query({})).reverse();
      assert.equal(entries[0]!.errorClass, 'upstream_timeout');
      assert.equal(entries[1]!.errorClass, 'upstream_timeout');
      assert.ok(entries[1]!.outputText > 0, "the stalled stream's partial output is priced");
    } finally {
      await app.close();
      await fake.close();
    }
  });
});
