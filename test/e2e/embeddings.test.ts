/**
 * POST /v1/embeddings end to end with the official openai client: string, array and token inputs, float
 * and base64, exact cache hits, provider errors, the simulated upstream — each call's ledger entry and
 * exact cost checked, each body validated against OpenAI's OpenAPI spec.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { moneyToDecimal } from '../../src/core/money.js';
import { type Harness, OPENAI_KEY, startHarness } from './harness.js';
import { assertOpenApi } from './openapi.js';

// text-embedding-3-small: $0.02 / 1M input tokens → 20_000 picodollars per token.
const PER_TOKEN = 20_000n;

describe('embeddings with the official openai client', () => {
  let h: Harness;
  let client: OpenAI;
  before(async () => {
    h = await startHarness({
      config: { features: { search: { cache: { enabled: true, store: 'memory' } } } },
    });
    client = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(() => h.close());

  test('a string input: forwarded, attributed, priced from prompt_tokens', async () => {
    h.fake.reset();
    const { data, response } = await client.embeddings
      .create(
        { model: 'text-embedding-3-small', input: 'the quick brown fox', encoding_format: 'float' },
        { headers: { 'x-penny-feature': 'docs', 'x-penny-user': 'u-9' } },
      )
      .withResponse();
    assertOpenApi('CreateEmbeddingResponse', data);
    assert.equal(data.data.length, 1);
    assert.equal(data.data[0]!.embedding.length, 8);
    const sent = h.fake.requests.at(-1)!;
    assert.equal(sent.path, '/v1/embeddings');
    assert.equal(sent.headers.authorization, `Bearer ${OPENAI_KEY}`);
    const id = response.headers.get('x-penny-request-id');
    const e = (await h.entries()).find((x) => x.id === id)!;
    assert.equal(e.feature, 'docs');
    assert.equal(e.user, 'u-9');
    assert.equal(e.provider, 'openai');
    assert.equal(e.requestedModel, 'text-embedding-3-small');
    assert.equal(e.inputUncached, data.usage.prompt_tokens);
    assert.equal(e.outputText, 0);
    assert.equal(e.cost, BigInt(data.usage.prompt_tokens) * PER_TOKEN);
    assert.equal(e.meta?.endpoint, 'embeddings');
    assert.equal(response.headers.get('x-penny-cost-usd'), moneyToDecimal(e.cost!));
  });

  test('array and token inputs, base64 (the SDK default), dimensions', async () => {
    const many = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['one', 'two two', 'three three three'],
      dimensions: 4,
    });
    assert.equal(many.data.length, 3);
    assert.deepEqual(
      many.data.map((d) => d.embedding.length),
      [4, 4, 4],
    );
    const tokens = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: [
        [1, 2, 3],
        [4, 5],
      ],
    });
    assert.equal(tokens.data.length, 2);
    assert.equal(tokens.usage.prompt_tokens, 5);
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.inputUncached, 5);
    assert.equal(e.cost, 5n * PER_TOKEN);
    assert.equal(e.meta?.inputs, 2);
  });

  test('exact cache: the repeat is answered by Penny at $0 with the saving booked', async () => {
    h.fake.reset();
    const req = {
      model: 'text-embedding-3-small',
      input: ['cache me', 'and me'],
      encoding_format: 'float' as const,
    };
    const opts = { headers: { 'x-penny-feature': 'search' } };
    const first = await client.embeddings.create(req, opts).withResponse();
    assert.equal(first.response.headers.get('x-penny-cache'), 'miss');
    const second = await client.embeddings.create(req, opts).withResponse();
    assert.equal(second.response.headers.get('x-penny-cache'), 'hit');
    assert.deepEqual(second.data, first.data);
    assert.equal(h.fake.requests.length, 1, 'one upstream call');
    const entries = await h.entries();
    const hit = entries.find((x) => x.id === second.response.headers.get('x-penny-request-id'))!;
    const miss = entries.find((x) => x.id === first.response.headers.get('x-penny-request-id'))!;
    assert.equal(hit.cost, 0n);
    assert.equal(hit.baselineCost, miss.cost);
    assert.deepEqual(hit.savings, { 'cache.exact': miss.cost });
    assert.deepEqual(hit.meta?.cache, { status: 'hit', kind: 'exact', store: 'memory' });
    const bypass = await client.embeddings
      .create(req, { headers: { 'x-penny-feature': 'search', 'x-penny-cache': 'bypass' } })
      .withResponse();
    assert.equal(bypass.response.headers.get('x-penny-cache'), null);
    assert.equal(h.fake.requests.length, 2);
  });

  test('errors: bad input, a Claude model, an upstream failure — OpenAI-shaped, each with an entry', async () => {
    await assert.rejects(
      client.embeddings.create({ model: 'text-embedding-3-small', input: 42 as never }),
      (e: unknown) => e instanceof OpenAI.BadRequestError && /input must be/.test((e as Error).message),
    );
    assert.equal((await h.entries()).at(-1)!.errorClass, 'invalid_request');
    await assert.rejects(
      client.embeddings.create({ model: 'claude-haiku-4-5', input: 'x' }),
      (e: unknown) => e instanceof OpenAI.BadRequestError && /no embeddings API/.test((e as Error).message),
    );
    await assert.rejects(
      client.embeddings.create({ model: 'text-embedding-3-small', input: 'boom #fake:status=500' }),
      (e: unknown) => e instanceof OpenAI.APIError && (e as { status?: number }).status === 502,
    );
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.status, 'error');
    assert.equal(e.provider, 'openai');
    assert.equal(e.cost, 0n);
  });
});

describe('embeddings offline (simulated upstream)', () => {
  let h: Harness;
  let client: OpenAI;
  before(async () => {
    h = await startHarness({ noProviders: true });
    client = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(() => h.close());

  test('deterministic unit vectors, counted tokens, a simulated entry', async () => {
    const a = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['hello world', 'other'],
    });
    const b = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello world' });
    assertOpenApi('CreateEmbeddingResponse', a);
    assert.equal(a.data[0]!.embedding.length, 1536);
    assert.deepEqual(b.data[0]!.embedding, a.data[0]!.embedding);
    assert.notDeepEqual(a.data[1]!.embedding, a.data[0]!.embedding);
    const norm = Math.sqrt(a.data[0]!.embedding.reduce((s, v) => s + v * v, 0));
    assert.ok(Math.abs(norm - 1) < 1e-4);
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.simulated, true);
    assert.ok(e.flags.includes('simulated'));
    assert.equal(e.inputUncached, b.usage.prompt_tokens);
    assert.equal(e.cost, BigInt(e.inputUncached) * PER_TOKEN);
  });
});
