/**
 * Quality beside cost, as the gateway runs it: experiments (arm per request), the stores for stops,
 * feedback and evaluation verdicts. `assembleCore` builds one; `ready()` opens the stores (PostgreSQL
 * asynchronously) and `close()` releases them. Nothing here is on the request path except the arm lookup.
 */
import type { LoadedConfig } from '../config/load.js';
import type { Alert } from '../governance/alerts.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../observability/logger.js';
import type { Stage } from '../pipeline/stage.js';
import { ExperimentRunner, createExperimentStage } from './experiment-stage.js';
import { FeedbackService } from './feedback.js';
import { FeedbackEndpoint, type VirtualKeyName } from './feedback-endpoint.js';
import { createFeedbackHeaderStage } from './feedback-header-stage.js';
import { Guardrail, withoutTactics } from './guardrail.js';
import { EVALUATED_TACTICS, ShadowEvaluator } from './shadow.js';
import type { Gateway } from '../pipeline/gateway.js';
import type { LedgerEntry } from '../core/ledger-entry.js';
import { defineStage } from '../pipeline/stage.js';
import { openQualityStores } from './open-quality-stores.js';
import type { EvaluationStore, GuardSwitch, QualityStores } from './quality-stores.js';

export class Quality {
  readonly experiments: ExperimentRunner;
  private stores: QualityStores | null = null;
  private opening: Promise<QualityStores | null> | null = null;
  readonly feedback: FeedbackService;
  private readonly pending = new Set<Promise<unknown>>();
  readonly guardrail: Guardrail;
  readonly shadow: ShadowEvaluator;
  private evalGateway: Gateway | null = null;
  private tacticGateway: Gateway | null = null;
  /** Random source of the shadow sample and of the tactic runs in shadow mode (tests fix it). */
  random: () => number = Math.random;

  constructor(
    private readonly loaded: LoadedConfig,
    private readonly logger: Logger,
    ledger: Ledger,
    /** Where guardrail switches are announced (governance's alert sender: log line and webhooks). */
    private readonly alerts?: { emit(a: Alert): void },
  ) {
    this.experiments = new ExperimentRunner(loaded, logger);
    this.feedback = new FeedbackService(ledger, async () => (await this.ready())?.feedback ?? null);
    this.guardrail = new Guardrail((sw) => {
      this.logger.warn('quality guardrail', {
        feature: sw.feature,
        tactic: sw.tactic,
        mode: sw.mode,
        agreement: `${sw.agree}/${sw.n}`,
        lowerBound: Number(sw.lower.toFixed(4)),
        floor: sw.floor,
      });
      this.alerts?.emit(guardrailAlert(sw));
      const p = this.ready()
        .then((s) => s?.evaluations.recordSwitch(sw))
        .catch((e: unknown) => this.logger.error('guardrail switch not recorded', { error: e }));
      this.track(p);
    });
    this.shadow = new ShadowEvaluator({
      evalGateway: () => this.evalGateway,
      tacticGateway: () => this.tacticGateway,
      store: async () => (await this.ready())?.evaluations ?? null,
      guardrail: this.guardrail,
      logger,
      arm: (meta) => {
        const x = meta?.experiment as { arm?: unknown } | undefined;
        return typeof x?.arm === 'string' ? x.arm : null;
      },
      random: () => this.random(),
    });
  }

  /** Whether any feature has a quality section (shadow evaluation and the guardrail). */
  get evaluates(): boolean {
    return Object.values(this.loaded.config.features).some((f) => f.quality !== undefined);
  }

  /** The tactic-free gateway shadow calls go through (built by assembleCore beside the main one). */
  attachEvaluationGateway(g: Gateway): void {
    this.evalGateway = g;
  }

  /** The gateway tactic runs go through while a tactic is in shadow mode (the tactic stages, no guardrail). */
  attachTacticGateway(g: Gateway): void {
    this.tacticGateway = g;
  }

  /** Settle observer of the main gateway. */
  onSettled(entry: LedgerEntry): void {
    this.shadow.onSettled(entry);
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** The stages quality adds to the pipeline (after attribution and the guard). */
  stages(): Stage[] {
    const track = (p: Promise<unknown>) => this.track(p);
    const guard = defineStage({
      name: 'quality-guardrail',
      run: (ctx, next) => {
        const feature = ctx.attribution.feature ?? 'default';
        const off = ctx.policy?.quality ? this.guardrail.shadowed(feature) : [];
        // In shadow mode every client is served without the tactic; a sampled share is run again with it,
        // off the critical path, and that answer is compared with the client's (shadow.ts, tactic runs).
        if (off.length && ctx.policy) {
          const full = ctx.policy;
          ctx.policy = withoutTactics(full, off);
          if (this.random() < (full.quality?.shadow.sampleRate ?? 0))
            this.shadow.markTacticRun(ctx.id, full, off);
        }
        return next();
      },
    });
    return [
      createFeedbackHeaderStage({ service: this.feedback, logger: this.logger, track }),
      ...(this.experiments.any ? [createExperimentStage(this.experiments)] : []),
      ...(this.evaluates ? [guard, this.shadow.stage()] : []),
    ];
  }

  /** `POST /v1/penny/feedback`. */
  feedbackEndpoint(verifyVirtualKey?: VirtualKeyName): FeedbackEndpoint {
    return new FeedbackEndpoint(this.feedback, verifyVirtualKey);
  }

  /** Resolves when every background write started so far (header feedback) has finished. */
  async drain(): Promise<void> {
    await this.shadow.drain();
    await this.tacticGateway?.drain();
    await this.evalGateway?.drain();
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  /** Whether the stores are needed from the start (experiments); feedback alone opens them on first use. */
  get eager(): boolean {
    return this.experiments.any || this.evaluates;
  }

  /** Opens the stores and starts reading experiment stops; a store that cannot open is logged, not fatal. */
  ready(): Promise<QualityStores | null> {
    this.opening ??= openQualityStores(this.loaded, (e) =>
      this.logger.warn('quality store connection error', { error: e }),
    ).then(
      async (s) => {
        this.stores = s;
        if (this.experiments.any) await this.experiments.attach(s.experiments);
        if (this.evaluates) await this.restoreGuardrail(s.evaluations);
        return s;
      },
      (e: unknown) => {
        this.logger.error('quality stores could not be opened: feedback and experiment stops are off', {
          error: e,
        });
        return null;
      },
    );
    return this.opening;
  }

  /**
   * Restores, per feature and tactic, the guardrail's window (the latest `window` verdicts) and its mode (the
   * last recorded switch), so a tactic taken out of service stays out after a restart. A store that cannot be
   * read is logged; the guardrail then starts empty, as before.
   */
  private async restoreGuardrail(store: EvaluationStore): Promise<void> {
    for (const [feature, f] of Object.entries(this.loaded.config.features)) {
      const cfg = f.quality;
      if (!cfg) continue;
      try {
        const last = new Map<string, GuardSwitch['mode']>();
        for (const sw of await store.switches({ feature, limit: 10_000 }))
          if (!last.has(sw.tactic)) last.set(sw.tactic, sw.mode);
        for (const tactic of EVALUATED_TACTICS) {
          const evs = await store.list({ feature, tactic, decided: true, limit: cfg.window });
          const mode = last.get(tactic) ?? 'active';
          if (!evs.length && mode === 'active') continue;
          const verdicts = evs.reverse().map((e) => e.verdict === 'agree');
          this.guardrail.restore(feature, tactic, verdicts, mode, cfg.floor);
          if (mode === 'shadow')
            this.logger.warn('quality guardrail restored: tactic still in shadow mode', {
              feature,
              tactic,
              agreement: `${verdicts.filter(Boolean).length}/${verdicts.length}`,
            });
        }
      } catch (e) {
        this.logger.error('quality guardrail state could not be restored', { feature, error: e });
      }
    }
  }

  storesOrNull(): QualityStores | null {
    return this.stores;
  }

  async close(): Promise<void> {
    await this.drain();
    this.experiments.close();
    await this.opening;
    await this.stores?.close();
    this.stores = null;
  }
}

/** The alert announcing a guardrail switch (same id from every instance that records the same switch). */
export function guardrailAlert(sw: GuardSwitch): Alert {
  const evidence = `agreement ${sw.agree}/${sw.n}, Wilson lower bound ${sw.lower.toFixed(4)}`;
  const message =
    sw.mode === 'shadow'
      ? `quality guardrail: tactic ${sw.tactic} of feature ${sw.feature} switched to shadow mode (${evidence} < floor ${sw.floor})`
      : `quality guardrail: tactic ${sw.tactic} of feature ${sw.feature} is back in service (${evidence} ≥ floor ${sw.floor})`;
  return {
    id: `quality_guardrail:${sw.feature}:${sw.tactic}:${sw.mode}:${sw.ts}`,
    kind: 'quality_guardrail',
    message,
    feature: sw.feature,
    tactic: sw.tactic,
    mode: sw.mode,
    agree: sw.agree,
    n: sw.n,
    lowerBound: Number(sw.lower.toFixed(4)),
    floor: sw.floor,
    at: new Date(sw.ts).toISOString(),
  };
}
