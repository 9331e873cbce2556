/**
 * The pipeline stage that applies the privacy policy to bodies. It wraps everything after it, so it sees
 * the request as the client sent it (`ctx.original`) and the final assembled answer. Every request gets
 * `meta.promptHash`; only a feature whose policy says `storePrompts: true` has its request and answer
 * stored (hash-addressed, `meta.bodyHash`). Failed requests store nothing: there is no answer to keep.
 */
import type { LoadedConfig } from '../config/load.js';
import type { Logger } from '../observability/logger.js';
import { defineSlot } from '../pipeline/slots.js';
import type { Outcome, RequestContext } from '../pipeline/context.js';
import { type Next, type Stage, defineStage } from '../pipeline/stage.js';
import type { BodyStore } from './body-store.js';
import { promptHash } from './prompt-hash.js';

export interface CaptureDeps {
  loaded: LoadedConfig;
  /** null when no feature stores bodies: only hashes are recorded. */
  store: BodyStore | null;
  logger: Logger;
}

/** True when any feature's policy (including `default`) turns body storage on. */
export function anyFeatureStoresPrompts(loaded: LoadedConfig): boolean {
  return Object.values(loaded.config.features).some((f) => f.storePrompts === true);
}

/** Hash of the request as sent (ledger `meta.promptHash`). */
export const PROMPT_HASH = defineSlot<string>('promptHash');
/** Address of the stored request and answer (ledger `meta.bodyHash`). */
export const BODY_HASH = defineSlot<string>('bodyHash');

export function createBodyCapture(deps: CaptureDeps): Stage {
  const { store, logger } = deps;
  return defineStage({
    name: 'store-prompts',
    // Without a body store (no feature stores prompts) nothing waits for the answer: next()'s own promise is
    // handed on, a plain function adding no microtask turn between the upstream's answer and the client's.
    run(ctx, next) {
      // Hashed when the entry is built (after the client's answer is written), not before the upstream call:
      // only the ledger reads it, and `ctx.original` is never changed by the stages.
      const original = ctx.original;
      ctx.slots.setLater(PROMPT_HASH, () => promptHash(original));
      return store === null ? next() : storeAfter(ctx, next, store);
    },
  });

  async function storeAfter(ctx: RequestContext, next: Next, store: BodyStore): Promise<Outcome> {
    const outcome = await next();
    if (outcome.status !== 'ok' || !outcome.response) return outcome;
    if (ctx.policy?.storePrompts !== true) return outcome;
    try {
      ctx.slots.set(BODY_HASH, store.put(ctx.original, outcome.response, ctx.startedAt));
    } catch (e) {
      logger.error('storing the request body failed', { id: ctx.id, error: e });
    }
    return outcome;
  }
}
