/**
 * The `subject-prior` router end to end: `penny router train --input examples.jsonl --method subject-prior`
 * learns each subject's need for the strong model from labelled examples that name their subject
 * ("group"), the feature's route loads the file, and the official OpenAI client is routed by it through
 * `penny serve` to the fake upstream — a new prompt in the subject that needs the strong model goes
 * strong, one in the subject the cheap model handles stays cheap. Examples without subjects are refused
 * with the reason.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type OpenAI from 'openai';
import { routerTrainCommand } from '../../src/cli/router.js';
import { loadModel } from '../../src/pipeline/route/classifier.js';
import type { Harness } from './harness.js';
import { routedModel, startRoutedTutor } from './route-support.js';

const dir = mkdtempSync(join(tmpdir(), 'penny-subject-'));
const subjects = {
  abstract_algebra: ['group', 'ring', 'field', 'polynomial', 'ideal', 'homomorphism'],
  cooking: ['recipe', 'oven', 'flour', 'butter', 'simmer', 'garlic'],
} as const;
const prompt = (s: keyof typeof subjects, i: number) =>
  `question ${i}: what about the ${subjects[s][i % 6]} and the ${subjects[s][(i + 2) % 6]}?`;

function writeExamples(withGroups: boolean): string {
  const lines: string[] = [];
  for (let i = 0; i < 200; i++) {
    const s = i % 2 === 0 ? 'abstract_algebra' : 'cooking';
    // Algebra needs the strong model 8 times in 10, cooking once in 10.
    const label = s === 'abstract_algebra' ? (i % 10 < 8 ? 1 : 0) : i % 10 === 1 ? 1 : 0;
    lines.push(JSON.stringify({ text: prompt(s, i), label, ...(withGroups ? { group: s } : {}) }));
  }
  const file = join(dir, withGroups ? 'examples.jsonl' : 'no-groups.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('subject-prior router through the gateway', () => {
  let h: Harness;
  let openai: OpenAI;
  const modelFile = join(dir, 'subject.json');
  after(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  before(async () => {
    const r = await routerTrainCommand({
      input: writeExamples(true),
      method: 'subject-prior',
      out: modelFile,
      log: () => {},
    });
    assert.equal(r?.method, 'subject-prior');
    ({ h, openai } = await startRoutedTutor(modelFile, 0.5));
  });

  test("a new prompt goes where its subject's examples went; the score is in the ledger", async () => {
    const model = loadModel(readFileSync(modelFile, 'utf8'));
    const served: string[] = [];
    for (const content of [
      'is every ideal of a polynomial ring principal?',
      'how long should the garlic simmer in butter?',
    ]) {
      served.push(await routedModel(h, openai, model, content));
    }
    assert.deepEqual(served, ['gpt-4o', 'gpt-4o-mini']);
  });

  test('examples that name no subject are refused with the reason', async () => {
    await assert.rejects(
      routerTrainCommand({
        input: writeExamples(false),
        method: 'subject-prior',
        out: join(dir, 'refused.json'),
        log: () => {},
      }),
      /subject-prior .*needs a "group" on every example/,
    );
  });
});
