import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { budgetFromFlags } from './budget-admin.js';
import { createKeyOptionsSchema, parseFlags } from './key-admin.js';
import { formatReset, rateHeaders, rateLines } from './rate-limit.js';
import { counterKey, describeScope, parsePerSuffix, perSuffix, scopeApplies } from './scope.js';
import { parseVirtualKey } from './virtual-key.js';

describe('malformed key and budget commands name the field', () => {
  const bad = (input: unknown, re: RegExp) =>
    assert.throws(() => parseFlags(createKeyOptionsSchema, input), re);
  test('penny keys create', () => {
    bad({ name: 'a b' }, /--name: letters, digits/);
    bad({ name: 'ok', budget: '50 a month' }, /--budget: expected <usd>\/<window>/);
    bad({ name: 'ok', budget: '50/fortnight' }, /--budget/);
    bad({ name: 'ok', rpm: '0' }, /--rpm: a whole number above 0/);
    bad({ name: 'ok', expires: 'soon' }, /--expires: expected a span/);
    bad({ name: 'ok', models: ' , ' }, /--models: give at least one value/);
    const o = parseFlags(createKeyOptionsSchema, {
      name: 'ok',
      budget: '$50/month',
      models: 'gpt-4o-mini, claude-*',
      rpm: '600',
    });
    assert.deepEqual(o.budget, { limitUsd: '50', window: 'month' });
    assert.deepEqual(o.models, ['gpt-4o-mini', 'claude-*']);
    assert.equal(o.rpm, 600);
  });
  test('penny budgets set', () => {
    assert.throws(() => budgetFromFlags('x', {}), /--limit: required/);
    assert.throws(() => budgetFromFlags('x', { limit: 'lots' }), /--limit: /);
    assert.throws(() => budgetFromFlags('x', { limit: '5', window: 'fortnight' }), /--window: /);
    assert.throws(() => budgetFromFlags('x', { limit: '5', per: 'team' }), /--per: /);
    assert.throws(() => budgetFromFlags('x', { limit: '5', policy: 'panic' }), /--policy: /);
    assert.throws(() => budgetFromFlags('bad name', { limit: '5' }), /budget name: /);
    const b = budgetFromFlags('support', {
      limit: '1',
      window: 'day',
      feature: 'support',
      per: 'user',
      alertAt: '80,100',
    });
    assert.deepEqual(
      [b.limit, b.window, b.match, b.per, b.policy, b.alertAt],
      ['1', 'day', { feature: 'support' }, ['user'], 'reject', [80, 100]],
    );
  });
});

describe('counter keys', () => {
  test('the same string while window and per values stay; a new one when either changes', () => {
    const rule = { prefix: 'b:team:' };
    const a = counterKey(rule, '', 'd2026-01-01', '|user=a');
    assert.equal(a, 'b:team:d2026-01-01|user=a');
    assert.equal(counterKey(rule, '', `d2026-01-${'01'}`, `|user=${'a'}`), a);
    assert.equal(counterKey(rule, '', 'd2026-01-02', '|user=a'), 'b:team:d2026-01-02|user=a');
    assert.equal(counterKey(rule, '', 'd2026-01-02', '|user=b'), 'b:team:d2026-01-02|user=b');
    assert.equal(counterKey(rule, 'req:', 'm1', ''), 'b:team:req:m1', 'each part its own key');
    assert.equal(
      counterKey({ prefix: 'b:other:' }, '', 'd2026-01-02', '|user=b'),
      'b:other:d2026-01-02|user=b',
    );
  });
});

describe('scopes, keys and rate-limit headers', () => {
  const facts = { provider: 'openai', model: 'gpt-4o-mini', feature: 'support', key: null, user: 'a|b=c' };
  test('match globs, per values encoded, described in words', () => {
    assert.equal(scopeApplies({ match: { model: 'gpt-4o*', feature: 'support' }, per: [] }, facts), true);
    assert.equal(scopeApplies({ match: { model: 'claude-*' }, per: [] }, facts), false);
    assert.equal(
      scopeApplies({ match: { key: 'team-*' }, per: [] }, facts),
      false,
      'no key never matches a glob',
    );
    assert.equal(scopeApplies({ match: { key: '*' }, per: [] }, facts), true);
    const suffix = perSuffix(['user', 'key'], facts);
    assert.equal(suffix, '|user=a%7Cb%3Dc|key=-');
    assert.deepEqual(parsePerSuffix(suffix), { user: 'a|b=c', key: '(none)' });
    assert.equal(
      describeScope({ match: { feature: 'support' }, per: ['user'] }, facts),
      'feature=support, user=a|b=c',
    );
    assert.equal(describeScope({ match: {}, per: [] }, null), 'global');
  });
  test('virtual key text', () => {
    assert.deepEqual(parseVirtualKey(`sk-penny-abcdef012345-${'A'.repeat(32)}`), {
      id: 'abcdef012345',
      secret: 'A'.repeat(32),
    });
    assert.equal(parseVirtualKey('sk-penny-abc'), null);
  });
  test('x-ratelimit headers from the tightest line', () => {
    const limits = [
      { name: 'a', match: {}, per: [], rpm: 10, tpm: 1000, failMode: 'open' as const, prefix: 'r:a:' },
      { name: 'b', match: {}, per: [], rpm: 3, tpm: null, failMode: 'open' as const, prefix: 'r:b:' },
    ];
    const now = Date.UTC(2026, 0, 1, 0, 0, 15);
    const lines = rateLines(limits, facts, now, 120);
    assert.deepEqual(
      lines.map((l) => [l.line.key, l.line.amount]),
      [
        ['r:a:req:m29453760', 1],
        ['r:a:tok:m29453760', 120],
        ['r:b:req:m29453760', 1],
      ],
    );
    const reset = Date.UTC(2026, 0, 1, 0, 1);
    const h = rateHeaders(
      lines,
      [
        { spent: 2, reserved: 1, resetAt: reset },
        { spent: 100, reserved: 120, resetAt: reset },
        { spent: 1, reserved: 1, resetAt: reset },
      ],
      now,
    );
    assert.deepEqual(h, {
      'x-ratelimit-limit-requests': '3',
      'x-ratelimit-remaining-requests': '1',
      'x-ratelimit-reset-requests': '45s',
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '780',
      'x-ratelimit-reset-tokens': '45s',
    });
    assert.equal(formatReset(63_000), '1m3s');
    assert.equal(formatReset(250), '250ms');
    // Whole seconds up to an hour are kept once made: the same text the second time, and past the hour too.
    assert.equal(formatReset(44_200), '45s');
    assert.equal(formatReset(45_000), '45s');
    assert.equal(formatReset(59_001), '1m0s');
    assert.equal(formatReset(3_600_000), '60m0s');
    assert.equal(formatReset(7_261_000), '121m1s');
  });
});
