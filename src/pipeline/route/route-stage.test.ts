import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import type { Usage } from '../../core/usage.js';
import { loadConfig } from '../../config/load.js';
import { MemoryLedger } from '../../ledger/memory-ledger.js';
import { createLogger } from '../../observability/logger.js';
import { loadCatalog } from '../../pricing/catalog.js';
import { computeCost } from '../../pricing/cost.js';
import { moneyToDecimal } from '../../core/money.js';
import type { LoadedConfig } from '../../config/load.js';
import type { Outcome, RequestContext } from '../context.js';
import { testContext, testRequest } from '../test-support.js';
import { executionPlanOf } from '../execute/plan.js';
import { settle } from '../settle/settle.js';
import { featurePolicy } from '../stage-deps.js';
import { ROUTE, createRouteStage } from './route-stage.js';

const PROVIDERS = {
  openai: { type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'k' },
  anthropic: { type: 'anthropic', baseUrl: 'http://127.0.0.1:9', apiKey: 'k' },
};
const catalog = loadCatalog({});

let lastLoaded: LoadedConfig | undefined;

function stage(config: Record<string, unknown>) {
  const loaded = loadConfig({ object: { providers: PROVIDERS, ...config }, env: {} });
  lastLoaded = loaded;
  return createRouteStage({ loaded, catalog, ledger: new MemoryLedger(), logger: createLogger('silent') });
}

function ctx(over: Partial<RequestContext> = {}): RequestContext {
  return testContext({
    id: 'r1',
    t0: process.hrtime.bigint(),
    request: testRequest({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is 2 + 2?' }] }],
    }),
    attribution: { feature: 'chat', user: null, keyId: null },
    policy: lastLoaded ? featurePolicy(lastLoaded, 'chat') : undefined,
    ...over,
  });
}

const usage: Usage = {
  inputUncached: 1000,
  cacheRead: 0,
  cacheWrite5m: 0,
  cacheWrite1h: 0,
  outputText: 200,
  reasoning: 0,
};
const ok = (servedModel: string): Outcome => ({
  status: 'ok',
  httpStatus: 200,
  provider: 'openai',
  servedModel,
  usage,
  response: null,
  error: null,
  ttftMs: null,
  simulated: false,
  written: false,
  body: '{}',
});

const isConfigError = (path: string) => (e: unknown) => e instanceof ConfigError && e.path === path;

describe('route stage: start-up validation', () => {
  test('a rule naming an unknown model is a ConfigError naming the field', () => {
    assert.throws(
      () =>
        stage({
          features: { chat: { route: { rules: [{ targets: ['gpt-4o-mini', 'mystery-model-zz'] }] } } },
        }),
      isConfigError('features.chat.route.rules[0].targets[1]'),
    );
  });

  test('a cycle in named fallbacks is a ConfigError', () => {
    assert.throws(
      () => stage({ route: { fallbacks: { 'gpt-4o': ['gpt-4o-mini'], 'gpt-4o-mini': ['gpt-4o'] } } }),
      (e: unknown) => e instanceof ConfigError && /fallback cycle/.test(e.message),
    );
  });

  test('a fallback naming an unknown model is a ConfigError', () => {
    assert.throws(
      () => stage({ route: { fallbacks: { 'gpt-4o': ['nope-model-zz'] } } }),
      isConfigError('route.fallbacks.gpt-4o[0]'),
    );
  });

  test('a cascade JSON schema that does not compile, an unknown cascade model, route + cascade together', () => {
    assert.throws(
      () =>
        stage({
          features: {
            x: {
              cascade: {
                models: ['gpt-4o-mini', 'gpt-4o'],
                checks: [{ type: 'jsonSchema', schema: { type: 'obj' } }],
              },
            },
          },
        }),
      isConfigError('features.x.cascade.checks[0].schema'),
    );
    assert.throws(
      () => stage({ features: { x: { cascade: { models: ['gpt-4o-mini', { model: 'zz-unknown-zz' }] } } } }),
      isConfigError('features.x.cascade.models[1].model'),
    );
    assert.throws(
      () =>
        stage({
          features: {
            x: {
              route: { rules: [{ targets: ['gpt-4o-mini'] }] },
              cascade: { models: ['gpt-4o-mini', 'gpt-4o'] },
            },
          },
        }),
      isConfigError('features.x'),
    );
  });

  test('a router model file that does not load is a ConfigError; `heuristic` needs no file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'penny-route-'));
    try {
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, '{"kind":"logreg"}');
      const route = (router: string) => ({
        features: { chat: { route: { router, cheap: 'gpt-4o-mini', strong: 'gpt-4o' } } },
      });
      assert.throws(() => stage(route(bad)), isConfigError('features.chat.route.router'));
      assert.throws(
        () => stage(route(join(dir, 'missing.json'))),
        isConfigError('features.chat.route.router'),
      );
      assert.doesNotThrow(() => stage(route('heuristic')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('route stage: tier lists', () => {
  const tiers = (t: unknown, extra: Record<string, unknown> = {}) => ({
    features: { chat: { route: { router: 'heuristic', tiers: t, ...extra } } },
  });
  const threeTiers = [
    { model: 'gpt-4o-mini' },
    { model: 'gpt-4.1-mini', minScore: 0.2 },
    { model: 'gpt-4o', minScore: 0.6 },
  ];
  const fieldError = (path: string, message: RegExp) => (e: unknown) =>
    e instanceof ConfigError && e.message.includes(`${path}: `) && message.test(e.message);

  test('a valid tier list compiles', () => {
    assert.doesNotThrow(() => stage(tiers(threeTiers)));
  });

  test('every mistake names its field', () => {
    assert.throws(
      () => stage(tiers([{ model: 'gpt-4o-mini' }, { model: 'gpt-4o' }])),
      fieldError('features.chat.route.tiers[1].minScore', /required on every tier but the first/),
    );
    assert.throws(
      () =>
        stage(
          tiers([
            { model: 'gpt-4o-mini', minScore: 0.1 },
            { model: 'gpt-4o', minScore: 0.5 },
          ]),
        ),
      fieldError('features.chat.route.tiers[0].minScore', /has no minScore/),
    );
    assert.throws(
      () =>
        stage(
          tiers([
            { model: 'gpt-4o-mini' },
            { model: 'gpt-4.1-mini', minScore: 0.6 },
            { model: 'gpt-4o', minScore: 0.2 },
          ]),
        ),
      fieldError('features.chat.route.tiers[2].minScore', /at least tiers\[1\]\.minScore/),
    );
    assert.throws(
      () => stage(tiers(threeTiers, { cheap: 'gpt-4o-mini' })),
      fieldError('features.chat.route.cheap', /not both/),
    );
    assert.throws(
      () => stage(tiers([{ model: 'gpt-4o-mini' }])),
      fieldError('features.chat.route.tiers', /2/),
    );
    assert.throws(
      () => stage(tiers([{ model: 'gpt-4o-mini' }, { model: 'gpt-4o-mini', minScore: 1 }])),
      fieldError('features.chat.route.tiers[1].model', /already a tier/),
    );
    assert.throws(
      () => stage({ features: { chat: { route: { tiers: threeTiers } } } }),
      fieldError('features.chat.route.router', /need a difficulty `router`/),
    );
    assert.throws(
      () => stage(tiers([{ model: 'gpt-4o-mini' }, { model: 'no-such-model-xyz', minScore: 0.5 }])),
      isConfigError('features.chat.route.tiers[1].model'),
    );
  });

  test('a request goes to the tier its score reaches; the ledger meta says which', async () => {
    const s = stage(tiers(threeTiers));
    const c = ctx();
    await s.run(c, async () => ok('gpt-4o-mini'));
    const meta = c.slots.get(ROUTE) as { tier: number; tierModel: string; minScores: number[] };
    assert.equal(typeof meta.tier, 'number');
    assert.equal(meta.tierModel, ['gpt-4o-mini', 'gpt-4.1-mini', 'gpt-4o'][meta.tier]);
    assert.deepEqual(meta.minScores, [0.2, 0.6]);
  });
});

describe('route stage: per request', () => {
  test('a feature without a policy gets no plan and no meta', async () => {
    const s = stage({});
    const c = ctx();
    await s.run(c, async () => ok('gpt-4o'));
    assert.equal(executionPlanOf(c), undefined);
    assert.equal(c.slots.get(ROUTE), undefined);
  });

  test('a model with a named fallback chain gets a target plan even without a feature policy', async () => {
    const s = stage({ route: { fallbacks: { 'gpt-4o': ['anthropic/claude-sonnet-4-5'] } } });
    const c = ctx();
    await s.run(c, async () => ok('gpt-4o'));
    const plan = executionPlanOf(c);
    assert.equal(plan?.kind, 'targets');
    assert.deepEqual(plan?.kind === 'targets' ? plan.targets : null, [
      'gpt-4o',
      'anthropic/claude-sonnet-4-5',
    ]);
  });

  test('a rule routes gpt-4o to gpt-4o-mini, records the decision and the saving', async () => {
    const s = stage({
      features: { chat: { route: { rules: [{ name: 'cheap-chat', targets: ['gpt-4o', 'gpt-4o-mini'] }] } } },
    });
    const c = ctx();
    const out = await s.run(c, async () => {
      assert.equal(c.request.model, 'gpt-4o-mini');
      return ok('gpt-4o-mini');
    });
    const settled = settle(c, out, catalog);
    const meta = c.slots.toMeta(settled)?.route as {
      rule: string;
      chosen: string;
      savedUsd: string;
      candidates: unknown[];
    };
    assert.equal(meta.rule, 'cheap-chat');
    assert.equal(meta.chosen, 'gpt-4o-mini');
    assert.equal(meta.candidates.length, 2);
    const big = computeCost(usage, catalog.lookup('gpt-4o')).cost!;
    const small = computeCost(usage, catalog.lookup('gpt-4o-mini', 'openai')).cost!;
    assert.equal(settled.savings.route, big - small);
    assert.equal(meta.savedUsd, moneyToDecimal(big - small));
    assert.equal(settled.baselineCost, big);
    assert.equal(c.headers['x-penny-route'], 'gpt-4o-mini');
  });

  test('task type from the x-penny-task header, else the feature’s task', async () => {
    const s = stage({
      features: {
        chat: {
          route: {
            task: 'chat',
            rules: [
              { when: { task: 'classify' }, targets: ['gpt-4o-mini'] },
              { when: { task: 'chat' }, targets: ['gpt-4o'] },
            ],
          },
        },
      },
    });
    const a = ctx({ requestHeaders: { 'x-penny-task': 'classify' } });
    await s.run(a, async () => ok('gpt-4o-mini'));
    assert.equal(a.request.model, 'gpt-4o-mini');
    const b = ctx();
    const outB = await s.run(b, async () => ok('gpt-4o'));
    assert.equal(b.request.model, 'gpt-4o');
    assert.equal(settle(b, outB, catalog).savings.route, undefined);
  });

  test('savings are skipped when either price is unknown, and may be negative', () => {
    const routed = { tactic: 'route', onlyIfDifferent: true } as const;
    const c = ctx();
    c.money.substitution = routed;
    assert.equal(settle(c, ok('zz-unpriced-zz'), catalog).savings.route, undefined);
    const d = ctx({ original: { ...ctx().request, model: 'gpt-4o-mini' } });
    d.money.substitution = routed;
    const saved = settle(d, ok('gpt-4o'), catalog).savings.route;
    assert.ok(saved !== undefined && moneyToDecimal(saved).startsWith('-'), String(saved));
  });
});
