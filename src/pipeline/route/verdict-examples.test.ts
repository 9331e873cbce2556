import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CanonicalRequest } from '../../core/request.js';
import { examplesFromVerdicts, parseVerdictJsonl, verdictLabel } from './verdict-examples.js';

const req = (text: string): CanonicalRequest => ({
  dialect: 'openai',
  model: 'gpt-4o',
  system: [],
  messages: [{ role: 'user', content: [{ type: 'text', text }] }],
  stream: false,
  extra: {},
});

describe('router examples from shadow verdicts', () => {
  test('agree → 0, disagree → 1, none → no label', () => {
    assert.deepEqual(['agree', 'disagree', 'none', 'x'].map(verdictLabel), [0, 1, null, null]);
  });

  test('only model-changing tactics count; prompts come through the ledger entry; one verdict a request', () => {
    const entries: Record<string, { meta: Record<string, unknown> }> = {
      r1: { meta: { bodyHash: 'h1' } },
      r2: { meta: { bodyHash: 'h2' } },
      r3: { meta: {} },
    };
    const bodies: Record<string, CanonicalRequest> = { h1: req('easy one'), h2: req('hard one') };
    const r = examplesFromVerdicts(
      [
        { requestId: 'r1', tactic: 'route', verdict: 'agree' },
        { requestId: 'r2', tactic: 'cascade', verdict: 'disagree' },
        { requestId: 'r2', tactic: 'route', verdict: 'agree' }, // older duplicate: ignored
        { requestId: 'r3', tactic: 'route', verdict: 'disagree' }, // no stored prompt
        { requestId: 'r1', tactic: 'compress', verdict: 'disagree' }, // says nothing about the model
        { requestId: 'r4', tactic: 'route', verdict: 'none' },
      ],
      (id) => entries[id],
      (h) => bodies[h],
    );
    assert.deepEqual(
      r.examples.map((e) => [e.requestId, e.text, e.label]),
      [
        ['r1', 'easy one', 0],
        ['r2', 'hard one', 1],
      ],
    );
    assert.equal(r.verdicts, 3);
    assert.equal(r.withoutPrompt, 1);
  });

  test('a verdict JSONL file: errors name the line and the field', () => {
    const ok = parseVerdictJsonl(
      '{"prompt":"a","model":"m","verdict":"agree"}\n\n{"prompt":"b","verdict":"disagree"}\n{"prompt":"c","verdict":"none"}\n',
      'v.jsonl',
    );
    assert.deepEqual(
      ok.examples.map((e) => [e.text, e.label]),
      [
        ['a', 0],
        ['b', 1],
      ],
    );
    assert.equal(ok.skipped, 1);
    assert.throws(
      () => parseVerdictJsonl('{"prompt":"a","verdict":"yes"}', 'v.jsonl'),
      /v\.jsonl:1: verdict:/,
    );
    assert.throws(() => parseVerdictJsonl('{"verdict":"agree"}', 'v.jsonl'), /v\.jsonl:1: prompt:/);
    assert.throws(() => parseVerdictJsonl('nope', 'v.jsonl'), /v\.jsonl:1: not JSON/);
  });
});
