import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CanonicalRequest } from '../../core/request.js';
import { perMillionToPerToken as pm } from '../../core/money.js';
import type { PriceEntry } from '../../pricing/price.js';
import type { CompiledRoute } from './compile-route.js';
import { routeRuleSchema } from './config.js';
import { decideRoute, routeMeta } from './decide-route.js';
import { expandFallbacks } from './fallback-chains.js';
import { compileRule, requestFacts } from './rules.js';

const price = (input: string, cw?: number): PriceEntry => ({
  model: 'm',
  provider: 'p',
  source: 't',
  input: pm(input),
  output: pm(input),
  ...(cw ? { contextWindow: cw } : {}),
});
const PRICES: Record<string, PriceEntry> = { big: price('5'), small: price('0.5'), short: price('0.1', 50) };
const req = (text: string): CanonicalRequest => ({
  dialect: 'openai',
  model: 'big',
  system: [],
  messages: [{ role: 'user', content: [{ type: 'text', text }] }],
  stream: false,
  extra: {},
});
const base: CompiledRoute = {
  task: null,
  rules: [
    compileRule(
      routeRuleSchema.parse({ name: 'easy', when: { task: 'easy' }, targets: ['big', 'small', 'short'] }),
      'r',
      0,
    ),
  ],
  difficulty: null,
  expectedOutputTokens: 100,
  retry: { maxRetries: 0, baseDelayMs: 0, maxDelayMs: 0, retryAfterCapMs: 0 },
  needsTokens: false,
};
const f = (r: CanonicalRequest, task: string | null, promptTokens = 10) =>
  requestFacts(r, { task, tier: null, budget: null, promptTokens });

describe('decideRoute', () => {
  test('a matching rule picks the cheapest target that fits, then the rest, then fallback chains', () => {
    const chains = expandFallbacks({ small: ['other'] });
    const d = decideRoute(base, req('hi'), f(req('hi'), 'easy', 10), (m) => PRICES[m], chains);
    assert.equal(d.rule, 'easy');
    assert.equal(d.chosen, 'small'); // `short` cannot hold 10 prompt + 100 output tokens
    assert.deepEqual(d.targets, ['small', 'other', 'big']);
    const meta = routeMeta(d) as { candidates: Array<{ model: string; fits: boolean }> };
    assert.deepEqual(
      meta.candidates.map((c) => [c.model, c.fits]),
      [
        ['big', true],
        ['small', true],
        ['short', false],
      ],
    );
  });

  test('no rule and no router: the requested model', () => {
    const d = decideRoute(base, req('hi'), f(req('hi'), null), (m) => PRICES[m], new Map());
    assert.equal(d.rule, 'none');
    assert.deepEqual(d.targets, ['big']);
  });

  test('the difficulty router sends easy prompts cheap (with strong as fallback) and hard ones strong', () => {
    const route: CompiledRoute = {
      ...base,
      rules: [],
      difficulty: {
        router: { name: 'len', score: (t) => (t.length > 20 ? 0.9 : 0.1) },
        tiers: ['small', 'big'],
        minScores: [0.5],
        tiered: false,
      },
    };
    const easy = decideRoute(route, req('short'), f(req('short'), null), (m) => PRICES[m], new Map());
    assert.deepEqual([easy.rule, easy.chosen, easy.targets], ['router', 'small', ['small', 'big']]);
    assert.equal(easy.difficulty?.tierIndex, 0);
    assert.equal(routeMeta(easy).tier, 'weak');
    const hardText = 'a much longer and harder prompt';
    const hard = decideRoute(route, req(hardText), f(req(hardText), null), (m) => PRICES[m], new Map());
    assert.deepEqual([hard.chosen, hard.targets], ['big', ['big']]);
    const meta = routeMeta(hard);
    assert.equal(meta.score, 0.9);
    assert.equal(meta.tier, 'strong');
  });

  test('a tier list: the highest tier the score reaches, the dearer tiers as fallbacks', () => {
    const PR: Record<string, PriceEntry> = { ...PRICES, mid: price('1') };
    const route: CompiledRoute = {
      ...base,
      rules: [],
      difficulty: {
        router: { name: 'len', score: (t) => t.length / 100 },
        tiers: ['small', 'mid', 'big'],
        minScores: [0.1, 0.3],
        tiered: true,
      },
    };
    const at = (text: string) => decideRoute(route, req(text), f(req(text), null), (m) => PR[m], new Map());
    const low = at('x'.repeat(5));
    assert.deepEqual([low.chosen, low.targets], ['small', ['small', 'mid', 'big']]);
    const mid = at('x'.repeat(20));
    assert.deepEqual([mid.chosen, mid.targets], ['mid', ['mid', 'big']]);
    const high = at('x'.repeat(30)); // exactly the minimum reaches the tier
    assert.deepEqual([high.chosen, high.targets], ['big', ['big']]);
    const meta = routeMeta(mid);
    assert.deepEqual([meta.tier, meta.tierModel, meta.minScores], [1, 'mid', [0.1, 0.3]]);
    assert.equal(meta.threshold, undefined);
  });

  test('when nothing fits, the requested model serves and the decision says so', () => {
    const route: CompiledRoute = {
      ...base,
      rules: [compileRule(routeRuleSchema.parse({ targets: ['short'] }), 'r', 0)],
    };
    const d = decideRoute(route, req('hi'), f(req('hi'), null, 1000), (m) => PRICES[m], new Map());
    assert.equal(d.chosen, 'big');
    assert.match(d.note ?? '', /no target fits/);
  });
});
