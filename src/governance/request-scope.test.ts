/**
 * Request scopes (request-scope.ts): one per key record, model, feature, user and budget / rate-limit lists,
 * reused while all of them stay the same and made afresh when any changes — so a refreshed budget list, a
 * rotated key (a new record) or another user's request never sees another combination's budgets or limits.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildCatalog } from '../app.js';
import { loadConfig } from '../config/load.js';
import { TargetResolver } from '../providers/resolve-target.js';
import { type CompiledBudget, compileBudget } from './budget.js';
import type { VirtualKeyRecord } from './key-store.js';
import { type CompiledRateLimit, compileRateLimit } from './rate-limit.js';
import { RequestScopes, callScope } from './request-scope.js';

const loaded = loadConfig({
  object: {
    ledger: { path: ':memory:' },
    providers: {
      openai: { type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-test-0123456789' },
    },
  },
  env: {},
});
const resolver = new TargetResolver(loaded);
const catalog = buildCatalog(loaded);

const budget = (name: string, match: Record<string, string>, per: string[] = []): CompiledBudget =>
  compileBudget(
    {
      name,
      limit: 10,
      window: 'day',
      match,
      per,
      policy: 'reject',
      alertAt: [],
    } as unknown as Parameters<typeof compileBudget>[0],
    'config',
  );

const rec = (name: string): VirtualKeyRecord =>
  ({
    id: `id-${name}`,
    name,
    hash: 'h',
    salt: 's',
    features: null,
    models: null,
    budget: { limitUsd: '5', window: 'month' },
    rpm: 60,
    tpm: null,
    expiresAt: null,
    revokedAt: null,
    createdAt: 0,
  }) as unknown as VirtualKeyRecord;

/** The rate-limit list in force (the same array while it stays, as Governance.rateLimits is). */
const none: readonly CompiledRateLimit[] = [];

const who = (user: string | null, keyId: string | null = 'team') => ({ feature: 'support', keyId, user });

describe('request scopes', () => {
  const perUser = compileRateLimit({
    name: 'per-user',
    match: { feature: 'support' },
    per: ['user'],
    rpm: 10,
    failMode: 'open',
  } as unknown as Parameters<typeof compileRateLimit>[0]);
  const limits = [perUser];

  test('reused while the key record, model, feature, user and lists stay the same', () => {
    const scopes = new RequestScopes(resolver);
    const team = rec('team');
    const list = [budget('support', { feature: 'support' })];
    const a = scopes.get(team, list, limits, who('alice'), 'gpt-4o-mini');
    const b = scopes.get(team, list, limits, who('alice'), 'gpt-4o-mini');
    assert.equal(a, b);
    assert.deepEqual(a.facts, {
      feature: 'support',
      key: 'team',
      user: 'alice',
      model: 'gpt-4o-mini',
      provider: 'openai',
    });
    assert.equal(a.target, resolver.resolve('gpt-4o-mini'));
    // The key's own budget and rate limit, and the configured limit that matches.
    assert.deepEqual(
      a.extra.map((x) => x.name),
      ['key:team'],
    );
    assert.deepEqual(
      a.limits.map((l) => l.name),
      ['per-user', 'key:team'],
    );
    assert.equal(a.guarded, true);
    assert.equal(a.countsTokens, false);
  });

  test('made afresh for another user, model, key record or list', () => {
    const scopes = new RequestScopes(resolver);
    const team = rec('team');
    const list = [budget('support', { feature: 'support' })];
    const a = scopes.get(team, list, limits, who('alice'), 'gpt-4o-mini');
    const bob = scopes.get(team, list, limits, who('bob'), 'gpt-4o-mini');
    assert.notEqual(bob, a);
    assert.equal(bob.facts.user, 'bob');
    const model = scopes.get(team, list, limits, who('bob'), 'gpt-4o');
    assert.equal(model.facts.model, 'gpt-4o');
    const refreshed = [budget('support', { feature: 'support' }), budget('all', {})];
    assert.notEqual(scopes.get(team, refreshed, limits, who('bob'), 'gpt-4o'), model);
    // A rotated or changed key is a new record: its own budget and limits are read from it.
    const changed = { ...rec('team'), rpm: null, budget: null } as unknown as VirtualKeyRecord;
    const c = scopes.get(changed, refreshed, limits, who('bob'), 'gpt-4o');
    assert.deepEqual(c.extra, []);
    assert.deepEqual(
      c.limits.map((l) => l.name),
      ['per-user'],
    );
    assert.notEqual(scopes.get(team, refreshed, none, who('bob'), 'gpt-4o'), c);
  });

  test('requests without a virtual key share one scope while their facts stay the same', () => {
    const scopes = new RequestScopes(resolver);
    const list = [budget('all', {})];
    const a = scopes.get(null, list, none, who(null, 'token-a'), 'gpt-4o-mini');
    assert.equal(scopes.get(null, list, none, who(null, 'token-a'), 'gpt-4o-mini'), a);
    const b = scopes.get(null, list, none, who(null, 'token-b'), 'gpt-4o-mini');
    assert.notEqual(b, a);
    assert.equal(b.facts.key, 'token-b');
    assert.equal(b.guarded, true);
    assert.equal(scopes.get(null, [], none, who(null), 'gpt-4o-mini').guarded, false);
  });

  test('a call scope holds the budgets that match the call target, made afresh for another target or list', () => {
    const scopes = new RequestScopes(resolver);
    const list = [budget('mini', { model: 'gpt-4o-mini' }), budget('per-user', {}, ['user'])];
    const scope = scopes.get(rec('team'), list, none, who('alice'), 'gpt-4o-mini');
    const mini = callScope(scope, resolver.resolve('gpt-4o-mini'), list, catalog);
    assert.deepEqual(
      mini.budgets.map((b) => b.name),
      ['mini', 'per-user', 'key:team'],
    );
    assert.equal(mini.price, catalog.lookup('gpt-4o-mini', 'openai'));
    assert.equal(mini.enforcing?.name, 'mini');
    assert.equal(callScope(scope, resolver.resolve('gpt-4o-mini'), list, catalog), mini);
    const big = callScope(scope, resolver.resolve('gpt-4o'), list, catalog);
    assert.deepEqual(
      big.budgets.map((b) => b.name),
      ['per-user', 'key:team'],
    );
    assert.equal(big.facts.model, 'gpt-4o');
    assert.equal(big.facts.user, 'alice');
    const later = [budget('mini', { model: 'gpt-4o-mini' })];
    const again = callScope(scope, resolver.resolve('gpt-4o'), later, catalog);
    assert.notEqual(again, big);
    assert.deepEqual(
      again.budgets.map((b) => b.name),
      ['key:team'],
    );
  });
});
