/**
 * N-model routing through the gateway: `penny router calibrate` sets the tiers' minimum scores from an
 * outcome file, the config takes its `tiers` block as printed, and the gateway then sends each prompt to
 * exactly the tier the replay did — the same `pickTier` decision — recording the tier and the `route`
 * saving in the ledger.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { splitOf } from '../../src/bench/replay/split.js';
import { routerCalibrateCommand } from '../../src/cli/router.js';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import { heuristicScore } from '../../src/pipeline/route/heuristic-scorer.js';
import { pickTier } from '../../src/pipeline/route/tiers.js';
import { computeCost } from '../../src/pricing/cost.js';
import { type Harness, startHarness } from './harness.js';

const TIERS = ['gpt-4o-mini', 'gpt-4.1-mini', 'gpt-4o'];
const prompts = Array.from({ length: 48 }, (_, i) =>
  i % 3 === 0
    ? `Prove that the sum of the first ${i} odd numbers is a square, derive each step and explain the limit.`
    : i % 3 === 1
      ? `Summarise in two sentences why item ${i} of the report matters for the budget.`
      : `Say hello to person number ${i}.`,
);

describe('N-model tiers through the gateway', () => {
  let h: Harness;
  let openai: OpenAI;
  const dir = mkdtempSync(join(tmpdir(), 'penny-tiers-'));
  const outcomes = join(dir, 'outcomes.jsonl');
  // Recorded outcomes: the dearer the model, the more of the hard prompts it gets right.
  writeFileSync(
    outcomes,
    `${prompts
      .map((prompt, i) =>
        JSON.stringify({
          id: `p${i}`,
          prompt,
          models: {
            'gpt-4o-mini': { score: i % 3 === 2 ? 1 : 0, cost: 0.0001 },
            'gpt-4.1-mini': { score: i % 3 !== 0 ? 1 : 0, cost: 0.0004 },
            'gpt-4o': { score: 1, cost: 0.002 },
          },
        }),
      )
      .join('\n')}\n`,
  );
  const calibrated = routerCalibrateCommand({
    input: outcomes,
    router: 'heuristic',
    tiers: TIERS.join(','),
    shares: '0.7,0.25',
    routers: 50,
    log: () => {},
  });

  before(async () => {
    h = await startHarness({
      config: { features: { tiered: { route: { router: 'heuristic', tiers: calibrated.tiers } } } },
    });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('calibrate prints a three-tier block whose test replay uses all three tiers', () => {
    assert.deepEqual(
      calibrated.tiers.map((t) => t.model),
      TIERS,
    );
    assert.match(
      calibrated.yaml,
      /^tiers:\n {2}- model: gpt-4o-mini\n {2}- model: gpt-4.1-mini\n {4}minScore: /,
    );
    for (const share of calibrated.test.shares) assert.ok(share > 0, `${calibrated.test.shares}`);
  });

  test('each prompt is served by the tier the replay chose; the ledger records tier and saving', async () => {
    const mins = calibrated.tiers.slice(1).map((t) => t.minScore!);
    const test = prompts.filter((_, i) => splitOf(`p${i}`) === 'test').slice(0, 12);
    const served: Record<string, number> = {};
    for (const content of test) {
      const { response } = await openai.chat.completions
        .create(
          { model: 'gpt-4o', messages: [{ role: 'user', content }] },
          { headers: { 'x-penny-feature': 'tiered' } },
        )
        .withResponse();
      const expected = pickTier(heuristicScore(content), mins);
      assert.equal(response.headers.get('x-penny-route'), TIERS[expected]);
      const id = response.headers.get('x-penny-request-id');
      let e: LedgerEntry | undefined;
      for (let i = 0; i < 100 && !e; i++) {
        e = (await h.entries()).find((x) => x.id === id);
        if (!e) await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(e, 'ledger entry');
      const route = e.meta?.route as {
        tier: number;
        tierModel: string;
        minScores: number[];
        savedUsd?: string;
      };
      assert.equal(route.tier, expected);
      assert.equal(route.tierModel, TIERS[expected]);
      assert.equal(e.servedModel, TIERS[expected]);
      served[TIERS[expected]!] = (served[TIERS[expected]!] ?? 0) + 1;
      if (expected < 2) {
        const usage = {
          inputUncached: e.inputUncached,
          cacheRead: e.cacheRead,
          cacheWrite5m: e.cacheWrite5m,
          cacheWrite1h: e.cacheWrite1h,
          outputText: e.outputText,
          reasoning: e.reasoning,
        };
        const atRequested = computeCost(usage, h.app.catalog.lookup('gpt-4o')).cost!;
        assert.equal(e.savings.route, atRequested - e.cost!);
        assert.ok(e.savings.route! > 0n);
        assert.ok(route.savedUsd !== undefined);
      } else {
        assert.equal(e.savings.route, undefined, 'served as asked: no route saving');
      }
    }
    assert.ok(Object.keys(served).length >= 2, `more than one tier served: ${JSON.stringify(served)}`);
  });
});
