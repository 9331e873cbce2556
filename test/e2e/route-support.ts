/**
 * Shared by the difficulty-router end-to-end tests (route-dual, route-anchored, route-subject-prior): a
 * gateway whose feature `tutor` routes between gpt-4o-mini and gpt-4o by a trained model file, and one
 * prompt sent through the official OpenAI client with what the router did checked on the way.
 */
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import { type RouterModel, predict } from '../../src/pipeline/route/classifier.js';
import { type Harness, startHarness } from './harness.js';

/** `penny serve` (the harness) with feature `tutor` routed by `modelFile` at `threshold`, and its client. */
export async function startRoutedTutor(
  modelFile: string,
  threshold: number,
): Promise<{ h: Harness; openai: OpenAI }> {
  const h = await startHarness({
    config: {
      features: {
        tutor: { route: { router: modelFile, threshold, cheap: 'gpt-4o-mini', strong: 'gpt-4o' } },
      },
    },
  });
  return { h, openai: new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 }) };
}

/**
 * Sends `content` to feature `tutor` and returns the model the upstream was asked for, after checking that
 * there was exactly one upstream call and that the ledger entry's route is the router's, with the score the
 * model file gives this prompt.
 */
export async function routedModel(
  h: Harness,
  openai: OpenAI,
  model: RouterModel,
  content: string,
): Promise<string> {
  h.fake.reset();
  const { response } = await openai.chat.completions
    .create(
      { model: 'gpt-4o', messages: [{ role: 'user', content }] },
      { headers: { 'x-penny-feature': 'tutor' } },
    )
    .withResponse();
  const sent = h.fake.requests.map((r) => (r.body as { model?: string }).model);
  assert.equal(sent.length, 1);
  const id = response.headers.get('x-penny-request-id');
  const e = (await h.entries()).find((x) => x.id === id) as LedgerEntry;
  const route = e.meta?.route as { rule: string; score: number };
  assert.equal(route.rule, 'router');
  assert.equal(route.score, Math.round(predict(model, content) * 1e4) / 1e4);
  return sent[0]!;
}
