import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CanonicalRequest } from '../core/request.js';
import { JUDGE_INSTRUCTIONS, judgeRequestBody, parseJudgeVerdict, transcriptOf } from './judge.js';

test('the judge verdict is read strictly: the verdict object or no verdict, never agreement by default', () => {
  assert.deepEqual(parseJudgeVerdict('{"verdict":"agree"}'), { verdict: 'agree', score: null, error: null });
  assert.deepEqual(parseJudgeVerdict(' {"verdict": "disagree", "score": 0.2}\n'), {
    verdict: 'disagree',
    score: 0.2,
    error: null,
  });
  assert.equal(parseJudgeVerdict('```json\n{"verdict":"agree","score":1}\n```').verdict, 'agree');
  for (const garbage of [
    'agree',
    'Yes, they agree.',
    'The answers agree. {"verdict":"agree"}',
    '{"verdict":"agree"} because both say 42',
    '{"verdict":"AGREE"}',
    '{"verdict":"maybe"}',
    '{"verdict":true}',
    '{"score":1}',
    '{"verdict":"agree","score":1.5}',
    '{"verdict":"agree","score":"high"}',
    '{"verdict":"agree","reason":"same"}',
    '["agree"]',
    '{"verdict":"agree"',
    '',
  ]) {
    const r = parseJudgeVerdict(garbage);
    assert.equal(r.verdict, 'none', garbage);
    assert.equal(r.score, null);
    assert.match(r.error ?? '', /^judge: /, garbage);
  }
});

test('the judge prompt holds the request, both answers, the rubric and the strict format', () => {
  const request: CanonicalRequest = {
    dialect: 'openai',
    model: 'gpt-4o',
    system: [{ type: 'text', text: 'Answer with a number.' }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'What is 6 × 7?' }] }],
  } as CanonicalRequest;
  assert.equal(transcriptOf(request), 'system: Answer with a number.\n\nuser: What is 6 × 7?');
  const body = judgeRequestBody({
    model: 'judge-model',
    rubric: 'Only the final number matters.',
    maxTokens: 50,
    request,
    reference: '42',
    candidate: 'It is 41.',
  }) as {
    model: string;
    max_tokens: number;
    temperature: number;
    messages: { role: string; content: string }[];
  };
  assert.equal(body.model, 'judge-model');
  assert.equal(body.max_tokens, 50);
  assert.equal(body.temperature, 0);
  assert.equal(body.messages[0]?.role, 'system');
  assert.ok(body.messages[0]?.content.startsWith(JUDGE_INSTRUCTIONS));
  assert.match(body.messages[0]?.content ?? '', /Rubric:\nOnly the final number matters\.$/);
  assert.match(
    body.messages[1]?.content ?? '',
    /<request>\nsystem: Answer with a number\.\n\nuser: What is 6 × 7\?\n<\/request>/,
  );
  assert.match(body.messages[1]?.content ?? '', /<reference_answer>\n42\n<\/reference_answer>/);
  assert.match(body.messages[1]?.content ?? '', /<candidate_answer>\nIt is 41\.\n<\/candidate_answer>/);
  // Long texts are bounded: the transcript keeps its end, the answers their start.
  const long = judgeRequestBody({
    model: 'm',
    maxTokens: 20,
    request: {
      ...request,
      messages: [{ role: 'user', content: [{ type: 'text', text: `${'x'.repeat(50_000)}END` }] }],
    },
    reference: `START${'y'.repeat(50_000)}`,
    candidate: 'c',
  }) as { messages: { content: string }[] };
  const u = long.messages[1]?.content ?? '';
  assert.ok(u.length < 25_000);
  assert.match(u, /END\n<\/request>/);
  assert.match(u, /<reference_answer>\nSTART/);
  assert.equal(long.messages[0]?.content, JUDGE_INSTRUCTIONS, 'no rubric, no rubric section');
});
