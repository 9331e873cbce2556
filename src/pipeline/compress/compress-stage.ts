/**
 * The compress stage: applies the feature's compression policy to the request before it is routed and
 * sent, and reports the tokens each transform removed; settle prices them at the served model's input
 * rate (`compress.<transform>` in the savings, details in `meta.compress`). A feature without a
 * `compress` section costs one property read.
 */
import { moneyToDecimal } from '../../core/money.js';
import { TargetResolver } from '../../providers/resolve-target.js';
import { Upstreams } from '../../providers/upstream.js';
import { defineSlot } from '../slots.js';
import type { RequestContext } from '../context.js';
import { type Next, type Stage, defineStage } from '../stage.js';
import type { StageDeps } from '../stage-deps.js';
import { type CompressReport, compressRequest } from './compress-request.js';
import { createSummarizer } from './summarize.js';

/** What compression did (ledger `meta.compress`). */
export const COMPRESS = defineSlot<Record<string, unknown>>('compress');

export function createCompressStage(deps: StageDeps): Stage {
  let upstreams: Upstreams | undefined;
  const summarize = createSummarizer({
    resolver: deps.resolver ?? new TargetResolver(deps.loaded),
    upstreams: () => {
      upstreams ??= new Upstreams();
      return upstreams;
    },
    catalog: deps.catalog,
    logger: deps.logger,
    cacheSize: deps.loaded.config.compress.summaryCacheSize,
  });
  const failed = (ctx: RequestContext, next: Next, e: unknown) => {
    deps.logger.warn('compression failed; request sent unchanged', { id: ctx.id, error: e });
    ctx.slots.set(COMPRESS, { events: ['compress_failed'] });
    return next();
  };
  const apply = (ctx: RequestContext, next: Next, report: CompressReport) => {
    for (const ev of report.events) {
      deps.logger.info('compression step skipped', {
        id: ctx.id,
        feature: ctx.attribution.feature,
        event: ev,
      });
    }
    ctx.request = report.request;
    // Token counts only when a transform changed the request (compress-request.ts counts nothing otherwise).
    const meta: Record<string, unknown> =
      report.tokensBefore === null
        ? { saved: report.saved }
        : { tokensBefore: report.tokensBefore, tokensAfter: report.tokensAfter, saved: report.saved };
    if (!report.exact) meta.estimated = true;
    if (report.events.length) meta.events = report.events;
    if (report.history) {
      const { summaryCost, ...history } = report.history;
      meta.history =
        summaryCost === undefined
          ? history
          : { ...history, summaryCostUsd: summaryCost === null ? null : moneyToDecimal(summaryCost) };
    }
    if (report.context) meta.context = report.context;
    ctx.slots.set(COMPRESS, meta);
    if (report.tokensBefore !== null && report.tokensAfter !== report.tokensBefore) {
      ctx.money.compressed = {
        savedTokens: report.saved,
        ...(report.history?.summaryCost !== undefined ? { summaryCost: report.history.summaryCost } : {}),
      };
    }
    return next();
  };
  return defineStage({
    name: 'compress',
    // Not an async function: without history windowing (a model call) compression is synchronous, and the
    // stage hands `next()`'s promise on without a promise and turns of its own.
    run(ctx, next) {
      const policy = ctx.policy?.compress;
      if (!policy) return next();
      let report: ReturnType<typeof compressRequest>;
      try {
        report = compressRequest(ctx.request, policy, { model: ctx.request.model, summarize, ctx });
      } catch (e) {
        return failed(ctx, next, e);
      }
      if (report instanceof Promise)
        return report.then(
          (r) => apply(ctx, next, r),
          (e: unknown) => failed(ctx, next, e),
        );
      return apply(ctx, next, report);
    },
  });
}
