/**
 * Virtual keys end to end, with the official SDKs: a key works as the SDK's API key (Bearer or x-api-key)
 * and names the request in the ledger; unknown, revoked, expired and malformed keys get a 401 that says
 * which; a model or feature outside the key's allow-lists gets a 403; static authTokens keep working; a
 * virtual key never reaches a provider.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createKey, revokeKey, rotateKey } from '../../src/governance/key-admin.js';
import { type Stores, openStores } from '../../src/governance/governance.js';
import type { KeyStore } from '../../src/governance/key-store.js';
import { type Harness, startHarness } from './harness.js';

const STATIC = 'static-token-0123456789abcdef';

async function status(p: Promise<unknown>): Promise<{ status: number; message: string; body: unknown }> {
  try {
    await p;
    return { status: 200, message: '', body: null };
  } catch (e) {
    const err = e as { status?: number; message?: string; error?: unknown };
    return { status: err.status ?? 0, message: err.message ?? '', body: err.error };
  }
}

describe('virtual keys through the gateway', () => {
  let h: Harness;
  let keys: KeyStore;
  let stores: Stores;
  const openai = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  const anthropic = (apiKey: string) => new Anthropic({ apiKey, baseURL: h.app.url, maxRetries: 0 });
  const chat = (apiKey: string, model = 'gpt-4o-mini', feature?: string) =>
    openai(apiKey).chat.completions.create(
      { model, max_tokens: 20, messages: [{ role: 'user', content: 'hello there' }] },
      feature ? { headers: { 'x-penny-feature': feature } } : {},
    );

  before(async () => {
    h = await startHarness({
      config: {
        server: { port: 0, authTokens: { ci: STATIC } },
        governance: { keyCacheMs: 0, refreshMs: 0 },
      },
    });
    // The CLI's way: its own handle on the store; the running gateway picks the keys up without a restart.
    stores = openStores(h.app.loaded);
    keys = stores.keys;
  });
  after(async () => {
    await stores.keys.close();
    await stores.counters.close();
    await h.close();
  });

  test('a key is the SDK API key (OpenAI Bearer, Anthropic x-api-key) and names the request in the ledger', async () => {
    const { key } = await createKey(keys, { name: 'team-a' });
    assert.match(key, /^sk-penny-[a-z0-9]{12}-[A-Za-z0-9]{32}$/);
    h.fake.reset();
    const r = await chat(key);
    assert.ok(r.choices[0]!.message.content);
    const m = await anthropic(key).messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'hello' }],
    });
    assert.equal(m.type, 'message');
    for (const req of h.fake.requests) {
      assert.ok(!JSON.stringify(req.headers).includes(key), 'the virtual key never goes upstream');
    }
    const entries = await h.entries();
    assert.deepEqual(
      entries.slice(-2).map((e) => e.keyId),
      ['team-a', 'team-a'],
    );
    const stored = JSON.stringify(await keys.list());
    assert.ok(!stored.includes(key.slice(-32)), 'only a salted hash is stored');
  });

  test('unknown, malformed, revoked, rotated-away and expired keys: 401 saying which, in both dialects', async () => {
    const unknown = await status(chat(`sk-penny-abcdefabcdef-${'x'.repeat(32)}`));
    assert.equal(unknown.status, 401);
    assert.match(unknown.message, /unknown Penny key/);
    const malformed = await status(chat('sk-penny-short'));
    assert.equal(malformed.status, 401);
    assert.match(malformed.message, /malformed Penny key/);

    const { key } = await createKey(keys, { name: 'to-revoke' });
    assert.equal((await status(chat(key))).status, 200);
    await revokeKey(keys, 'to-revoke');
    const revoked = await status(chat(key));
    assert.equal(revoked.status, 401);
    assert.match(revoked.message, /"to-revoke" was revoked/);
    const ant = await status(
      anthropic(key).messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
      }),
    );
    assert.equal(ant.status, 401);
    assert.equal((ant.body as { error?: { type?: string } }).error?.type, 'authentication_error');

    const { key: old } = await createKey(keys, { name: 'rotating' });
    // Verified once (the gateway remembers verified secrets), then rotated: the old secret is refused.
    assert.equal((await status(chat(old))).status, 200);
    const { key: fresh } = await rotateKey(keys, 'rotating');
    assert.equal((await status(chat(old))).status, 401);
    assert.equal((await status(chat(fresh))).status, 200);

    const { key: soon, record } = await createKey(keys, { name: 'expiring', expires: '1h' });
    await keys.update({ ...record, expiresAt: Date.now() - 1000 });
    const expired = await status(chat(soon));
    assert.equal(expired.status, 401);
    assert.match(expired.message, /"expiring" expired on/);
  });

  test('allow-lists: a model or feature the key may not use is a 403 naming it', async () => {
    const { key } = await createKey(keys, {
      name: 'limited',
      models: 'gpt-4o-mini,claude-*',
      features: 'support',
    });
    assert.equal((await status(chat(key, 'gpt-4o-mini', 'support'))).status, 200);
    const model = await status(chat(key, 'gpt-4o', 'support'));
    assert.equal(model.status, 403);
    assert.match(model.message, /may not use model "gpt-4o"/);
    const feature = await status(chat(key, 'gpt-4o-mini', 'billing'));
    assert.equal(feature.status, 403);
    assert.match(feature.message, /may not use feature "billing"/);
    const none = await status(chat(key, 'gpt-4o-mini'));
    assert.equal(none.status, 403);
    assert.match(none.message, /x-penny-feature/);
    const ant = await status(
      anthropic(key).messages.create(
        { model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-penny-feature': 'sales' } },
      ),
    );
    assert.equal(ant.status, 403);
    assert.equal((ant.body as { error?: { type?: string } }).error?.type, 'permission_error');
    assert.equal(
      (
        await status(
          anthropic(key).messages.create(
            { model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] },
            { headers: { 'x-penny-feature': 'support' } },
          ),
        )
      ).status,
      200,
    );
  });

  test('static authTokens keep working; no credential at all is refused', async () => {
    assert.equal((await status(chat(STATIC))).status, 200);
    assert.equal((await h.entries()).at(-1)!.keyId, 'ci');
    assert.equal((await status(chat('not-a-token-at-all-xxxxxxxx'))).status, 401);
  });
});
