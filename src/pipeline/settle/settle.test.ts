import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Money } from '../../core/money.js';
import type { Usage } from '../../core/usage.js';
import { loadCatalog } from '../../pricing/catalog.js';
import { computeCost, estimateCost } from '../../pricing/cost.js';
import { moneyToDecimal } from '../../core/money.js';
import { CACHE } from '../cache/cache-meta.js';
import type { Outcome, RequestContext } from '../context.js';
import { testContext, testRequest } from '../test-support.js';
import { defineSlot } from '../slots.js';
import type { MoneyFacts } from './facts.js';
import { priceCall, spendOf } from './price-call.js';
import { settle } from './settle.js';
import type { Settlement } from './settlement.js';

const catalog = loadCatalog({});
const usage = (over: Partial<Usage> = {}): Usage => ({
  inputUncached: 1000,
  cacheRead: 0,
  cacheWrite5m: 0,
  cacheWrite1h: 0,
  outputText: 200,
  reasoning: 0,
  ...over,
});

function ctx(requested = 'gpt-4o', facts: Partial<MoneyFacts> = {}): RequestContext {
  const c = testContext({ request: testRequest({ model: requested }) });
  Object.assign(c.money, facts);
  return c;
}

const served = (model: string, u: Usage | null = usage(), provider = 'openai'): Outcome => ({
  status: 'ok',
  httpStatus: 200,
  provider,
  servedModel: model,
  usage: u,
  response: null,
  error: null,
  ttftMs: null,
  simulated: false,
  written: false,
});

const cost = (u: Usage, model: string, provider?: string) =>
  computeCost(u, catalog.lookup(model, provider)).cost!;
const sum = (s: Record<string, Money>) => Object.values(s).reduce((a, b) => a + b, 0n);

/** The books balance: baseline − cost = Σ savings whenever both amounts are known. */
function balanced(s: Settlement): void {
  if (s.cost === null || s.baselineCost === null) return;
  assert.equal(
    s.baselineCost - s.cost,
    sum(s.savings),
    JSON.stringify(s, (_k, v) => (typeof v === 'bigint' ? `${v}` : v)),
  );
}

describe('settle', () => {
  test('a plain call: cost is its usage at the served model, baseline the same, no savings', () => {
    const s = settle(ctx(), served('gpt-4o'), catalog);
    assert.equal(s.cost, cost(usage(), 'gpt-4o', 'openai'));
    assert.equal(s.baselineCost, s.cost);
    assert.deepEqual(s.savings, {});
    assert.ok(s.servedPriced);
  });

  test('an unpriced model: cost and baseline null, flagged — never $0', () => {
    const s = settle(ctx('zz-unknown'), served('zz-unknown'), catalog);
    assert.equal(s.cost, null);
    assert.equal(s.baselineCost, null);
    assert.ok(s.flags.includes('unpriced_model'));
    assert.equal(s.servedPriced, false);
  });

  test('no usage (failed before any model ran) costs a known 0', () => {
    const s = settle(ctx(), { ...served('gpt-4o', null), status: 'error' }, catalog);
    assert.equal(s.cost, 0n);
    assert.equal(s.baselineCost, 0n);
  });

  test('a semantic hit: cost is the embedding, baseline the stored usage at the requested model', () => {
    const stored = usage({ outputText: 500 });
    const c = ctx('gpt-4o', {
      unbilled: true,
      replaced: {
        kind: 'stored',
        tactic: 'cache.semantic',
        usage: stored,
        model: 'gpt-4o',
        provider: 'openai',
      },
      sideCosts: [{ tactic: 'cache.semantic', tokens: 20, perToken: 1_000n }],
    });
    const s = settle(c, served('gpt-4o', usage({ inputUncached: 0, outputText: 0 })), catalog);
    assert.equal(s.cost, 20_000n);
    assert.equal(s.baselineCost, cost(stored, 'gpt-4o', 'openai'));
    assert.equal(s.savings['cache.semantic'], s.baselineCost! - 20_000n);
    balanced(s);
    // The cache's report shows the embedding as settle priced it.
    c.slots.set(CACHE, { status: 'hit', kind: 'semantic', embeddingTokens: 20 });
    assert.equal(
      (c.slots.toMeta(s)!.cache as { embeddingCost?: string }).embeddingCost,
      moneyToDecimal(20_000n),
    );
  });

  test('a shortcut: the baseline is an estimate at the requested model, flagged', () => {
    const c = ctx('gpt-4o', {
      unbilled: true,
      replaced: {
        kind: 'estimate',
        tactic: 'shortcut.faq',
        inputTokens: 300,
        outputTokens: 80,
        model: 'gpt-4o',
      },
    });
    const s = settle(c, served('gpt-4o', usage({ inputUncached: 0, outputText: 0 })), catalog);
    assert.equal(s.cost, 0n);
    assert.equal(s.baselineCost, estimateCost(300, 80, catalog.lookup('gpt-4o')));
    assert.equal(s.savings['shortcut.faq'], s.baselineCost);
    assert.ok(s.flags.includes('baseline_estimated'));
    balanced(s);
  });

  test('a de-duplicated follower: $0, the leader’s spend as baseline; a free leader saves nothing', () => {
    const shared = (leader: Money | null) =>
      settle(
        ctx('gpt-4o', { unbilled: true, replaced: { kind: 'shared', tactic: 'cache.dedupe', cost: leader } }),
        served('gpt-4o', usage({ inputUncached: 0, outputText: 0 })),
        catalog,
      );
    const s = shared(5_000_000n);
    assert.deepEqual([s.cost, s.baselineCost, s.savings['cache.dedupe']], [0n, 5_000_000n, 5_000_000n]);
    assert.deepEqual(shared(0n).savings, {});
    assert.equal(shared(null).baselineCost, null);
  });

  test('route + compress + shape + prompt cache + an embedding on a miss: every tactic priced once, books balance', () => {
    const u = usage({ cacheRead: 2000, outputText: 150 });
    const c = ctx('claude-sonnet-4-5', {
      substitution: { tactic: 'route', onlyIfDifferent: true },
      compressed: { savedTokens: { history: 400, json: 100 }, summaryCost: 1_000n },
      shaped: { tactic: 'shape.max_tokens', savedTokens: 50 },
      sideCosts: [{ tactic: 'cache.semantic', tokens: 7, perToken: 1_000n }],
    });
    const o = { ...served('claude-haiku-4-5', u, 'anthropic'), attemptFacts: { promptCacheMarkers: true } };
    const s = settle(c, o, catalog);
    const price = catalog.lookup('claude-haiku-4-5', 'anthropic')!;
    const spend = cost(u, 'claude-haiku-4-5', 'anthropic');
    assert.equal(s.spend, spend);
    assert.equal(s.cost, spend + 7_000n);
    assert.equal(s.savings.route, cost(u, 'claude-sonnet-4-5') - spend);
    assert.equal(s.savings['compress.history'], 400n * price.input - 1_000n);
    assert.equal(s.savings['compress.json'], 100n * price.input);
    assert.equal(s.savings['shape.max_tokens'], 50n * price.output);
    assert.ok(s.savings['cache.prompt']! > 0n);
    assert.equal(s.savings['cache.semantic'], -7_000n);
    assert.ok(s.flags.includes('savings_estimated'));
    balanced(s);
  });

  test('an evaluation call (quality loop) saves nothing: baseline = cost, its tactics kept aside', () => {
    const facts: Partial<MoneyFacts> = { substitution: { tactic: 'route', onlyIfDifferent: true } };
    const live = settle(ctx('gpt-4o', facts), served('gpt-4o-mini'), catalog);
    const c = ctx('gpt-4o', facts);
    c.flags.push('evaluation');
    const s = settle(c, served('gpt-4o-mini'), catalog);
    assert.equal(s.cost, live.cost);
    assert.equal(s.baselineCost, s.cost);
    assert.deepEqual(s.savings, {});
    assert.deepEqual(s.excludedSavings, live.savings);
    assert.ok(live.savings.route! > 0n);
    balanced(s);
    // No tactic, nothing kept aside.
    const plain = ctx();
    plain.flags.push('evaluation');
    assert.equal(settle(plain, served('gpt-4o'), catalog).excludedSavings, undefined);
  });

  test('prompt-cache reads of an attempt without Penny’s markers are not Penny’s saving', () => {
    const s = settle(ctx(), served('gpt-4o', usage({ cacheRead: 2000 })), catalog);
    assert.equal(s.savings['cache.prompt'], undefined);
    balanced(s);
  });

  test('a cascade: the spend is Σ calls (each priced once), the saving is measured at the requested model', () => {
    const calls = [
      { model: 'gpt-4o-mini', provider: 'openai', usage: usage() },
      { model: 'gpt-4o', provider: 'openai', usage: usage({ outputText: 300 }) },
      { model: 'gpt-4o-mini', provider: null, usage: null },
    ];
    const c = ctx('gpt-4o', { calls, substitution: { tactic: 'cascade', onlyIfDifferent: false } });
    const s = settle(c, served('gpt-4o', calls[1]!.usage), catalog);
    const each = calls.map((x) => priceCall(x, catalog).cost);
    assert.deepEqual(
      s.calls.map((x) => x.cost),
      each,
    );
    assert.equal(s.spend, each[0]! + each[1]! + 0n);
    assert.equal(spendOf(c, served('gpt-4o'), catalog), s.spend);
    assert.equal(s.savings.cascade, cost(calls[1]!.usage!, 'gpt-4o') - s.spend!);
    balanced(s);
    const unpriced = ctx('gpt-4o', { calls: [{ model: 'zz-x', provider: null, usage: usage() }] });
    const u = settle(unpriced, served('zz-x'), catalog);
    assert.equal(u.cost, null);
    assert.ok(u.flags.includes('unpriced_model'));
  });

  test('the invariant holds across every combination of facts', () => {
    const u = usage({ cacheRead: 500, cacheWrite5m: 300, outputText: 120 });
    const options: Array<Partial<MoneyFacts>> = [
      {},
      { substitution: { tactic: 'route', onlyIfDifferent: true } },
      { compressed: { savedTokens: { dedupe: 250 } } },
      { shaped: { tactic: 'shape.stop', savedTokens: 40 } },
      { sideCosts: [{ tactic: 'cache.semantic', tokens: 3, perToken: 1_000n }] },
    ];
    let checked = 0;
    for (let mask = 0; mask < 1 << options.length; mask++) {
      const facts: Partial<MoneyFacts> = { sideCosts: [] };
      options.forEach((o, i) => {
        if (mask & (1 << i)) Object.assign(facts, o);
      });
      for (const model of ['gpt-4o-mini', 'claude-haiku-4-5']) {
        const provider = model.startsWith('claude') ? 'anthropic' : 'openai';
        const o = { ...served(model, u, provider), attemptFacts: { promptCacheMarkers: mask % 2 === 0 } };
        const s = settle(ctx('gpt-4o', facts), o, catalog);
        assert.notEqual(s.cost, null);
        balanced(s);
        checked++;
      }
    }
    assert.equal(checked, 64);
  });
});

describe('slots', () => {
  test('values become the ledger meta by key after their settle hooks; empty slots make no meta', () => {
    const A = defineSlot<{ n: number; spend?: string }>('test-a', {
      onSettle: (v, s) => {
        v.spend = String(s.spend);
      },
    });
    const B = defineSlot<string>('test-b');
    const c = ctx();
    const s = settle(c, served('gpt-4o'), catalog);
    assert.equal(c.slots.toMeta(s), undefined);
    c.slots.set(A, { n: 1 });
    c.slots.set(B, 'x');
    assert.deepEqual(c.slots.toMeta(s), { 'test-a': { n: 1, spend: String(s.spend) }, 'test-b': 'x' });
    c.slots.delete(B);
    assert.deepEqual(Object.keys(c.slots.toMeta(s)!), ['test-a']);
    assert.throws(() => defineSlot('test-a'), /defined twice/);
  });
  test('a value set for later is computed once, on its first read or at settle, in its place in meta', () => {
    const L = defineSlot<string>('test-later');
    const After = defineSlot<string>('test-after');
    const c = ctx();
    const s = settle(c, served('gpt-4o'), catalog);
    let computed = 0;
    c.slots.setLater(L, () => `v${++computed}`);
    c.slots.set(After, 'y');
    assert.equal(computed, 0, 'nothing computed when set');
    assert.deepEqual(c.slots.toMeta(s), { 'test-later': 'v1', 'test-after': 'y' });
    assert.equal(c.slots.get(L), 'v1');
    assert.deepEqual(Object.keys(c.slots.toMeta(s)!), ['test-later', 'test-after']);
    assert.equal(computed, 1);
    const c2 = ctx();
    c2.slots.setLater(L, () => 'read first');
    assert.equal(c2.slots.get(L), 'read first');
    assert.deepEqual(c2.slots.toMeta(s), { 'test-later': 'read first' });
  });
  test('batch items: shares of one call add up to its cost; baseline is the item alone; retried pays both', () => {
    const call = {
      model: 'gpt-4o-mini',
      provider: 'openai',
      usage: usage({ inputUncached: 3001, outputText: 97 }),
    };
    const weights = [13, 7, 29];
    const alone = usage({ inputUncached: 900, outputText: 30 });
    const settled = weights.map((_, index) =>
      settle(
        ctx('gpt-4o-mini', { batchShare: { callId: 'b', call, weights, index, alone, retried: false } }),
        served('gpt-4o-mini', usage({ inputUncached: 1, outputText: 1 })),
        catalog,
      ),
    );
    assert.equal(
      settled.reduce((s, x) => s + x.cost!, 0n),
      cost(call.usage, 'gpt-4o-mini'),
    );
    for (const s of settled) {
      balanced(s);
      assert.equal(s.baselineCost, cost(alone, 'gpt-4o-mini'));
      assert.equal(s.savings.batch, s.baselineCost! - s.cost!);
    }
    const own = usage({ inputUncached: 900, outputText: 30 });
    const retried = settle(
      ctx('gpt-4o-mini', { batchShare: { callId: 'b', call, weights, index: 1, alone: own, retried: true } }),
      served('gpt-4o-mini', own),
      catalog,
    );
    balanced(retried);
    assert.equal(retried.cost, settled[1]!.cost! + cost(own, 'gpt-4o-mini'));
    assert.equal(retried.savings.batch, -settled[1]!.cost!);
  });
});
