/**
 * The `dual` difficulty router end to end: `penny router train --input outcomes.jsonl --method dual` learns
 * from both models' recorded outcomes, the feature's route loads the file, and the official OpenAI client
 * is routed by it through `penny serve` to the fake upstream — the prompt only the strong model gets
 * right goes strong; prompts both models get right, or neither does, stay cheap. A damaged file is a
 * config error naming the field.
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

const dir = mkdtempSync(join(tmpdir(), 'penny-dual-'));
const words = {
  easy: ['weather', 'recipe', 'coffee', 'movie'],
  hard: ['integral', 'eigenvalue', 'theorem', 'recursion'],
  hopeless: ['collatz', 'goldbach', 'riemann', 'twin'],
} as const;
const prompt = (kind: keyof typeof words, i: number) =>
  `question ${i}: please tell me about the ${words[kind][i % 4]} and the ${words[kind][(i + 1) % 4]}`;

function writeOutcomes(): string {
  const lines: string[] = [];
  for (let i = 0; i < 1200; i++) {
    const kind = (['easy', 'hard', 'hopeless'] as const)[i % 3]!;
    const cheap = kind === 'easy' ? 1 : 0;
    const strong = kind === 'hopeless' ? 0 : 1;
    lines.push(
      JSON.stringify({
        id: `p${i}`,
        prompt: prompt(kind, i),
        models: {
          'gpt-4o-mini': { score: cheap, cost: '0.00002' },
          'gpt-4o': { score: strong, cost: '0.0004' },
        },
      }),
    );
  }
  const file = join(dir, 'outcomes.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('dual router through the gateway', () => {
  let h: Harness;
  let openai: OpenAI;
  const modelFile = join(dir, 'dual.json');
  after(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  before(async () => {
    const r = await routerTrainCommand({
      input: writeOutcomes(),
      method: 'dual',
      cheap: 'gpt-4o-mini',
      strong: 'gpt-4o',
      out: modelFile,
      log: () => {},
    });
    assert.equal(r?.method, 'dual');
    ({ h, openai } = await startRoutedTutor(modelFile, 0.8));
  });

  test('only the prompt the strong model alone gets right is sent to it; the score is in the ledger', async () => {
    const model = loadModel(readFileSync(modelFile, 'utf8'));
    const served: string[] = [];
    for (const kind of ['easy', 'hard', 'hopeless'] as const) {
      served.push(await routedModel(h, openai, model, prompt(kind, 1001)));
    }
    assert.deepEqual(served, ['gpt-4o-mini', 'gpt-4o', 'gpt-4o-mini']);
  });

  test('a damaged dual model file is refused with the field and the problem', () => {
    const bad = join(dir, 'bad.json');
    const raw = JSON.parse(readFileSync(modelFile, 'utf8'));
    writeFileSync(bad, JSON.stringify({ ...raw, cheap: { kind: 'knn' } }));
    assert.throws(
      () => loadDifficultyRouter(bad, 'features.tutor.route.router', dir),
      /features\.tutor\.route\.router.*cannot load router model .*bad\.json: router model \$\.cheap/s,
    );
  });
});
