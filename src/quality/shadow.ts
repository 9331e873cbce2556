/**
 * Shadow evaluation. A capture stage keeps, for requests of features with a `quality` section, the
 * request as the client sent it (`ctx.original`) and the answer the client got. When the entry is settled
 * — after the answer was written — and a tactic changed that answer (its savings name route, cascade,
 * cache.semantic, compress, shape or batch), a sampled share is re-run as sent, on the requested model,
 * through a tactic-free gateway whose entries say `meta.purpose: "evaluation"` (their savings are empty,
 * so evaluation cost never counts as saved). The two answers are compared (structured agreement, see
 * cascade/answer-normalise.ts); the verdict is stored by request id, where a router trainer can read it.
 * A failed or timed-out shadow call is recorded as "no verdict", once, and never reaches the client.
 */
import { CODECS } from '../providers/codecs.js';
import type { LedgerEntry } from '../core/ledger-entry.js';
import type { CanonicalRequest, Dialect } from '../core/request.js';
import { choiceText } from '../core/response.js';
import type { Logger } from '../observability/logger.js';
import { normaliseAnswer } from '../pipeline/cascade/answer-normalise.js';
import type { ResponseSink } from '../pipeline/context.js';
import type { Gateway } from '../pipeline/gateway.js';
import { defineSlot } from '../pipeline/slots.js';
import { type Stage, defineStage } from '../pipeline/stage.js';
import type { Guardrail } from './guardrail.js';
import type { QualityFeatureConfig } from './quality-config.js';
import type { Evaluation, EvaluationStore, Verdict } from './quality-stores.js';

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
}

export const evaluationSlot = defineSlot<EvaluationMeta>('evaluation');

/** The tactic that changed an entry's answer, or null. */
export function tacticOf(entry: Pick<LedgerEntry, 'savings' | 'meta'>): string | null {
  for (const t of EVALUATED_TACTICS) if (entry.savings[t] !== undefined) return t;
  return null;
}

/** Structured agreement: the comparable forms of both answers; no form on either side is no verdict. */
export function compareAnswers(
  a: string,
  b: string,
  mode: QualityFeatureConfig['shadow']['agreement'],
): Verdict {
  const x = normaliseAnswer(a, mode);
  const y = normaliseAnswer(b, mode);
  if (x === null || y === null) return 'none';
  return x === y ? 'agree' : 'disagree';
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
    const day = Math.floor(Date.now() / 86_400_000);
    const spent = this.spentToday.get(c.feature);
    const pico = spent && spent.day === day ? spent.pico : 0n;
    if (pico >= BigInt(Math.round(c.cfg.shadow.maxUsdPerDay * 1e6)) * 1_000_000n) {
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

  private async evaluate(requestId: string, tactic: string, c: Captured): Promise<void> {
    const gateway = this.deps.evalGateway();
    if (!gateway) return;
    this.onShadowStart?.(requestId);
    const codec = CODECS[c.dialect];
    const body = codec.renderRequest(
      { ...c.original, stream: false },
      { model: c.original.model, forceStreamUsage: false },
    );
    const sink = new CaptureSink();
    const entry = await gateway.handle({
      dialect: c.dialect,
      body,
      headers: {
        'x-penny-feature': c.feature,
        'x-penny-evaluates': requestId,
        'x-penny-evaluated-tactic': tactic,
      },
      sink,
      signal: AbortSignal.timeout(c.cfg.shadow.timeoutMs),
    });
    const day = Math.floor(entry.ts / 86_400_000);
    const prev = this.spentToday.get(c.feature);
    this.spentToday.set(c.feature, {
      day,
      pico: (prev && prev.day === day ? prev.pico : 0n) + (entry.cost ?? 0n),
    });
    let verdict: Verdict = 'none';
    let error: string | null = null;
    if (entry.status === 'ok') {
      try {
        const res = codec.parseResponse(JSON.parse(sink.body), 'penny');
        const choice = res.choices[0];
        verdict = compareAnswers(c.answer, choice ? choiceText(choice) : '', c.cfg.shadow.agreement);
        if (verdict === 'none') error = 'no comparable answer';
      } catch (e) {
        error = `unreadable shadow answer: ${(e as Error).message.slice(0, 200)}`;
      }
    } else error = entry.errorClass ?? entry.status;
    const ev: Evaluation = {
      requestId,
      evaluationId: entry.id,
      ts: entry.ts,
      feature: c.feature,
      tactic,
      arm: c.arm,
      verdict,
      method: 'structured',
      score: null,
      error,
    };
    this.stats.evaluated++;
    if (verdict === 'none') this.stats.noVerdict++;
    const store = await this.deps.store();
    await store?.put(ev);
    this.deps.guardrail.observe(c.feature, tactic, verdict, c.cfg);
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
      });
      ctx.flags.push('evaluation');
      return next();
    },
  });
}
