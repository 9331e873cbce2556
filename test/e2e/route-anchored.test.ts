/**
 * The `anchored` and `stack` routers end to end: `penny router train --input outcomes.jsonl --method
 * anchored` averages the `dual` heads with the length prior by rank, `--method stack` averages the routers
 * 5-fold CV picks the same way; the feature's route loads the file, and the official OpenAI client is
 * routed through `penny serve` to the fake upstream by the saved model's score (recorded in the ledger).
 * Outcomes here: the cheap model solves word problems of up to two steps, the strong one every problem, so
 * long problems go strong and short ones stay cheap. A damaged file is a config error.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type OpenAI from 'openai';
import { routerTrainCommand } from '../../src/cli/router.js';
import { loadModel } from '../../src/pipeline/route/classifier.js';
import { loadDifficultyRouter } from '../../src/pipeline/route/difficulty.js';
import type { Harness } from './harness.js';
import { routedModel, startRoutedTutor } from './route-support.js';

const dir = mkdtempSync(join(tmpdir(), 'penny-anchored-'));
const nouns = ['apples', 'coins', 'tickets', 'marbles'];
const problem = (steps: number, i: number) => {
  const noun = nouns[i % nouns.length]!;
  const parts = [`Sam has ${3 + (i % 40)} ${noun}.`];
  for (let k = 1; k < steps; k++) parts.push(`Then he gets ${2 + ((i + k) % 30)} more ${noun}.`);
  return [...parts, `How many ${noun} does he have?`].join(' ');
};

function writeOutcomes(): string {
  const lines: string[] = [];
  for (let i = 0; i < 1200; i++) {
    const steps = 1 + (i % 6);
    lines.push(
      JSON.stringify({
        id: `p${i}`,
        prompt: problem(steps, i),
        models: {
          'gpt-4o-mini': { score: steps <= 2 ? 1 : 0, cost: '0.00002' },
          'gpt-4o': { score: 1, cost: '0.0004' },
        },
      }),
    );
  }
  const file = join(dir, 'outcomes.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

after(() => rmSync(dir, { recursive: true, force: true }));

for (const method of ['anchored', 'stack'] as const)
  describe(`${method} router through the gateway`, () => {
    let h: Harness;
    let openai: OpenAI;
    const modelFile = join(dir, `${method}.json`);
    after(async () => {
      await h?.close();
    });

    before(async () => {
      const r = await routerTrainCommand({
        input: writeOutcomes(),
        method,
        cheap: 'gpt-4o-mini',
        strong: 'gpt-4o',
        out: modelFile,
        log: () => {},
      });
      assert.equal(r?.method, method);
      ({ h, openai } = await startRoutedTutor(modelFile, 0.6));
    });

    test('long problems go to the strong model, short ones stay cheap; the score is in the ledger', async () => {
      const model = loadModel(readFileSync(modelFile, 'utf8'));
      assert.equal(model.kind, 'anchored');
      if (method === 'anchored') {
        assert.equal(
          model.kind === 'anchored' && model.parts.map((p) => p.kind).join(','),
          'dual,length-prior',
        );
      } else {
        assert.equal(model.meta.method, 'stack');
      }
      const served: string[] = [];
      for (const steps of [1, 5]) {
        served.push(await routedModel(h, openai, model, problem(steps, 1001)));
      }
      assert.deepEqual(served, ['gpt-4o-mini', 'gpt-4o']);
    });

    test(`a damaged ${method} model file is refused with the field and the problem`, () => {
      const bad = join(dir, `bad-${method}.json`);
      const raw = JSON.parse(readFileSync(modelFile, 'utf8'));
      writeFileSync(bad, JSON.stringify({ ...raw, tables: [...raw.tables, raw.tables[0]] }));
      assert.throws(
        () => loadDifficultyRouter(bad, 'features.tutor.route.router', dir),
        /features\.tutor\.route\.router.*cannot load router model .*bad-\w+\.json: .*one weight and one table per part/s,
      );
    });
  });
