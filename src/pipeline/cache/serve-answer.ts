/**
 * Answers a request with a complete canonical response that did not come from this request's own
 * upstream call (a cache hit, a shared in-flight answer): rendered in the client's dialect, as a proper
 * SSE stream when the client asked to stream (usage included when the client asked for it). The outcome
 * carries zero usage — nothing was consumed for this request — while the body keeps the original usage.
 */
import type { CanonicalResponse } from '../../core/response.js';
import { emptyUsage } from '../../core/usage.js';
import type { Outcome, RequestContext } from '../context.js';
import { answerWith } from '../execute/answer.js';

export interface AnswerSource {
  provider: string | null;
  servedModel: string | null;
  simulated: boolean;
}

export function serveAnswer(ctx: RequestContext, response: CanonicalResponse, src: AnswerSource): Outcome {
  if (src.simulated) ctx.headers['x-penny-simulated'] = 'true';
  if (src.provider) ctx.headers['x-penny-provider'] = src.provider;
  const outcome = answerWith(ctx, response, src);
  outcome.usage = emptyUsage();
  return outcome;
}
