/**
 * Calibrated difficulty thresholds through the gateway: the threshold is set so a target share of the
 * feature's prompts goes to the strong model — from a sample file at start-up, then from live traffic.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import { heuristicScore } from '../../src/pipeline/route/heuristic-scorer.js';
import { thresholdForStrongFraction } from '../../src/pipeline/route/threshold.js';
import { type Harness, startHarness } from './harness.js';

const prompts = Array.from({ length: 40 }, (_, i) =>
  i % 4 === 0
    ? `Prove that the sum of the first ${i} odd numbers is a square, derive each step and explain the limit.`
    : `Say hello to person number ${i}.`,
);

describe('calibrated router thresholds through the gateway', () => {
  let h: Harness;
  let openai: OpenAI;
  const dir = mkdtempSync(join(tmpdir(), 'penny-calibration-'));
  const sample = join(dir, 'sample.txt');
  writeFileSync(sample, `${prompts.join('\n')}\n`);

  before(async () => {
    h = await startHarness({
      config: {
        features: {
          calibrated: {
            route: {
              router: 'heuristic',
              cheap: 'gpt-4o-mini',
              strong: 'gpt-4o',
              targetStrongShare: 0.25,
              calibration: { sample, window: 20, minSamples: 20 },
            },
          },
        },
      },
    });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the sample sets the threshold; the share sent strong follows the target; the ledger says so', async () => {
    const expected = thresholdForStrongFraction(prompts.map(heuristicScore), 0.25);
    const ids: string[] = [];
    for (const content of prompts.slice(0, 8)) {
      const { response } = await openai.chat.completions
        .create(
          { model: 'gpt-4o', messages: [{ role: 'user', content }] },
          { headers: { 'x-penny-feature': 'calibrated' } },
        )
        .withResponse();
      ids.push(response.headers.get('x-penny-request-id')!);
    }
    let entries: LedgerEntry[] = [];
    for (let i = 0; i < 100; i++) {
      entries = (await h.entries()).filter((e) => ids.includes(e.id));
      if (entries.length === ids.length) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const routes = entries.map(
      (e) =>
        e.meta?.route as {
          threshold: number;
          thresholdSource: string;
          targetStrongShare: number;
          tier: string;
        },
    );
    assert.equal(routes.length, 8);
    for (const r of routes) {
      assert.equal(r.thresholdSource, 'sample');
      assert.equal(r.targetStrongShare, 0.25);
      assert.equal(r.threshold, Math.round(expected * 1e6) / 1e6);
    }
    assert.equal(routes.filter((r) => r.tier === 'strong').length, 2, 'one prompt in four is the hard kind');
  });
});
