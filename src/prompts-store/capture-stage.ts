/**
 * The pipeline stage that applies the privacy policy to bodies. It wraps everything after it, so it sees
 * the request as the client sent it (`ctx.original`) and the final assembled answer. Every request gets
 * `meta.promptHash`; only a feature whose policy says `storePrompts: true` has its request and answer
 * stored (hash-addressed, `meta.bodyHash`). Failed requests store nothing: there is no answer to keep.
 */
import type { LoadedConfig } from '../config/load.js';
import type { Logger } from '../observability/logger.js';
import type { Stage } from '../pipeline/context.js';
import { featurePolicy } from '../pipeline/stages.js';
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

export function createBodyCapture(deps: CaptureDeps): Stage {
  const { loaded, store, logger } = deps;
  return {
    name: 'store-prompts',
    async run(ctx, next) {
      ctx.meta.promptHash = promptHash(ctx.original);
      const outcome = await next();
      if (!store || outcome.status !== 'ok' || !outcome.response) return outcome;
      if (featurePolicy(loaded, ctx.attribution.feature)?.storePrompts !== true) return outcome;
      try {
        ctx.meta.bodyHash = store.put(ctx.original, outcome.response, ctx.startedAt);
      } catch (e) {
        logger.error('storing the request body failed', { id: ctx.id, error: e });
      }
      return outcome;
    },
  };
}
