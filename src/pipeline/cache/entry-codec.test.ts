import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CachedAnswer, decodeAnswer, encodeAnswer } from './entry-codec.js';

const usage = {
  inputUncached: 10,
  cacheRead: 0,
  cacheWrite5m: 0,
  cacheWrite1h: 0,
  outputText: 3,
  reasoning: 0,
};
const answer: CachedAnswer = {
  key: 'k1',
  storedAt: 1000,
  expiresAt: 5000,
  provider: 'openai',
  servedModel: 'gpt-4o-mini',
  simulated: false,
  response: {
    id: 'chatcmpl-1',
    model: 'gpt-4o-mini',
    created: 1,
    usage,
    choices: [
      { index: 0, content: [{ type: 'text', text: 'Hello é 😀' }], finish: { unified: 'stop', raw: 'stop' } },
    ],
  },
};

test('entry codec: round trip', () => {
  const d = decodeAnswer(encodeAnswer(answer), 'k1', 2000);
  assert.deepEqual(d, { ok: true, answer });
});

test('entry codec: anything damaged, foreign or stale is refused with a reason', () => {
  const text = encodeAnswer(answer);
  const cases: Array<[string, string, string, number]> = [
    ['other version', text.replace(/^P1/, 'P9'), 'unknown version', 2000],
    ['tampered answer', text.replace('Hello', 'Hellx'), 'checksum mismatch', 2000],
    ['truncated', text.slice(0, text.length - 5), 'checksum mismatch', 2000],
    ['no checksum', 'P1 ', 'truncated', 2000],
    ['another key', text, 'stored under another key', 2000],
    ['expired', text, 'expired', 5000],
  ];
  for (const [label, t, reason, now] of cases) {
    const d = decodeAnswer(t, label === 'another key' ? 'k2' : 'k1', now);
    assert.deepEqual(d, { ok: false, reason }, label);
  }
});

test('entry codec: a well-formed entry that is not a complete response is refused', () => {
  const bad = { ...answer, response: { ...answer.response, choices: [] } };
  assert.deepEqual(decodeAnswer(encodeAnswer(bad), 'k1', 2000), {
    ok: false,
    reason: 'not a complete response',
  });
  const noUsage = { ...answer, response: { ...answer.response, usage: null } };
  assert.equal(decodeAnswer(encodeAnswer(noUsage), 'k1', 2000).ok, false);
});
