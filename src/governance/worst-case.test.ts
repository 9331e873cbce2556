import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CanonicalRequest } from '../core/request.js';
import { loadCatalog } from '../pricing/catalog.js';
import { computeCost } from '../pricing/cost.js';
import type { PriceEntry } from '../pricing/price.js';
import { countRequestTokens } from '../tokens/index.js';
import { costNanoCeil, picoNumberToNanoCeil, picoToNanoCeil } from './units.js';
import {
  CHEAP_BOUND_TOKENS,
  outputBound,
  presetPromptTokens,
  promptTokens,
  worstCase,
  worstCaseNano,
} from './worst-case.js';

const price: PriceEntry = {
  model: 'm',
  provider: 'openai',
  source: 'test',
  input: 2_500_000n, // $2.50 / 1M
  output: 10_000_000n, // $10 / 1M
  cacheWrite5m: 3_125_000n,
  cacheWrite1h: 5_000_000n,
  maxOutput: 16_384,
  contextWindow: 128_000,
};

const req = (over: Partial<CanonicalRequest> = {}): CanonicalRequest => ({
  dialect: 'openai',
  model: 'gpt-4o',
  system: [],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'What is the capital of France?' }] }],
  stream: false,
  extra: {},
  ...over,
});
const opts = { inputMargin: 0.1, defaultMaxOutput: 4096 };

describe('worst-case cost of a call', () => {
  test('a short prompt is bounded by its bytes, never below the count; a long one is counted', () => {
    const short = req();
    const bound = countRequestTokens(short, 'gpt-4o', { upperBound: true }).tokens;
    assert.ok(bound >= countRequestTokens(short, 'gpt-4o').tokens);
    assert.equal(promptTokens(short, 'gpt-4o'), bound);
    for (const text of ['héllo wörld ✓ 你好 🙂'.repeat(20), 'a'.repeat(900), '<|endoftext|> x'.repeat(30)]) {
      const r = req({ messages: [{ role: 'user', content: [{ type: 'text', text }] }] });
      for (const model of ['gpt-4o', 'claude-sonnet-4-5', 'gemini-2.5-flash'])
        assert.ok(
          countRequestTokens(r, model, { upperBound: true }).tokens >= countRequestTokens(r, model).tokens,
          `${model}: the bound is above the count`,
        );
    }
    const long = req({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'The quick brown fox. '.repeat(200) }] }],
    });
    assert.ok(countRequestTokens(long, 'gpt-4o', { upperBound: true }).tokens > CHEAP_BOUND_TOKENS);
    assert.equal(promptTokens(long, 'gpt-4o'), countRequestTokens(long, 'gpt-4o').tokens);
  });

  test('counts are per request and model, interleaved; a preset count replaces one already made', () => {
    const a = req();
    const b = req({ messages: [{ role: 'user', content: [{ type: 'text', text: 'x'.repeat(5000) }] }] });
    const na = promptTokens(a, 'gpt-4o');
    const nb = promptTokens(b, 'gpt-4o');
    assert.notEqual(na, nb);
    assert.equal(promptTokens(a, 'gpt-4o'), na);
    assert.equal(promptTokens(b, 'gpt-4o'), nb);
    assert.equal(promptTokens(b, 'claude-sonnet-4-5'), countRequestTokens(b, 'claude-sonnet-4-5').tokens);
    presetPromptTokens(b, 7);
    assert.equal(promptTokens(b, 'claude-sonnet-4-5'), 7);
    assert.equal(promptTokens(b, 'gpt-4o'), 7);
  });

  test('prompt (+margin) at the input rate plus max_tokens at the output rate', () => {
    const r = req({ maxTokens: 100 });
    const counted = promptTokens(r, 'gpt-4o');
    const w = worstCase(r, 'gpt-4o', price, opts);
    const input = Math.ceil(counted * 1.1);
    assert.equal(w.inputTokens, input);
    assert.equal(w.outputTokens, 100);
    assert.equal(w.cost, BigInt(input) * 2_500_000n + 100n * 10_000_000n);
  });

  test('without max_tokens: the model maximum output; n multiplies it; unknown model limits use the default', () => {
    assert.equal(outputBound(req(), price, 10, 4096), 16_384);
    assert.equal(outputBound(req({ n: 3, maxTokens: 50 }), price, 10, 4096), 150);
    assert.equal(outputBound(req(), { ...price, maxOutput: undefined }, 1000, 4096), 127_000);
    assert.equal(outputBound(req(), undefined, 10, 4096), 4096);
  });

  test('cache_control makes the dearest cache-write rate the input worst case', () => {
    const r = req({
      maxTokens: 10,
      system: [{ type: 'text', text: 'Be brief.', cacheControl: { type: 'ephemeral' } }],
    });
    const w = worstCase(r, 'gpt-4o', price, opts);
    assert.equal(w.cost, BigInt(w.inputTokens) * 5_000_000n + 10n * 10_000_000n);
  });

  test('an unpriced model has no worst case; rounding up to nanodollars never rounds down', () => {
    assert.equal(worstCase(req(), 'x', undefined, opts).cost, null);
    assert.equal(worstCaseNano(req(), 'x', undefined, opts), null);
    assert.equal(picoToNanoCeil(1n), 1);
    assert.equal(picoToNanoCeil(1000n), 1);
    assert.equal(picoToNanoCeil(1001n), 2);
    assert.equal(picoToNanoCeil(0n), 0);
  });

  test('the float path agrees with the cost engine on every catalog entry (worst case and settlement)', () => {
    let s = 7;
    const rand = () => {
      s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
      return s / 4294967296;
    };
    // The catalog, plus entries whose reasoning rate is dearer than output and whose cache writes are unpriced.
    const entries = [
      ...loadCatalog().list(),
      { ...price, reasoning: 20_000_000n },
      { ...price, cacheWrite5m: undefined, cacheWrite1h: undefined },
    ];
    assert.ok(entries.length > 100);
    const tiered = entries.filter((p) => p.tiers?.length).length;
    assert.ok(tiered > 0, 'the catalog has tiered entries (the bigint path is compared too)');
    const cached = { type: 'text' as const, text: 'Be brief.', cacheControl: { type: 'ephemeral' as const } };
    const n = (max: number) => (rand() < 0.3 ? 0 : Math.floor(rand() * max));
    for (const p of entries) {
      for (let i = 0; i < 4; i++) {
        const text = 'word '.repeat(n(3000));
        const r = req({
          maxTokens: i === 3 ? undefined : n(40_000) + 1,
          messages: [{ role: 'user', content: [{ type: 'text', text: `${text}?` }] }],
          ...(i % 2 === 1 ? { system: [cached] } : {}),
        });
        const w = worstCase(r, p.model, p, opts);
        // The engine's answer: the dearest of every input rate the prompt can be billed at × output or reasoning.
        let worst = 0n;
        for (const inKey of i % 2 === 1
          ? ['inputUncached', 'cacheWrite5m', 'cacheWrite1h']
          : ['inputUncached'])
          for (const outKey of ['outputText', 'reasoning']) {
            const u = {
              inputUncached: 0,
              cacheRead: 0,
              cacheWrite5m: 0,
              cacheWrite1h: 0,
              outputText: 0,
              reasoning: 0,
            };
            (u as Record<string, number>)[inKey] = w.inputTokens;
            (u as Record<string, number>)[outKey] = w.outputTokens;
            const c = computeCost(u, p).cost!;
            if (c > worst) worst = c;
          }
        assert.equal(w.cost, worst, `${p.provider}/${p.model}`);
        assert.equal(w.nano, picoToNanoCeil(worst), `${p.provider}/${p.model}`);
        // What a reservation uses (no result object, no bigint): the same nanodollars on every entry.
        assert.equal(worstCaseNano(r, p.model, p, opts), w.nano, `${p.provider}/${p.model} (nano only)`);
        const used = {
          inputUncached: n(300_000),
          cacheRead: n(200_000),
          cacheWrite5m: n(5000),
          cacheWrite1h: n(5000),
          outputText: n(20_000),
          reasoning: n(5000),
        };
        assert.equal(
          costNanoCeil(used, p),
          picoToNanoCeil(computeCost(used, p).cost!),
          `${p.provider}/${p.model}`,
        );
      }
    }
    const frac = {
      inputUncached: 10.5,
      cacheRead: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      outputText: 1,
      reasoning: 0,
    };
    assert.equal(costNanoCeil(frac, price), picoToNanoCeil(computeCost(frac, price).cost!));
    assert.equal(costNanoCeil(frac, undefined), 0);
    assert.equal(worstCase(req(), 'x', undefined, opts).nano, null);
  });

  test('picodollars as a number round up to nanodollars exactly, near 2^53 too', () => {
    for (const pico of [
      0,
      1,
      999,
      1000,
      1001,
      2 ** 53 - 1,
      2 ** 53 - 1000,
      2 ** 52 + 1,
      8_999_999_999_999_001,
    ])
      assert.equal(picoNumberToNanoCeil(pico), picoToNanoCeil(BigInt(pico)), String(pico));
  });
});
