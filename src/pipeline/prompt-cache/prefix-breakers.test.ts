import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BreakerDetector, findBreaker } from './prefix-breakers.js';

const TAIL =
  ' You are a helpful assistant for Example Corp. Always answer in English and cite the policy.'.repeat(3);

test('breakers: each kind of dynamic content is recognised', () => {
  const cases: Array<[string, string, string]> = [
    ['Now: 2025-06-01T12:00:01Z.', 'Now: 2025-06-01T12:00:09Z.', 'timestamp'],
    ['Time 09:41.', 'Time 10:02.', 'timestamp'],
    ['Today is 2025-06-01.', 'Today is 2025-06-02.', 'date'],
    ['Today is Monday.', 'Today is Tuesday.', 'date'],
    [
      'Request 3f2b1c9e-8f7a-4c1d-9e2b-7a6c5d4e3f21.',
      'Request 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d.',
      'uuid',
    ],
    ['Trace req_8f3k2j9d.', 'Trace req_1a2b3c4d.', 'request_id'],
    ['Contact alice@example.com.', 'Contact bob@example.org.', 'email'],
    ['The user is Alice Martin.', 'The user is Bob Stone.', 'user_name'],
    ['Mood: cheerful.', 'Mood: grumpy.', 'dynamic'],
  ];
  for (const [a, b, kind] of cases) {
    const r = findBreaker(a + TAIL, b + TAIL);
    assert.equal(r?.kind, kind, a);
    assert.ok(r!.charsAfter >= TAIL.length - 1 && r!.charsAfter <= TAIL.length + 1, `${r!.charsAfter}`);
    assert.ok(b.startsWith(r!.before), 'the stable text before it is shown');
  }
});

test('breakers: identical prompts, a late change and a rewrite are not breakers', () => {
  assert.equal(findBreaker(`A${TAIL}`, `A${TAIL}`), null);
  assert.equal(findBreaker(`${TAIL} Now: 12:00.`, `${TAIL} Now: 12:05.`), null, 'at the end: little to lose');
  assert.equal(
    findBreaker(
      `Version one of the prompt, long.${TAIL}`,
      `A completely different opening paragraph that keeps going on and on and on for a long while.${TAIL}`,
    ),
    null,
  );
});

test('breaker detector: compares consecutive prompts of the same feature only', () => {
  const d = new BreakerDetector();
  assert.equal(d.observe('a', `Now: 2025-06-01T12:00:01Z.${TAIL}`), null);
  assert.equal(d.observe('b', `Now: 2025-06-01T12:00:02Z.${TAIL}`), null);
  const r = d.observe('a', `Now: 2025-06-01T12:00:03Z.${TAIL}`);
  assert.equal(r?.kind, 'timestamp');
  assert.equal(r?.offset, 5);
});
