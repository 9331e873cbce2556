/**
 * Budgets and rate limits end to end with the official SDKs: a reject budget answers 429 in the client's
 * dialect with the budget's numbers and retry-after, before any provider is called, and the ledger's spend
 * never passes the limit; per-user budgets; downgrade makes `when: { budget: exceeded }` route to a cheaper
 * model; a cascade is stopped before its expensive call; budgets set from the CLI apply without a restart;
 * rate limits send x-ratelimit-* headers and 429 with retry-after.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import { usd } from '../../src/core/money.js';
import { setBudget } from '../../src/governance/budget-admin.js';
import { type Stores, openStores } from '../../src/governance/governance.js';
import { type Harness, startHarness } from './harness.js';

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
    // OpenAI's SDK keeps the body's `error` object; Anthropic's keeps the whole body.
    const inner = (x.error?.type === 'error' ? x.error.error : x.error) as NonNullable<
      Failure['body']
    >['error'];
    const message = (inner as { message?: string } | undefined)?.message ?? x.message ?? '';
    return { err: { status: x.status ?? 0, message, headers: x.headers, body: { error: inner } } };
  }
}

const costOf = (entries: LedgerEntry[]) => entries.reduce((s, e) => s + (e.cost ?? 0n), 0n);
/** The counters' view of spend: each entry rounded up to the nanodollar. */
const nanoCeil = (entries: LedgerEntry[]) =>
  entries.reduce((s, e) => s + ((e.cost ?? 0n) + 999n) / 1000n, 0n);

describe('budgets through the gateway', () => {
  let h: Harness;
  let stores: Stores;
  let openai: OpenAI;
  let anthropic: Anthropic;
  const chat = (feature: string, opts: { user?: string; model?: string; max?: number; text?: string } = {}) =>
    openai.chat.completions
      .create(
        {
          model: opts.model ?? 'gpt-4o-mini',
          max_tokens: opts.max ?? 50,
          messages: [{ role: 'user', content: opts.text ?? 'Say hello to the team.' }],
        },
        { headers: { 'x-penny-feature': feature, ...(opts.user ? { 'x-penny-user': opts.user } : {}) } },
      )
      .withResponse();

  before(async () => {
    h = await startHarness({
      config: {
        governance: {
          keyCacheMs: 0,
          refreshMs: 0,
          budgets: [
            { name: 'reject-openai', match: { feature: 'r1' }, limit: '0.0001', window: 'day' },
            { name: 'reject-anthropic', match: { feature: 'r2' }, limit: '0.0005', window: 'month' },
            {
              name: 'support-users',
              match: { feature: 'support' },
              per: ['user'],
              limit: '0.00005',
              window: 'day',
            },
            { name: 'dg', match: { feature: 'dg' }, limit: '0.0015', window: 'day', policy: 'downgrade' },
            { name: 'cascade-cap', match: { feature: 'qa' }, limit: '0.005', window: 'day' },
            {
              name: 'cascade-dg',
              match: { feature: 'qa-dg' },
              limit: '0.005',
              window: 'day',
              policy: 'downgrade',
            },
          ],
          rateLimits: [{ name: 'per-user', match: { feature: 'rl' }, per: ['user'], rpm: 2 }],
        },
        features: {
          dg: {
            route: {
              rules: [{ when: { budget: 'exceeded' }, targets: ['gpt-4o-mini'] }, { targets: ['gpt-4o'] }],
            },
          },
          qa: { cascade: { models: ['gpt-4o-mini', 'gpt-4o'] } },
          'qa-dg': { cascade: { models: ['gpt-4o-mini', 'gpt-4o'] } },
        },
      },
    });
    stores = openStores(h.app.loaded);
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
  });
  after(async () => {
    await stores.counters.close();
    await h.close();
  });

  test('reject (OpenAI): 429 with the numbers and retry-after before any call; ledger spend ≤ limit', async () => {
    h.fake.reset();
    let refusal: Failure | undefined;
    let served = 0;
    for (let i = 0; i < 60 && !refusal; i++) {
      const r = await attempt(chat('r1'));
      if ('err' in r) refusal = r.err;
      else served++;
    }
    assert.ok(refusal, 'the budget refused a request');
    assert.ok(served > 0);
    assert.equal(refusal.status, 429);
    assert.equal(h.fake.requests.length, served, 'the refused request never reached the provider');
    const retry = Number(refusal.headers?.get('retry-after'));
    assert.ok(retry >= 1, `retry-after is set (${refusal.headers?.get('retry-after')})`);
    assert.match(refusal.message, /budget "reject-openai" \(feature=r1; day\)/);
    assert.match(refusal.message, /limit \$0\.0001.*spent \$.*reserved \$.*resets 20/);
    const entries = (await h.entries()).filter((e) => e.feature === 'r1');
    const ok = entries.filter((e) => e.status === 'ok');
    assert.equal(ok.length, served);
    assert.ok(costOf(ok) <= usd('0.0001'), 'settled spend never exceeds the budget');
    const d = refusal.body?.error?.details ?? {};
    assert.equal(d.budget, 'reject-openai');
    assert.equal(d.limit_usd, '0.0001');
    assert.equal(
      usd(String(d.spent_usd)),
      nanoCeil(ok) * 1000n,
      'the counter holds exactly the ledger spend',
    );
    assert.equal(d.reserved_usd, '0');
    assert.ok(usd(String(d.spent_usd)) + usd(String(d.needed_usd)) > usd('0.0001'));
    const refusedEntry = entries.find((e) => e.status === 'error')!;
    assert.equal(refusedEntry.errorClass, 'budget_exceeded');
    assert.equal(refusedEntry.httpStatus, 429);
  });

  test('reject (Anthropic): 429 rate_limit_error with retry-after', async () => {
    let refusal: Failure | undefined;
    for (let i = 0; i < 80 && !refusal; i++) {
      const r = await attempt(
        anthropic.messages.create(
          { model: 'claude-haiku-4-5', max_tokens: 60, messages: [{ role: 'user', content: 'Say hello.' }] },
          { headers: { 'x-penny-feature': 'r2' } },
        ),
      );
      if ('err' in r) refusal = r.err;
    }
    assert.ok(refusal);
    assert.equal(refusal.status, 429);
    assert.equal(refusal.body?.error?.type, 'rate_limit_error');
    assert.ok(Number(refusal.headers?.get('retry-after')) >= 1);
    assert.match(refusal.message, /budget "reject-anthropic"/);
    const ok = (await h.entries()).filter((e) => e.feature === 'r2' && e.status === 'ok');
    assert.ok(costOf(ok) <= usd('0.0005'));
  });

  test('each user of feature support has their own budget', async () => {
    let aliceRefused = false;
    for (let i = 0; i < 30 && !aliceRefused; i++) {
      const r = await attempt(chat('support', { user: 'alice' }));
      if ('err' in r) {
        assert.equal(r.err.status, 429);
        assert.match(r.err.message, /feature=support, user=alice/);
        aliceRefused = true;
      }
    }
    assert.ok(aliceRefused);
    const bob = await attempt(chat('support', { user: 'bob' }));
    assert.ok('ok' in bob, 'bob still has his budget');
  });

  test('downgrade: once the requested model no longer fits, `when: { budget: exceeded }` routes to the cheaper one', async () => {
    let downgraded: LedgerEntry | undefined;
    for (let i = 0; i < 30 && !downgraded; i++) {
      const r = await attempt(chat('dg', { model: 'gpt-4o', max: 100 }));
      assert.ok('ok' in r, 'downgrade serves instead of refusing');
      const entries = await h.entries();
      const last = entries.at(-1)!;
      if (last.servedModel === 'gpt-4o-mini') downgraded = last;
    }
    assert.ok(downgraded, 'a request was downgraded');
    assert.equal(downgraded.requestedModel, 'gpt-4o');
    assert.deepEqual(downgraded.meta?.budget, { state: 'exceeded', budget: 'dg' });
    const dg = (await h.entries()).filter((e) => e.feature === 'dg' && e.status === 'ok');
    assert.ok(
      dg.some((e) => e.servedModel === 'gpt-4o'),
      'earlier requests were served as asked',
    );
    assert.ok(costOf(dg) <= usd('0.0015'));
  });

  test('a cascade whose escalation would pass a reject budget is stopped before the expensive call: 429, the cheap call billed', async () => {
    h.fake.reset();
    h.fake.setNext({ words: 0 }); // the cheap answer is empty: the cascade wants to escalate
    const r = await attempt(chat('qa', { model: 'gpt-4o', max: 1000 }));
    assert.ok('err' in r, 'the request is refused');
    assert.equal(r.err.status, 429);
    assert.match(r.err.message, /budget "cascade-cap" \(feature=qa; day\) cannot cover this call to gpt-4o/);
    assert.ok(Number(r.err.headers?.get('retry-after')) >= 1);
    assert.equal(r.err.body?.error?.details?.policy, 'reject');
    assert.deepEqual(
      h.fake.requests.map((q) => (q.body as { model: string }).model),
      ['gpt-4o-mini'],
      'only the cheap step reached the provider',
    );
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.feature, 'qa');
    assert.equal(e.status, 'error');
    assert.equal(e.httpStatus, 429);
    assert.equal(e.errorClass, 'budget_exceeded');
    const attempts = (
      e.meta!.cascade as { attempts: Array<{ model: string; code?: string; status: number }> }
    ).attempts;
    assert.deepEqual(
      attempts.map((a) => [a.model, a.code ?? null, a.status]),
      [
        ['gpt-4o-mini', null, 200],
        ['gpt-4o', 'budget_exceeded', 429],
      ],
    );
    assert.ok(e.cost !== null && e.cost > 0n && e.cost <= usd('0.005'), 'the cheap call is billed');
  });

  test('under a downgrade budget the refused escalation serves the cheap answer, flagged', async () => {
    h.fake.reset();
    h.fake.setNext({ words: 0 });
    const r = await attempt(chat('qa-dg', { model: 'gpt-4o', max: 1000 }));
    assert.ok('ok' in r, 'the cheap answer is served');
    assert.deepEqual(
      h.fake.requests.map((q) => (q.body as { model: string }).model),
      ['gpt-4o-mini'],
    );
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.feature, 'qa-dg');
    assert.equal(e.status, 'ok');
    assert.equal(e.servedModel, 'gpt-4o-mini');
    assert.ok(e.flags.includes('budget_downgraded'), `flags: ${e.flags.join(',')}`);
  });

  test('a budget set from the CLI applies to the running gateway without a restart', async () => {
    assert.ok('ok' in (await attempt(chat('late'))));
    await setBudget(stores.keys, 'late-cap', { limit: '0', feature: 'late', window: 'day' });
    const r = await attempt(chat('late'));
    assert.ok('err' in r);
    assert.equal(r.err.status, 429);
    assert.match(r.err.message, /budget "late-cap"/);
    await stores.keys.deleteBudget('late-cap');
    assert.ok('ok' in (await attempt(chat('late'))));
  });

  test('rate limits: x-ratelimit-* headers, then 429 with retry-after; per user', async () => {
    // Stay inside one minute window (limits count per store-clock minute).
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 5000) await new Promise((r) => setTimeout(r, left + 50));
    const first = await chat('rl', { user: 'u1' });
    assert.equal(first.response.headers.get('x-ratelimit-limit-requests'), '2');
    assert.equal(first.response.headers.get('x-ratelimit-remaining-requests'), '1');
    assert.match(first.response.headers.get('x-ratelimit-reset-requests') ?? '', /^\d+(ms|s|m\d+s)$/);
    const second = await chat('rl', { user: 'u1' });
    assert.equal(second.response.headers.get('x-ratelimit-remaining-requests'), '0');
    const third = await attempt(chat('rl', { user: 'u1' }));
    assert.ok('err' in third);
    assert.equal(third.err.status, 429);
    assert.ok(Number(third.err.headers?.get('retry-after')) >= 1);
    assert.equal(third.err.headers?.get('x-ratelimit-remaining-requests'), '0');
    assert.match(
      third.err.message,
      /rate limit "per-user" \(feature=rl, user=u1\) reached: 2 requests per minute/,
    );
    const ant = await attempt(
      anthropic.messages.create(
        { model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-penny-feature': 'rl', 'x-penny-user': 'u1' } },
      ),
    );
    assert.ok('err' in ant);
    assert.equal(ant.err.status, 429);
    assert.equal(ant.err.body?.error?.type, 'rate_limit_error');
    assert.ok('ok' in (await attempt(chat('rl', { user: 'u2' }))), 'another user has their own limit');
  });
});
