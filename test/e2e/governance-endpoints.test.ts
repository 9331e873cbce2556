/**
 * Governance beyond chat, with the official SDKs: `/v1/embeddings` and `/v1/completions` take virtual keys
 * (401 / 403 as chat), are rate-limited (x-ratelimit-* headers, 429 with retry-after) and budgeted (the worst
 * case reserved before the call, a 429 naming the budget before any provider is called, ledger spend never
 * past the limit); `/v1/messages/count_tokens` checks the key; `/v1/responses` goes through the same guard.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import { usd } from '../../src/core/money.js';
import { createKey } from '../../src/governance/key-admin.js';
import { type Stores, openStores } from '../../src/governance/governance.js';
import { type Harness, startHarness } from './harness.js';

const STATIC = 'static-token-0123456789abcdef';

interface Failure {
  status: number;
  message: string;
  headers: Headers | undefined;
  body: { error?: { type?: string; details?: Record<string, unknown> } } | undefined;
}

async function attempt<T>(p: Promise<T>): Promise<{ ok: T } | { err: Failure }> {
  try {
    return { ok: await p };
  } catch (e) {
    const x = e as { status?: number; message?: string; headers?: Headers; error?: Record<string, unknown> };
    const inner = (x.error?.type === 'error' ? x.error.error : x.error) as NonNullable<
      Failure['body']
    >['error'];
    const message = (inner as { message?: string } | undefined)?.message ?? x.message ?? '';
    return { err: { status: x.status ?? 0, message, headers: x.headers, body: { error: inner } } };
  }
}

const costOf = (entries: LedgerEntry[]) => entries.reduce((s, e) => s + (e.cost ?? 0n), 0n);

describe('governed endpoints: embeddings, completions, count_tokens, responses', () => {
  let h: Harness;
  let stores: Stores;
  const openai = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  const anthropic = (apiKey: string) => new Anthropic({ apiKey, baseURL: h.app.url, maxRetries: 0 });
  const feature = (f: string) => ({ headers: { 'x-penny-feature': f } });

  before(async () => {
    h = await startHarness({
      config: {
        server: { port: 0, authTokens: { ci: STATIC } },
        governance: {
          keyCacheMs: 0,
          refreshMs: 0,
          budgets: [
            { name: 'emb-cap', match: { feature: 'emb' }, limit: '0.0005', window: 'day' },
            { name: 'cmp-cap', match: { feature: 'cmp' }, limit: '0.0002', window: 'day' },
          ],
          rateLimits: [{ name: 'emb-rl', match: { feature: 'emb-rl' }, rpm: 2 }],
        },
      },
    });
    stores = openStores(h.app.loaded);
  });
  after(async () => {
    await stores.keys.close();
    await stores.counters.close();
    await h.close();
  });

  test('embeddings and completions take virtual keys: named in the ledger; bad key 401, other model 403', async () => {
    const { key } = await createKey(stores.keys, {
      name: 'emb-team',
      models: 'text-embedding-3-small,gpt-3.5-turbo-instruct,claude-*',
    });
    h.fake.reset();
    const emb = await openai(key)
      .embeddings.create({ model: 'text-embedding-3-small', input: 'hello' })
      .withResponse();
    const cmp = await openai(key)
      .completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi #fake:words=3', max_tokens: 10 })
      .withResponse();
    const entries = await h.entries();
    for (const r of [emb, cmp]) {
      const e = entries.find((x) => x.id === r.response.headers.get('x-penny-request-id'))!;
      assert.equal(e.keyId, 'emb-team');
      assert.equal(e.status, 'ok');
    }
    assert.equal(h.fake.requests.length, 2);
    for (const r of h.fake.requests)
      assert.ok(!JSON.stringify(r.headers).includes(key), 'the virtual key never reaches the provider');

    const forbidden = await attempt(
      openai(key).embeddings.create({ model: 'text-embedding-3-large', input: 'hello' }),
    );
    assert.ok('err' in forbidden);
    assert.equal(forbidden.err.status, 403);
    assert.match(forbidden.err.message, /may not use model "text-embedding-3-large"/);
    const unknown = await attempt(
      openai('sk-penny-aaaaaaaaaaaa-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb').completions.create({
        model: 'gpt-3.5-turbo-instruct',
        prompt: 'x',
      }),
    );
    assert.ok('err' in unknown);
    assert.equal(unknown.err.status, 401);
    assert.match(unknown.err.message, /unknown Penny key/);
    assert.equal(h.fake.requests.length, 2, 'refused calls never reached the provider');
    const refused = (await h.entries()).filter((e) => e.httpStatus === 401 || e.httpStatus === 403);
    assert.ok(refused.some((e) => e.meta?.endpoint === 'embeddings' && e.httpStatus === 403));
    assert.ok(refused.some((e) => e.meta?.endpoint === 'completions' && e.httpStatus === 401));

    // count_tokens: a bad key is a 401 (Anthropic's shape), a good one counts, a model outside the key is 403.
    const bad = await attempt(
      anthropic('sk-penny-aaaaaaaaaaaa-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb').messages.countTokens({
        model: 'claude-sonnet-4-5',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    assert.ok('err' in bad);
    assert.equal(bad.err.status, 401);
    const counted = await anthropic(key).messages.countTokens({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.ok(counted.input_tokens > 0);
    const other = await attempt(
      anthropic(key).messages.countTokens({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    );
    assert.ok('err' in other);
    assert.equal(other.err.status, 403);
  });

  test('embeddings are rate-limited: x-ratelimit-* headers, then 429 with retry-after', async () => {
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 5000) await new Promise((r) => setTimeout(r, left + 50));
    const client = openai(STATIC);
    const first = await client.embeddings
      .create({ model: 'text-embedding-3-small', input: 'a' }, feature('emb-rl'))
      .withResponse();
    assert.equal(first.response.headers.get('x-ratelimit-limit-requests'), '2');
    assert.equal(first.response.headers.get('x-ratelimit-remaining-requests'), '1');
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'b' }, feature('emb-rl'));
    const third = await attempt(
      client.embeddings.create({ model: 'text-embedding-3-small', input: 'c' }, feature('emb-rl')),
    );
    assert.ok('err' in third);
    assert.equal(third.err.status, 429);
    assert.match(third.err.message, /rate limit "emb-rl"/);
    assert.ok(Number(third.err.headers?.get('retry-after')) >= 1);
  });

  test('embeddings are budgeted: refused with 429 before the provider once the worst case no longer fits', async () => {
    h.fake.reset();
    const client = openai(STATIC);
    const input = 'budget words '.repeat(3000); // ~6,000 tokens: ~$0.00013 worst case each at $0.02 / 1M
    let served = 0;
    let refusal: Failure | undefined;
    for (let i = 0; i < 20 && !refusal; i++) {
      const r = await attempt(
        client.embeddings.create({ model: 'text-embedding-3-small', input }, feature('emb')),
      );
      if ('err' in r) refusal = r.err;
      else served++;
    }
    assert.ok(refusal, 'the budget refused');
    assert.ok(served >= 2, `served ${served}: ${refusal.message}`);
    assert.equal(refusal.status, 429);
    assert.match(
      refusal.message,
      /budget "emb-cap" \(feature=emb; day\) cannot cover this call to text-embedding-3-small/,
    );
    assert.ok(Number(refusal.headers?.get('retry-after')) >= 1);
    assert.equal(h.fake.requests.length, served, 'the refused call never reached the provider');
    const entries = (await h.entries()).filter((e) => e.feature === 'emb');
    assert.equal(entries.filter((e) => e.status === 'ok').length, served);
    assert.ok(costOf(entries) <= usd('0.0005'), 'settled spend ≤ the budget');
    assert.ok(entries.some((e) => e.errorClass === 'budget_exceeded' && e.httpStatus === 429));
  });

  test('completions are budgeted on their worst case (prompt + max_tokens), streamed or not', async () => {
    h.fake.reset();
    const client = openai(STATIC);
    let served = 0;
    let refusal: Failure | undefined;
    for (let i = 0; i < 40 && !refusal; i++) {
      const stream = i % 2 === 1;
      const p: Promise<unknown> = stream
        ? client.completions
            .create(
              { model: 'gpt-3.5-turbo-instruct', prompt: 'Go #fake:words=5', max_tokens: 20, stream: true },
              feature('cmp'),
            )
            .then(async (s) => {
              for await (const _ of s) {
                // drain
              }
            })
        : client.completions.create(
            { model: 'gpt-3.5-turbo-instruct', prompt: 'Go #fake:words=5', max_tokens: 20 },
            feature('cmp'),
          );
      const r = await attempt(p);
      if ('err' in r) refusal = r.err;
      else served++;
    }
    assert.ok(refusal, 'the budget refused');
    assert.ok(served >= 2, `served ${served}: ${refusal.message}`);
    assert.equal(refusal.status, 429);
    assert.match(refusal.message, /budget "cmp-cap"/);
    assert.equal(h.fake.requests.length, served);
    const entries = (await h.entries()).filter((e) => e.feature === 'cmp');
    assert.ok(costOf(entries) <= usd('0.0002'), 'settled spend ≤ the budget');
    // Without max_tokens the model's maximum output is reserved: far more than this budget has left.
    const unbounded = await attempt(
      client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Go' }, feature('cmp')),
    );
    assert.ok('err' in unbounded);
    assert.equal(unbounded.err.status, 429);
  });

  test('/v1/responses goes through the guard: key allow-list 403, key named in the ledger', async () => {
    const { key } = await createKey(stores.keys, { name: 'resp-team', models: 'gpt-4o-mini' });
    const ok = await openai(key).responses.create({
      model: 'gpt-4o-mini',
      input: 'hello',
      max_output_tokens: 20,
    });
    assert.equal(ok.status, 'completed');
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.keyId, 'resp-team');
    const no = await attempt(openai(key).responses.create({ model: 'gpt-4o', input: 'hello' }));
    assert.ok('err' in no);
    assert.equal(no.err.status, 403);
    assert.match(no.err.message, /may not use model "gpt-4o"/);
  });
});
