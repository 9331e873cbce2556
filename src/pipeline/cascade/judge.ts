/**
 * The judge check: a cheap model grades a cascade answer from 1 to 10. The reply format is strict — one
 * line `SCORE: <n>` — and anything else (prose, two numbers, an out-of-range grade, an error) fails the
 * check with what was received in `detail`. A judge that cannot be read must escalate the request, never
 * wave a bad answer through and never crash it.
 */
import type { CanonicalRequest } from '../../core/request.js';
import type { CheckResult } from './checks.js';

export const JUDGE_SYSTEM =
  'You grade answers. Read the question and the answer, then rate how correct, complete and helpful the answer is ' +
  'on a scale from 1 (useless or wrong) to 10 (fully correct). Reply with exactly one line: SCORE: <integer 1-10>. ' +
  'Do not explain.';

export function judgeRequest(
  base: Pick<CanonicalRequest, 'dialect'>,
  model: string,
  question: string,
  answer: string,
  opts: { instructions?: string | undefined; maxAnswerChars: number },
): CanonicalRequest {
  const shown =
    answer.length > opts.maxAnswerChars ? `${answer.slice(0, opts.maxAnswerChars)}\n[…truncated]` : answer;
  const text = [
    opts.instructions ? `Grading instructions: ${opts.instructions}\n` : '',
    `Question:\n${question}\n\nAnswer:\n${shown}\n\nReply with exactly one line: SCORE: <integer 1-10>`,
  ].join('');
  return {
    dialect: base.dialect,
    model,
    system: [{ type: 'text', text: JUDGE_SYSTEM }],
    messages: [{ role: 'user', content: [{ type: 'text', text }] }],
    maxTokens: 16,
    temperature: 0,
    stream: false,
    extra: {},
  };
}

const STRICT = /^\s*SCORE:\s*(\d{1,2})\s*$/i;

/** The grade in a judge's reply, or why the reply is unusable. */
export function parseJudgeScore(reply: string): { score: number } | { error: string } {
  const m = STRICT.exec(reply);
  const shown = JSON.stringify(reply.length > 80 ? `${reply.slice(0, 80)}…` : reply);
  if (!m) return { error: `judge reply is not "SCORE: <1-10>": ${shown}` };
  const score = Number(m[1]);
  if (score < 1 || score > 10) return { error: `judge score out of range: ${shown}` };
  return { score };
}

export function judgeCheck(reply: string | null, minScore: number, failure?: string): CheckResult {
  if (reply === null)
    return { name: 'judge', passed: false, detail: `judge call failed: ${failure ?? 'no answer'}` };
  const r = parseJudgeScore(reply);
  if ('error' in r) return { name: 'judge', passed: false, detail: r.error };
  return {
    name: 'judge',
    passed: r.score >= minScore,
    score: r.score,
    detail: `score ${r.score} (min ${minScore})`,
  };
}
