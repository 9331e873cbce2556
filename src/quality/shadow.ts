/**
 * Shadow evaluation. A capture stage keeps, for requests of features with a `quality` section, the
 * request as the client sent it (`ctx.original`) and the answer the client got. When the entry is settled
 * — after the answer was written — and a tactic changed that answer (its savings name route, cascade,
 * cache.semantic, compress, shape or batch), a sampled share is re-run as sent, on the requested model,
 * through a tactic-free gateway whose entries say `meta.evaluation.purpose: "evaluation"` (their savings
 * are empty, so evaluation cost never counts as saved). The two answers are compared — structured
 * agreement, embedding similarity, or an LLM judge whose call is an evaluation entry of its own (agreement.ts,
 * judge.ts) — and the verdict is stored by request id, where a router trainer can read it. Shadow and judge
 * calls both count against the feature's daily evaluation budget. A failed or timed-out call, or a judge
 * that answers garbage, is recorded as "no verdict", once, and never reaches the client.
 */
import { CODECS } from '../providers/codecs.js';
import type { LedgerEntry } from '../core/ledger-entry.js';
import type { CanonicalRequest, Dialect } from '../core/request.js';
import { choiceText } from '../core/response.js';
import type { Logger } from '../observability/logger.js';
import type { ResponseSink } from '../pipeline/context.js';
import type { Gateway } from '../pipeline/gateway.js';
import { defineSlot } from '../pipeline/slots.js';
import { type Stage, defineStage } from '../pipeline/stage.js';
import { type Comparison, compareEmbedding, compareStructured } from './agreement.js';
import type { Guardrail } from './guardrail.js';
import { judgeRequestBody, parseJudgeVerdict } from './judge.js';
import type { QualityFeatureConfig } from './quality-config.js';
import type { Evaluation, EvaluationStore } from './quality-stores.js';

/** Tactics whose answer may differ from the requested model's, in the order one is named. */
export const EVALUATED_TACTICS = [
  'cascade',
  'route',
  'cache.semantic',
  'compress',
  'shape',
  'batch',
] as const;

export interface EvaluationMeta {
  purpose: 'evaluation';
  /** The request this call evaluates. */
  evaluates: string;
  tactic: string;
  /** `shadow`: the request as sent; `judge`: the judge's comparison of the two answers. */
  role: 'shadow' | 'judge';
}

export const evaluationSlot = defineSlot<EvaluationMeta>('evaluation');

/** The tactic that changed an entry's answer, or null. */
export function tacticOf(entry: Pick<LedgerEntry, 'savings' | 'meta'>): string | null {
  for (const t of EVALUATED_TACTICS) if (entry.savings[t] !== undefined) return t;
  return null;
}

interface Captured {
  original: CanonicalRequest;
  dialect: Dialect;
  answer: string;
  feature: string;
  arm: string | null;
  cfg: QualityFeatureConfig;
  /** A guardrail probe: the tactic ran while shadowed; always evaluated (no sampling draw). */
  probe: boolean;
}

/** Collects a non-streamed JSON body. */
class CaptureSink implements ResponseSink {
  closed = false;
  status = 0;
  body = '';
  json(status: number, _h: Record<string, string>, body: string | Buffer): void {
    this.status = status;
    this.body = body.toString();
    this.closed = true;
  }
  startStream(status: number): void {
    this.status = status;
  }
  write(chunk: string | Buffer): void {
    this.body += chunk.toString();
  }
  end(): void {
    this.closed = true;
  }
}

const MAX_CAPTURED = 2000;

export interface ShadowDeps {
  /** A gateway with no tactic stages (only the evaluation mark); null until assembled. */
  evalGateway: () => Gateway | null;
  store: () => Promise<EvaluationStore | null>;
  guardrail: Guardrail;
  logger: Logger;
  arm: (meta: Record<string, unknown> | undefined) => string | null;
  random?: () => number;
}

export class ShadowEvaluator {
  private readonly captured = new Map<string, Captured>();
  /** Requests the guardrail let through as probes, until the capture stage picks them up. */
  private readonly probes = new Set<string>();
  private readonly spentToday = new Map<string, { day: number; pico: bigint }>();
  private readonly pending = new Set<Promise<unknown>>();
  readonly stats = { evaluated: 0, skippedBudget: 0, noVerdict: 0 };
  /** Called when a shadow call is about to start (tests assert the ordering with it). */
  onShadowStart: ((requestId: string) => void) | undefined;

  constructor(private readonly deps: ShadowDeps) {}

  /** Marks a request the guardrail let through with the tactic on, so its answer is always evaluated. */
  markProbe(requestId: string): void {
    this.probes.add(requestId);
  }

  /** The capture stage: remembers what the client sent and got, for features with a quality section. */
  stage(): Stage {
    return defineStage({
      name: 'shadow-capture',
      run: async (ctx, next) => {
        const probe = this.probes.delete(ctx.id);
        const outcome = await next();
        const cfg = ctx.policy?.quality;
        if (!cfg || cfg.shadow.sampleRate === 0 || outcome.status !== 'ok' || !outcome.response)
          return outcome;
        if (this.captured.size >= MAX_CAPTURED) return outcome;
        const choice = outcome.response.choices[0];
        this.captured.set(ctx.id, {
          original: ctx.original,
          dialect: ctx.clientDialect,
          answer: choice ? choiceText(choice) : '',
          feature: ctx.attribution.feature ?? 'default',
          arm: null,
          cfg,
          probe,
        });
        return outcome;
      },
    });
  }

  /** Settle observer: decides whether to evaluate this entry; the shadow call runs later, off the path. */
  onSettled(entry: LedgerEntry): void {
    const c = this.captured.get(entry.id);
    if (!c) return;
    this.captured.delete(entry.id);
    const tactic = tacticOf(entry);
    if (!tactic || entry.status !== 'ok') return;
    if (!c.probe && (this.deps.random ?? Math.random)() >= c.cfg.shadow.sampleRate) return;
    if (this.budgetSpent(c.feature, c.cfg)) {
      this.stats.skippedBudget++;
      return;
    }
    c.arm = this.deps.arm(entry.meta);
    const p = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.evaluate(entry.id, tactic, c))
      .catch((e: unknown) => this.deps.logger.error('shadow evaluation failed', { id: entry.id, error: e }));
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private budgetSpent(feature: string, cfg: QualityFeatureConfig, now = Date.now()): boolean {
    const day = Math.floor(now / 86_400_000);
    const spent = this.spentToday.get(feature);
    const pico = spent && spent.day === day ? spent.pico : 0n;
    return pico >= BigInt(Math.round(cfg.shadow.maxUsdPerDay * 1e6)) * 1_000_000n;
  }

  private spend(feature: string, entry: LedgerEntry): void {
    const day = Math.floor(entry.ts / 86_400_000);
    const prev = this.spentToday.get(feature);
    this.spentToday.set(feature, {
      day,
      pico: (prev && prev.day === day ? prev.pico : 0n) + (entry.cost ?? 0n),
    });
  }

  /** One evaluation call through the tactic-free gateway; its cost counts against the feature's budget. */
  private async call(
    gateway: Gateway,
    dialect: Dialect,
    body: unknown,
    c: Captured,
    requestId: string,
    tactic: string,
    role: EvaluationMeta['role'],
  ): Promise<{ entry: LedgerEntry; text: string | null; error: string | null }> {
    const sink = new CaptureSink();
    const entry = await gateway.handle({
      dialect,
      body,
      headers: {
        'x-penny-feature': c.feature,
        'x-penny-evaluates': requestId,
        'x-penny-evaluated-tactic': tactic,
        'x-penny-evaluation-role': role,
      },
      sink,
      signal: AbortSignal.timeout(c.cfg.shadow.timeoutMs),
    });
    this.spend(c.feature, entry);
    if (entry.status !== 'ok') return { entry, text: null, error: entry.errorClass ?? entry.status };
    try {
      const res = CODECS[dialect].parseResponse(JSON.parse(sink.body), 'penny');
      const choice = res.choices[0];
      return { entry, text: choice ? choiceText(choice) : '', error: null };
    } catch (e) {
      return { entry, text: null, error: `unreadable answer: ${(e as Error).message.slice(0, 200)}` };
    }
  }

  private async evaluate(requestId: string, tactic: string, c: Captured): Promise<void> {
    const gateway = this.deps.evalGateway();
    if (!gateway) return;
    this.onShadowStart?.(requestId);
    const codec = CODECS[c.dialect];
    const body = codec.renderRequest(
      { ...c.original, stream: false },
      { model: c.original.model, forceStreamUsage: false },
    );
    const shadow = await this.call(gateway, c.dialect, body, c, requestId, tactic, 'shadow');
    const agreement = c.cfg.shadow.agreement;
    let cmp: Comparison;
    if (shadow.text === null) cmp = { verdict: 'none', score: null, error: `shadow call: ${shadow.error}` };
    else if (agreement.kind === 'structured') cmp = compareStructured(c.answer, shadow.text, agreement.mode);
    else if (agreement.kind === 'embedding')
      cmp = compareEmbedding(c.answer, shadow.text, agreement.minSimilarity);
    else if (this.budgetSpent(c.feature, c.cfg)) {
      this.stats.skippedBudget++;
      cmp = { verdict: 'none', score: null, error: 'evaluation budget spent before the judge call' };
    } else {
      const judged = await this.call(
        gateway,
        'openai',
        judgeRequestBody({
          model: agreement.model,
          rubric: agreement.rubric,
          maxTokens: agreement.maxTokens,
          request: c.original,
          reference: shadow.text,
          candidate: c.answer,
        }),
        c,
        requestId,
        tactic,
        'judge',
      );
      cmp =
        judged.text === null
          ? { verdict: 'none', score: null, error: `judge call: ${judged.error}` }
          : parseJudgeVerdict(judged.text);
    }
    const ev: Evaluation = {
      requestId,
      evaluationId: shadow.entry.id,
      ts: shadow.entry.ts,
      feature: c.feature,
      tactic,
      arm: c.arm,
      verdict: cmp.verdict,
      method: agreement.kind,
      score: cmp.score,
      error: cmp.verdict === 'none' ? (cmp.error ?? 'no verdict') : null,
    };
    this.stats.evaluated++;
    if (cmp.verdict === 'none') this.stats.noVerdict++;
    const store = await this.deps.store();
    await store?.put(ev);
    this.deps.guardrail.observe(c.feature, tactic, cmp.verdict, c.cfg);
  }

  /** Resolves when every shadow evaluation started so far has finished. */
  async drain(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }
}

/** The one stage of the evaluation gateway: marks its entries `meta.evaluation.purpose = "evaluation"`. */
export function evaluationMarkStage(): Stage {
  return defineStage({
    name: 'evaluation-mark',
    run(ctx, next) {
      const h = ctx.requestHeaders ?? {};
      const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
      ctx.slots.set(evaluationSlot, {
        purpose: 'evaluation',
        evaluates: one(h['x-penny-evaluates']),
        tactic: one(h['x-penny-evaluated-tactic']),
        role: one(h['x-penny-evaluation-role']) === 'judge' ? 'judge' : 'shadow',
      });
      ctx.flags.push('evaluation');
      return next();
    },
  });
}
