/**
 * The compress stage: applies the feature's compression policy to the request before it is routed and
 * sent, and once the outcome is known prices the tokens it saved at the served model's input rate
 * (`compress.<transform>` in the savings, details in `meta.compress`). A feature without a `compress`
 * section costs one map lookup.
 */
import { type Money, moneyToDecimal } from '../../core/money.js';
import { TargetResolver } from '../../providers/resolve-target.js';
import { Upstreams } from '../../providers/upstream.js';
import type { Stage } from '../context.js';
import { type StageDeps, featurePolicy } from '../stages.js';
import { compressRequest } from './compress-request.js';
import { servedPrice, settleBaseline, tokensMoney } from './savings.js';
import { createSummarizer } from './summarize.js';

export function createCompressStage(deps: StageDeps): Stage {
  let upstreams: Upstreams | undefined;
  const summarize = createSummarizer({
    resolver: new TargetResolver(deps.loaded),
    upstreams: () => {
      upstreams ??= new Upstreams();
      return upstreams;
    },
    catalog: deps.catalog,
    logger: deps.logger,
    cacheSize: deps.loaded.config.compress.summaryCacheSize,
  });
  return {
    name: 'compress',
    async run(ctx, next) {
      const policy = featurePolicy(deps.loaded, ctx.attribution.feature)?.compress;
      if (!policy) return next();
      let report: Awaited<ReturnType<typeof compressRequest>>;
      try {
        report = await compressRequest(ctx.request, policy, { model: ctx.request.model, summarize, ctx });
      } catch (e) {
        deps.logger.warn('compression failed; request sent unchanged', { id: ctx.id, error: e });
        ctx.meta.compress = { events: ['compress_failed'] };
        return next();
      }
      for (const ev of report.events) {
        deps.logger.info('compression step skipped', {
          id: ctx.id,
          feature: ctx.attribution.feature,
          event: ev,
        });
      }
      ctx.request = report.request;
      const meta: Record<string, unknown> = {
        tokensBefore: report.tokensBefore,
        tokensAfter: report.tokensAfter,
        saved: report.saved,
      };
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
      ctx.meta.compress = meta;

      const outcome = await next();
      if (!outcome.usage || report.tokensAfter === report.tokensBefore) return outcome;
      const rate = servedPrice(ctx, outcome, deps.catalog)?.input;
      if (rate === undefined) return outcome;
      for (const [name, tokens] of Object.entries(report.saved)) {
        let money: Money = tokensMoney(tokens, rate);
        // A new summary is a saving only net of what the summary call cost.
        if (name === 'history' && typeof report.history?.summaryCost === 'bigint')
          money -= report.history.summaryCost;
        ctx.savings[`compress.${name}`] = (ctx.savings[`compress.${name}`] ?? 0n) + money;
      }
      settleBaseline(ctx, outcome, deps.catalog);
      return outcome;
    },
  };
}
