/**
 * The stage contract. A stage does one job around the rest of the pipeline: it may change the request,
 * answer on its own (a cache hit, a shortcut) or call `next()` exactly once and look at the outcome.
 * Stages never compute money: they report facts (`ctx.money`) that settle prices, and what they decided
 * in typed slots (`ctx.slots`) that settle writes to the ledger entry's `meta`.
 *
 *   export const myStage = (deps: StageDeps) =>
 *     defineStage({ name: 'my-stage', async run(ctx, next) { …; const outcome = await next(); …; return outcome; } });
 *
 * `compose` chains stages in order (in the spirit of hono's and koa's compose): a stage that calls
 * `next()` a second time gets a rejected promise instead of a second upstream call.
 */
import { PennyError } from '../core/errors.js';
import type { Outcome, RequestContext } from './context.js';

/** Runs the rest of the pipeline (later stages, then execution) and resolves with its outcome. */
export type Next = () => Promise<Outcome>;

/** A pipeline stage: does its one job around the rest of the pipeline (`next`). */
export interface Stage {
  readonly name: string;
  run(ctx: RequestContext, next: Next): Promise<Outcome>;
  /** Releases what the stage holds (store connections, files); called when the gateway closes. */
  close?(): Promise<void>;
}

/** Checks and freezes a stage definition; the one way a stage is written (classes implement `Stage`). */
export function defineStage(def: Stage): Stage {
  if (!/^[a-z][a-z0-9-]*$/.test(def.name))
    throw new TypeError(`stage name must be lower-case words joined by "-": ${JSON.stringify(def.name)}`);
  if (typeof def.run !== 'function') throw new TypeError(`stage "${def.name}" has no run function`);
  return Object.freeze({ ...def });
}

/** The stages as one function of a request and the final step (execution). */
export type Composed = (ctx: RequestContext, last: Next) => Promise<Outcome>;

export function compose(stages: readonly Stage[]): Composed {
  const list = [...stages];
  return (ctx, last) => {
    let reached = -1;
    const dispatch = (i: number): Promise<Outcome> => {
      if (i <= reached) {
        const name = list[i - 1]?.name ?? '?';
        return Promise.reject(
          new PennyError('internal', `pipeline stage "${name}" called next() more than once`),
        );
      }
      reached = i;
      const stage = list[i];
      if (!stage) return last();
      try {
        return stage.run(ctx, () => dispatch(i + 1));
      } catch (e) {
        return Promise.reject(e);
      }
    };
    return dispatch(0);
  };
}
