/**
 * The header form of feedback: a client rates its previous answer by sending
 * `x-penny-feedback: <request_id>;thumbs=up` with its next call. The rating is checked and stored after
 * this call's answer, off its path; a malformed header is logged and never fails the call it rides on.
 */
import type { Logger } from '../observability/logger.js';
import type { Outcome, RequestContext } from '../pipeline/context.js';
import { type Next, type Stage, defineStage } from '../pipeline/stage.js';
import { type FeedbackService, callerIdentities, parseFeedbackHeader } from './feedback.js';

export function createFeedbackHeaderStage(deps: {
  service: FeedbackService;
  logger: Logger;
  /** Tracks the background write (Quality.drain waits for it). */
  track: (p: Promise<unknown>) => void;
}): Stage {
  return defineStage({
    name: 'feedback-header',
    // Without the header, next()'s own promise: a plain function passing it on adds no microtask turns.
    run(ctx, next) {
      const raw = ctx.requestHeaders?.['x-penny-feedback'];
      const value = Array.isArray(raw) ? raw[0] : raw;
      if (!value) return next();
      return withFeedback(ctx, next, value);
    },
  });

  async function withFeedback(ctx: RequestContext, next: Next, value: string): Promise<Outcome> {
    const outcome = await next();
    const identities = callerIdentities(ctx.requestHeaders ?? {}, ctx.attribution.keyId);
    deps.track(
      (async () => {
        const input = parseFeedbackHeader(value.slice(0, 4000));
        await deps.service.submit(input, identities);
      })().catch((e: unknown) =>
        deps.logger.warn('x-penny-feedback not stored', { id: ctx.id, error: (e as Error).message }),
      ),
    );
    return outcome;
  }
}
