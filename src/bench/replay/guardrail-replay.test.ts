import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type GuardedRequest, replayGuardrail } from './guardrail-replay.js';

const req = (verdict: GuardedRequest['verdict']): GuardedRequest => ({
  costCheap: 1n,
  costStrong: 10n,
  qCheap: verdict === 'agree' ? 1 : 0,
  qStrong: 1,
  verdict,
});

test('guardrail replay: every request evaluated, all disagree → trips at minSamples, then serves strong', () => {
  const data = Array.from({ length: 20 }, () => req('disagree'));
  const r = replayGuardrail(data, {
    seed: 1,
    quality: { shadow: { sampleRate: 1 }, minSamples: 5, floor: 0.5 },
  });
  assert.equal(r.trippedAtRequest, 5);
  assert.equal(r.trippedAtVerdicts, 5);
  assert.equal(r.trip?.lower, 0);
  assert.deepEqual(
    { n: r.before.requests, cost: r.before.cost, shadow: r.before.shadowCost, base: r.before.baselineCost },
    { n: 5, cost: 5n, shadow: 50n, base: 50n },
  );
  assert.equal(r.before.quality, 0);
  // Shadowed: every client gets the strong model; each request is also run with the tactic (sampleRate 1).
  assert.deepEqual(
    {
      n: r.after.requests,
      cheap: r.after.cheapServed,
      runs: r.after.tacticRuns,
      quality: r.after.quality,
      cost: r.after.cost,
      shadow: r.after.shadowCost,
    },
    { n: 15, cheap: 0, runs: 15, quality: 15, cost: 150n, shadow: 15n },
  );
});

test('guardrail replay: agreeing answers never trip; no-verdict answers are not evidence', () => {
  const data = [
    ...Array.from({ length: 50 }, () => req('agree')),
    ...Array.from({ length: 50 }, () => req('none')),
  ];
  const r = replayGuardrail(data, {
    seed: 7,
    quality: { shadow: { sampleRate: 1 }, minSamples: 5, floor: 0.5 },
  });
  assert.equal(r.trip, null);
  assert.equal(r.evaluated, 100);
  assert.equal(r.noVerdict, 50);
  assert.equal(r.before.requests, 100);
  assert.equal(r.before.cost, 100n);
  assert.equal(r.after.requests, 0);
});
