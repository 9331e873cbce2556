/**
 * Quality beside cost, as the gateway runs it: experiments (arm per request), the stores for stops,
 * feedback and evaluation verdicts. `assembleCore` builds one; `ready()` opens the stores (PostgreSQL
 * asynchronously) and `close()` releases them. Nothing here is on the request path except the arm lookup.
 */
import type { LoadedConfig } from '../config/load.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../observability/logger.js';
import type { Stage } from '../pipeline/stage.js';
import { ExperimentRunner, createExperimentStage } from './experiment-stage.js';
import { FeedbackService } from './feedback.js';
import { FeedbackEndpoint, type VirtualKeyName } from './feedback-endpoint.js';
import { createFeedbackHeaderStage } from './feedback-header-stage.js';
import { openQualityStores } from './open-quality-stores.js';
import type { QualityStores } from './quality-stores.js';

export class Quality {
  readonly experiments: ExperimentRunner;
  private stores: QualityStores | null = null;
  private opening: Promise<QualityStores | null> | null = null;
  readonly feedback: FeedbackService;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly loaded: LoadedConfig,
    private readonly logger: Logger,
    ledger: Ledger,
  ) {
    this.experiments = new ExperimentRunner(loaded, logger);
    this.feedback = new FeedbackService(ledger, async () => (await this.ready())?.feedback ?? null);
  }

  /** The stages quality adds to the pipeline (after attribution and the guard). */
  stages(): Stage[] {
    const track = (p: Promise<unknown>) => {
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    };
    return [
      createFeedbackHeaderStage({ service: this.feedback, logger: this.logger, track }),
      ...(this.experiments.any ? [createExperimentStage(this.experiments)] : []),
    ];
  }

  /** `POST /v1/penny/feedback`. */
  feedbackEndpoint(verifyVirtualKey?: VirtualKeyName): FeedbackEndpoint {
    return new FeedbackEndpoint(this.feedback, verifyVirtualKey);
  }

  /** Resolves when every background write started so far (header feedback) has finished. */
  async drain(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  /** Whether the stores are needed from the start (experiments); feedback alone opens them on first use. */
  get eager(): boolean {
    return this.experiments.any;
  }

  /** Opens the stores and starts reading experiment stops; a store that cannot open is logged, not fatal. */
  ready(): Promise<QualityStores | null> {
    this.opening ??= openQualityStores(this.loaded, (e) =>
      this.logger.warn('quality store connection error', { error: e }),
    ).then(
      async (s) => {
        this.stores = s;
        if (this.experiments.any) await this.experiments.attach(s.experiments);
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
