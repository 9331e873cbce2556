/**
 * The micro-batch stage: for a feature with a `batch` section, an eligible request waits (at most
 * `maxWaitMs`) to share one upstream call with others of its group (collector.ts), and is answered with its
 * own part of the combined answer in its own dialect — a proper stream when it asked to stream. It reports
 * its share of the call as a `batchShare` fact (settle prices it) and what happened in `meta.batch`.
 * Items the combined answer did not serve are sent again on their own through the rest of the pipeline.
 */
import { moneyToDecimal } from '../../core/money.js';
import type { CanonicalResponse } from '../../core/response.js';
import { type Check, compileCheck } from '../../pipeline/cascade/checks.js';
import type { FeatureConfig } from '../../config/schema.js';
import type { Outcome, RequestContext } from '../../pipeline/context.js';
import { answerWith } from '../../pipeline/execute/answer.js';
import { defineSlot } from '../../pipeline/slots.js';
import { type Stage, defineStage } from '../../pipeline/stage.js';
import type { StageDeps } from '../../pipeline/stage-deps.js';
import { TargetResolver } from '../../providers/resolve-target.js';
import { Upstreams } from '../../providers/upstream.js';
import { BatchCollector } from './collector.js';
import { ineligible } from './eligibility.js';

/** What micro-batching did for a request (ledger `meta.batch`). */
export interface BatchMeta {
  status: 'answered' | 'retried' | 'alone' | 'skipped';
  reason?: string;
  /** The shared call (no ledger entry of its own: its cost is split over its items' entries). */
  callId?: string;
  size?: number;
  index?: number;
  waitedMs?: number;
  /** The item's share of the shared call, USD (set at settle). */
  shareUsd?: string | null;
}

export const BATCH = defineSlot<BatchMeta>('batch', {
  onSettle: (m, s) => {
    if (m.callId !== undefined) m.shareUsd = s.cost === null ? null : moneyToDecimal(s.cost);
  },
});

export function createBatchStage(deps: StageDeps): Stage {
  let own: Upstreams | undefined;
  const checks = new Map<FeatureConfig, Check[]>();
  const collector = new BatchCollector({
    resolver: deps.resolver ?? new TargetResolver(deps.loaded),
    // The gateway's upstreams (its circuit breakers); a pool of its own only when none is given (tests).
    upstreams: () => {
      const shared = deps.upstreams?.();
      if (shared) return shared;
      own ??= new Upstreams();
      return own;
    },
    logger: deps.logger,
    checksFor: (ctx) => {
      const p = ctx.policy;
      if (!p?.cascade) return [];
      let list = checks.get(p);
      if (!list) {
        const first = p.cascade.models[0];
        const specs = (typeof first === 'object' && first.checks) || p.cascade.checks;
        // `agreement` needs a second answer, which a batch does not have.
        list = specs
          .filter((s) => s.type !== 'agreement')
          .map((s, k) =>
            compileCheck(
              s.type === 'jsonSchema' ? { type: 'jsonSchema', schema: s.schema } : s,
              `cascade.checks[${k}]`,
            ),
          );
        checks.set(p, list);
      }
      return list;
    },
  });
  return defineStage({
    name: 'batch',
    async run(ctx, next) {
      const policy = ctx.policy?.batch;
      if (!policy) return next();
      // A request deferred to the Batch API is not micro-batched (the defer stage after this one takes it).
      const defer = ctx.requestHeaders?.['x-penny-defer'];
      if (defer === 'batch' || (ctx.policy?.defer === 'batch' && defer !== 'none')) return next();
      const why = ineligible(ctx.request);
      if (why) {
        ctx.slots.set(BATCH, { status: 'skipped', reason: why });
        return next();
      }
      const r = await collector.join(ctx, policy);
      if (r.kind === 'refused') {
        ctx.slots.set(BATCH, { status: 'skipped', reason: 'budget' });
        throw r.error;
      }
      if (r.kind === 'alone') {
        ctx.slots.set(BATCH, { status: 'alone', reason: r.reason });
        return next();
      }
      ctx.headers['x-penny-batch'] = r.share.callId;
      const meta: BatchMeta = {
        status: r.kind === 'answered' ? 'answered' : 'retried',
        callId: r.share.callId,
        size: r.size,
        index: r.share.index,
        waitedMs: r.waitedMs,
      };
      if (r.kind === 'retry') meta.reason = r.reason;
      ctx.slots.set(BATCH, meta);
      if (r.kind === 'retry') {
        const share = { ...r.share };
        ctx.money.batchShare = share;
        const outcome = await next();
        // Baseline: the item alone — which is what the retry was — on the model asked for.
        if (outcome.usage && outcome.status === 'ok') share.alone = outcome.usage;
        return outcome;
      }
      ctx.money.batchShare = r.share;
      return answerItem(ctx, r);
    },
    close: () => collector.close().then(() => own?.close()),
  });
}

function answerItem(
  ctx: RequestContext,
  r: Extract<Awaited<ReturnType<BatchCollector['join']>>, { kind: 'answered' }>,
): Outcome {
  const response: CanonicalResponse = {
    id: `${ctx.clientDialect === 'anthropic' ? 'msg' : 'chatcmpl'}-${ctx.id}`,
    model: r.servedModel,
    created: Math.floor(Date.now() / 1000),
    choices: [
      {
        index: 0,
        content: [{ type: 'text', text: r.text }],
        finish: { unified: 'stop', raw: null },
      },
    ],
    usage: r.usage,
  };
  ctx.headers['x-penny-provider'] = r.provider;
  const outcome = answerWith(ctx, response, {
    provider: r.provider,
    servedModel: r.servedModel,
    simulated: false,
  });
  outcome.usage = r.usage;
  return outcome;
}
