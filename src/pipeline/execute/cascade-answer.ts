/**
 * What a cascade's checks read from a step's answer: its text (or, for an answer that only calls tools,
 * the calls' arguments) and the token log-probabilities when the provider sent them; and the checks run so
 * that one that throws fails instead of failing the request.
 */
import { type CanonicalResponse, type Choice, choiceText } from '../../core/response.js';
import type { CandidateAnswer, Check, CheckContext, CheckResult, TokenLogprob } from '../cascade/checks.js';
import { parseLogprobs } from '../../providers/openai/parse-logprobs.js';
import type { Outcome } from '../context.js';

/** Runs every check; a check that throws fails (and says so) instead of failing the request. */
export function runChecksSafely(
  answer: CandidateAnswer,
  checks: readonly Check[],
  ctx: CheckContext,
): CheckResult[] {
  return checks.map((c) => {
    try {
      return c.run(answer, ctx);
    } catch (e) {
      return { name: c.name, passed: false, detail: `check threw: ${(e as Error).message}` };
    }
  });
}

/** OpenAI's `logprobs.content[]` as token log-probabilities (the OpenAI provider module's parser). */
export const tokenLogprobs: (v: unknown) => TokenLogprob[] | null = parseLogprobs;

/** What the checks read: the answer's text, or for an answer that is only tool calls, their arguments. */
export function answerText(choice: Choice): string {
  const text = choiceText(choice);
  if (text.trim() !== '') return text;
  const calls = choice.content.filter((p) => p.type === 'tool_call');
  if (calls.length === 1) return calls[0]!.arguments;
  return calls.length ? JSON.stringify(calls.map((c) => ({ name: c.name, arguments: c.arguments }))) : text;
}

/** The candidate answer of a successful call, else null. */
export function answerOf(outcome: Outcome | undefined): CandidateAnswer | null {
  const r = outcome?.status === 'ok' ? outcome.response : null;
  const choice = r?.choices[0];
  if (!choice) return null;
  return { text: answerText(choice), logprobs: tokenLogprobs(choice.logprobs) };
}

/** The response without the log-probabilities Penny asked for on the client's behalf. */
export function withoutLogprobs(r: CanonicalResponse): CanonicalResponse {
  return { ...r, choices: r.choices.map(({ logprobs: _drop, ...c }) => c) };
}
