import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { LocalEmbedder } from '../../src/pipeline/cache/semantic/local-embedder.js';
import { type Harness, startHarness } from './harness.js';

const ask = (client: OpenAI, feature: string, content: string, system = 'You answer billing questions.') =>
  client.chat.completions
    .create(
      {
        model: 'gpt-4o-mini',
        temperature: 0,
        messages: [
          { role: 'system', content: system },
          { role: 'user', content },
        ],
      },
      { headers: { 'x-penny-feature': feature } },
    )
    .withResponse();

describe('semantic cache through the gateway (local embedder)', () => {
  let h: Harness;
  let client: OpenAI;
  before(async () => {
    h = await startHarness({
      config: {
        cache: { store: 'memory' },
        features: {
          support: { cache: { enabled: true, semantic: { enabled: true, shadow: false } } },
          strict: { cache: { enabled: true, semantic: { enabled: true, shadow: false, threshold: 0.999 } } },
          trial: { cache: { enabled: true, semantic: { enabled: true } } }, // shadow by default
        },
      },
    });
    client = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(() => h.close());

  test('a paraphrase is a semantic hit; a negation and another entity are misses', async () => {
    const first = await ask(client, 'support', 'How do I cancel my subscription?');
    const c0 = h.fake.count;
    const para = await ask(client, 'support', 'How can I cancel my subscription plan?');
    assert.equal(para.response.headers.get('x-penny-cache'), 'hit');
    assert.equal(para.response.headers.get('x-penny-cache-kind'), 'semantic');
    assert.equal(para.data.choices[0]!.message.content, first.data.choices[0]!.message.content);
    assert.equal(h.fake.count, c0);
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.cost, 0n, 'the local embedder costs nothing');
    assert.ok(e.baselineCost !== null && e.baselineCost > 0n);
    assert.deepEqual(e.savings, { 'cache.semantic': e.baselineCost });
    assert.ok((e.meta!.cache as { score: number }).score >= 0.35);

    for (const near of [
      'How do I not cancel my subscription?',
      'How do I cancel my subscription in Paris?',
    ]) {
      const r = await ask(client, 'support', near);
      assert.equal(r.response.headers.get('x-penny-cache'), 'miss', near);
    }
    assert.equal(h.fake.count, c0 + 2);
    const rejected = (await h.entries()).at(-1)!.meta!.cache as { semantic: { rejectedBy: string } };
    assert.match(rejected.semantic.rejectedBy, /entity/);
  });

  test('the scope guards: another system prompt never shares an answer', async () => {
    await ask(client, 'support', 'Where can I download my invoices?');
    const r = await ask(
      client,
      'support',
      'Where can I download my invoices please?',
      'You answer shipping questions.',
    );
    assert.equal(r.response.headers.get('x-penny-cache'), 'miss');
  });

  test('a per-feature threshold applies', async () => {
    await ask(client, 'strict', 'How do I change my billing address?');
    const r = await ask(client, 'strict', 'How can I change my billing address today?');
    assert.equal(r.response.headers.get('x-penny-cache'), 'miss');
  });

  test('shadow mode records the would-be hit and still serves from upstream', async () => {
    await ask(client, 'trial', 'How do I update my credit card?');
    const c0 = h.fake.count;
    const r = await ask(client, 'trial', 'How can I update my credit card?');
    assert.equal(r.response.headers.get('x-penny-cache'), 'shadow-hit');
    assert.equal(h.fake.count, c0 + 1, 'served from upstream');
    assert.match(r.data.choices[0]!.message.content ?? '', /How can I update/);
    const meta = (await h.entries()).at(-1)!.meta!.cache as {
      status: string;
      shadow: { score: number; agree: boolean };
    };
    assert.equal(meta.status, 'shadow-hit');
    assert.ok(meta.shadow.score > 0.35);
    assert.equal(meta.shadow.agree, false, 'the fake echoes the question, so the answers differ');
  });
});

describe('semantic cache with an OpenAI-compatible embeddings provider', () => {
  let h: Harness;
  let client: OpenAI;
  let embeddings: Server;
  let calls = 0;
  before(async () => {
    const local = new LocalEmbedder();
    embeddings = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => {
        raw += c;
      });
      req.on('end', async () => {
        calls++;
        const body = JSON.parse(raw) as { input: string[] };
        const vectors = await local.embed(body.input);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            object: 'list',
            data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: [...v] })),
            usage: { prompt_tokens: 10 * body.input.length, total_tokens: 10 * body.input.length },
          }),
        );
      });
    });
    await new Promise<void>((r) => embeddings.listen(0, '127.0.0.1', r));
    const port = (embeddings.address() as AddressInfo).port;
    h = await startHarness({
      config: {
        cache: {
          store: 'memory',
          semantic: {
            embedder: {
              type: 'openai',
              baseUrl: `http://127.0.0.1:${port}`,
              model: 'my-embedder',
              dims: 384,
              apiKey: 'k',
              inputPerMillion: '0.02',
            },
          },
        },
        features: { support: { cache: { enabled: true, semantic: { enabled: true, shadow: false } } } },
      },
    });
    client = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await h.close();
    await new Promise((r) => embeddings.close(r));
  });

  test('the embedding cost is booked on misses and hits, and savings stay exact', async () => {
    // 10 tokens × $0.02 / 1M = 200,000 picodollars per lookup.
    const E = 200_000n;
    await ask(client, 'support', 'How do I cancel my subscription?');
    const miss = (await h.entries()).at(-1)!;
    assert.equal((miss.meta!.cache as { embeddingTokens: number }).embeddingTokens, 10);
    assert.equal(miss.savings['cache.semantic'], -E);
    assert.equal(miss.baselineCost! - miss.cost!, -E, 'baseline − cost = Σ savings');
    assert.equal(calls, 1, 'storing the entry reuses the lookup embedding');

    await ask(client, 'support', 'How can I cancel my subscription?');
    const hit = (await h.entries()).at(-1)!;
    assert.equal((hit.meta!.cache as { status: string }).status, 'hit');
    assert.equal(hit.cost, E);
    assert.equal(hit.savings['cache.semantic'], hit.baselineCost! - E);
  });
});
