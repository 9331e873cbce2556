/**
 * Shadow evaluation. A capture stage keeps, for requests of features with a `quality` section, the
 * request as the client sent it (`ctx.original`) and the answer the client got. When the entry is settled
 * — after the answer was written — and a tactic changed that answer (its savings name route, cascade,
 * cache.semantic, compress, shape or batch), a sampled share is re-run as sent, on the requested model,
 * through a tactic-free gateway whose entries say `meta.evaluation.purpose: "evaluation"` (settle gives
 * them no savings, so evaluation cost never counts as saved). While the guardrail keeps a tactic in shadow
 * mode the roles turn round: the client is served without it, and a sampled share is run again off the
 * path *with* the feature's full policy (a "tactic run" through a gateway holding the tactic stages), whose
 * answer is compared with the one the client got. The two answers are compared — structured agreement,
 * embedding similarity, or an LLM judge whose call is an evaluation entry of its own (agreement.ts,
 * judge.ts) — and the verdict is stored by request id, where a router trainer can read it. Every evaluation
 * call counts against the feature's daily evaluation budget. A failed or timed-out call, or a judge that
 * answers garbage, is recorded as "no verdict", once, and never reaches the client.
 */
import type { FeatureConfig } from '../config/schema.js';
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
  /**
   * `shadow`: the request as sent; `judge`: the judge's comparison of two answers; `tactic`: the request
   * with the feature's full policy while a tactic is in shadow mode.
   */
  role: 'shadow' | 'judge' | 'tactic';
  /** The tactics that changed this call's answer (what they would have saved is not a saving). */
  tactics?: string[];
}

export const evaluationSlot = defineSlot<EvaluationMeta>('evaluation', {
  onSettle(v, s) {
    const t = tacticsIn(Object.keys(s.excludedSavings ?? {}));
    if (t.length) v.tactics = t;
  },
});

/** The evaluated tactics named by savings keys (`compress.history` is `compress`), in EVALUATED_TACTICS order. */
export function tacticsIn(keys: readonly string[]): string[] {
  return EVALUATED_TACTICS.filter((t) => keys.some((k) => k === t || k.startsWith(`${t}.`)));
}

/** The tactic that changed an entry's answer, or null. */
export function tacticOf(entry: Pick<LedgerEntry, 'savings' | 'meta'>): string | null {
  return tacticsIn(Object.keys(entry.savings))[0] ?? null;
}

interface Captured {
  original: CanonicalRequest;
  dialect: Dialect;
  answer: string;
  feature: string;
  arm: string | null;
  cfg: QualityFeatureConfig;
  /** Set while tactics are in shadow mode and this request was sampled: the policy to run them with. */
  run: TacticRun | null;
}

interface TacticRun {
  /** The policy the request would have had (with the shadowed tactics). */
  policy: FeatureConfig;
  /** The tactics in shadow mode. */
  tactics: readonly string[];
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
  /** A gateway with the evaluation mark and the tactic stages (tactic runs); null until assembled. */
  tacticGateway: () => Gateway | null;
  store: () => Promise<EvaluationStore | null>;
  guardrail: Guardrail;
  logger: Logger;
  arm: (meta: Record<string, unknown> | undefined) => string | null;
  random?: () => number;
}

export class ShadowEvaluator {
  private readonly captured = new Map<string, Captured>();
  /** Requests sampled for a tactic run while tactics are shadowed, until the capture stage picks them up. */
  private readonly runs = new Map<string, TacticRun>();
  /** The policy of each tactic run in flight, by the evaluated request's id (read by the evaluation mark). */
  private readonly runPolicies = new Map<string, FeatureConfig>();
  private readonly spentToday = new Map<string, { day: number; pico: bigint }>();
  private readonly pending = new Set<Promise<unknown>>();
  readonly stats = { evaluated: 0, skippedBudget: 0, noVerdict: 0, tacticRuns: 0, unchanged: 0 };
  /** Called when a shadow call is about to start (tests assert the ordering with it). */
  onShadowStart: ((requestId: string) => void) | undefined;

  constructor(private readonly deps: ShadowDeps) {}

  /**
   * Marks a request served without its shadowed tactics for a tactic run: after its answer, the request is
   * run again with `policy` off the path, and that answer is compared with the client's.
   */
  markTacticRun(requestId: string, policy: FeatureConfig, tactics: readonly string[]): void {
    if (this.runs.size < MAX_CAPTURED) this.runs.set(requestId, { policy, tactics });
  }

  /** The policy of a tactic run in flight for this request (the evaluation mark stage asks). */
  policyFor(requestId: string): FeatureConfig | undefined {
    return this.runPolicies.get(requestId);
  }

  /** The capture stage: remembers what the client sent and got, for features with a quality section. */
  stage(): Stage {
    return defineStage({
      name: 'shadow-capture',
      run: async (ctx, next) => {
        const run = this.runs.get(ctx.id) ?? null;
        if (run) this.runs.delete(ctx.id);
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
          run,
        });
        return outcome;
      },
    });
  }

  /** Settle observer: decides whether to evaluate this entry; the evaluation runs later, off the path. */
  onSettled(entry: LedgerEntry): void {
    const c = this.captured.get(entry.id);
    if (!c) return;
    this.captured.delete(entry.id);
    if (entry.status !== 'ok') return;
    let work: () => Promise<void>;
    if (c.run) {
      // Sampled at the guardrail stage already: the client got the answer without the shadowed tactics.
      const run = c.run;
      work = () => this.evaluateTacticRun(entry.id, c, run);
    } else {
      const tactic = tacticOf(entry);
      if (!tactic) return;
      if ((this.deps.random ?? Math.random)() >= c.cfg.shadow.sampleRate) return;
      work = () => this.evaluate(entry.id, tactic, c);
    }
    if (this.budgetSpent(c.feature, c.cfg)) {
      this.stats.skippedBudget++;
      return;
    }
    c.arm = this.deps.arm(entry.meta);
    const p = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
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
    extraHeaders: Record<string, string> = {},
  ): Promise<{ entry: LedgerEntry; text: string | null; error: string | null }> {
    const sink = new CaptureSink();
    const entry = await gateway.handle({
      dialect,
      body,
      headers: {
        ...extraHeaders,
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

  private body(c: Captured): unknown {
    return CODECS[c.dialect].renderRequest(
      { ...c.original, stream: false },
      { model: c.original.model, forceStreamUsage: false },
    );
  }

  /** Compares the candidate (the tactic's answer) with the reference (the answer without it). */
  private async compare(
    gateway: Gateway,
    c: Captured,
    requestId: string,
    tactic: string,
    reference: string,
    candidate: string,
  ): Promise<Comparison> {
    const agreement = c.cfg.shadow.agreement;
    if (agreement.kind === 'structured') return compareStructured(candidate, reference, agreement.mode);
    if (agreement.kind === 'embedding')
      return compareEmbedding(candidate, reference, agreement.minSimilarity);
    if (this.budgetSpent(c.feature, c.cfg)) {
      this.stats.skippedBudget++;
      return { verdict: 'none', score: null, error: 'evaluation budget spent before the judge call' };
    }
    const judged = await this.call(
      gateway,
      'openai',
      judgeRequestBody({
        model: agreement.model,
        rubric: agreement.rubric,
        maxTokens: agreement.maxTokens,
        request: c.original,
        reference,
        candidate,
      }),
      c,
      requestId,
      tactic,
      'judge',
    );
    return judged.text === null
      ? { verdict: 'none', score: null, error: `judge call: ${judged.error}` }
      : parseJudgeVerdict(judged.text);
  }

  private async record(c: Captured, ev: Evaluation): Promise<void> {
    this.stats.evaluated++;
    if (ev.verdict === 'none') this.stats.noVerdict++;
    const store = await this.deps.store();
    await store?.put(ev);
    this.deps.guardrail.observe(c.feature, ev.tactic, ev.verdict, c.cfg);
  }

  /** Active tactic: the client got the tactic's answer; the request as sent is the reference. */
  private async evaluate(requestId: string, tactic: string, c: Captured): Promise<void> {
    const gateway = this.deps.evalGateway();
    if (!gateway) return;
    this.onShadowStart?.(requestId);
    const shadow = await this.call(gateway, c.dialect, this.body(c), c, requestId, tactic, 'shadow');
    const cmp: Comparison =
      shadow.text === null
        ? { verdict: 'none', score: null, error: `shadow call: ${shadow.error}` }
        : await this.compare(gateway, c, requestId, tactic, shadow.text, c.answer);
    await this.record(c, {
      requestId,
      evaluationId: shadow.entry.id,
      ts: shadow.entry.ts,
      feature: c.feature,
      tactic,
      arm: c.arm,
      verdict: cmp.verdict,
      method: c.cfg.shadow.agreement.kind,
      score: cmp.score,
      error: cmp.verdict === 'none' ? (cmp.error ?? 'no verdict') : null,
    });
  }

  /**
   * Shadowed tactic: the client got the answer without it, which is the reference; the tactic's answer
   * comes from running the request again with the full policy. A run the shadowed tactics did not change
   * (a route rule that did not match …) is no evidence and records nothing.
   */
  private async evaluateTacticRun(requestId: string, c: Captured, run: TacticRun): Promise<void> {
    const tacticGateway = this.deps.tacticGateway();
    const evalGateway = this.deps.evalGateway();
    if (!tacticGateway || !evalGateway) return;
    this.onShadowStart?.(requestId);
    this.stats.tacticRuns++;
    this.runPolicies.set(requestId, run.policy);
    let res: Awaited<ReturnType<ShadowEvaluator['call']>>;
    try {
      res = await this.call(
        tacticGateway,
        c.dialect,
        this.body(c),
        c,
        requestId,
        run.tactics.join(','),
        'tactic',
        // The response cache is neither read nor written by a run (a shadowed tactic's answer must never be
        // served from it), unless the cache's semantic matching is the tactic being evaluated.
        run.tactics.includes('cache.semantic') ? {} : { 'x-penny-cache': 'bypass' },
      );
    } finally {
      this.runPolicies.delete(requestId);
    }
    const changed = (res.entry.meta?.evaluation as EvaluationMeta | undefined)?.tactics ?? [];
    // A run that failed is no verdict for the tactic it would have been about.
    const tactic =
      changed.find((t) => run.tactics.includes(t)) ?? (res.text === null ? run.tactics[0] : undefined);
    if (!tactic) {
      this.stats.unchanged++;
      return;
    }
    const cmp: Comparison =
      res.text === null
        ? { verdict: 'none', score: null, error: `tactic run: ${res.error}` }
        : await this.compare(evalGateway, c, requestId, tactic, c.answer, res.text);
    await this.record(c, {
      requestId,
      evaluationId: res.entry.id,
      ts: res.entry.ts,
      feature: c.feature,
      tactic,
      arm: c.arm,
      verdict: cmp.verdict,
      method: c.cfg.shadow.agreement.kind,
      score: cmp.score,
      error: cmp.verdict === 'none' ? (cmp.error ?? 'no verdict') : null,
    });
  }

  /** Resolves when every shadow evaluation started so far has finished. */
  async drain(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }
}

/**
 * The first stage of the evaluation gateways: marks their entries `meta.evaluation.purpose = "evaluation"`
 * (flag `evaluation`: settle gives them no savings). In the tactic-run gateway, `policyFor` gives the policy
 * the run is made with. These gateways are not reachable by clients: their headers are Penny's own.
 */
export function evaluationMarkStage(policyFor?: (requestId: string) => FeatureConfig | undefined): Stage {
  return defineStage({
    name: 'evaluation-mark',
    run(ctx, next) {
      const h = ctx.requestHeaders ?? {};
      const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
      const role = one(h['x-penny-evaluation-role']);
      const evaluates = one(h['x-penny-evaluates']);
      ctx.slots.set(evaluationSlot, {
        purpose: 'evaluation',
        evaluates,
        tactic: one(h['x-penny-evaluated-tactic']),
        role: role === 'judge' || role === 'tactic' ? role : 'shadow',
      });
      ctx.flags.push('evaluation');
      const policy = role === 'tactic' ? policyFor?.(evaluates) : undefined;
      if (policy) ctx.policy = policy;
      return next();
    },
  });
}
