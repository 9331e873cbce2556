/**
 * The gateway core as every face runs it: ledger, body capture, the stage list, metrics and the Gateway
 * itself. `penny serve` (app.ts) and `penny.fetch` (library/penny-fetch.ts) both call this, so the
 * library face runs exactly the same pipeline and writes the same ledger as the server.
 */
import type { LoadedConfig } from './config/load.js';
import { ConfigError } from './core/errors.js';
import type { LedgerEntry } from './core/ledger-entry.js';
import { Governance } from './governance/governance.js';
import { createGuardStage } from './governance/guard-stage.js';
import type { Ledger } from './ledger/ledger.js';
import { SqliteLedger } from './ledger/sqlite/sqlite-ledger.js';
import { registerCircuitMetrics } from './metrics/circuit-metrics.js';
import { PennyMetrics } from './metrics/penny-metrics.js';
import { registerCacheFleetMetrics } from './pipeline/cache/fleet/fleet-metrics.js';
import type { Logger } from './observability/logger.js';
import { Gateway } from './pipeline/gateway.js';
import type { Stage } from './pipeline/stage.js';
import { buildStages } from './pipeline/stages.js';
import type { Upstreams } from './providers/upstream.js';
import type { PriceCatalog } from './pricing/catalog.js';
import { TargetResolver } from './providers/resolve-target.js';
import { bodiesPathFor } from './prompts-store/body-path.js';
import type { BodyStore } from './prompts-store/body-store.js';
import { anyFeatureStoresPrompts, createBodyCapture } from './prompts-store/capture-stage.js';
import { SqliteBodyStore } from './prompts-store/sqlite-body-store.js';
import { Quality } from './quality/quality.js';
import type { Deferral } from './batch/defer/deferral.js';
import { openDeferral } from './batch/defer/open-deferral.js';
import { evaluationMarkStage } from './quality/shadow.js';

export interface Core {
  ledger: Ledger;
  /** True when the ledger was opened here (and is closed by `closeCore`). */
  ownsLedger: boolean;
  bodies: BodyStore | null;
  metrics: PennyMetrics;
  gateway: Gateway;
  /** Virtual keys, budgets, rate limits and alerts (src/governance/). */
  governance: Governance;
  /** Experiments, feedback and shadow evaluation (src/quality/). */
  quality: Quality;
  /** Batch-API deferral: jobs, the submitter loop, GET /v1/penny/jobs/{id} (src/batch/defer). */
  deferral: Deferral;
}

export function assembleCore(opts: {
  loaded: LoadedConfig;
  catalog: PriceCatalog;
  logger: Logger;
  ledger?: Ledger;
  /** The ledger passed in was opened for this core (closed, not just flushed, by `closeCore`). */
  ownsLedger?: boolean;
  onSettled?: Array<(entry: LedgerEntry) => void>;
  /**
   * The body store, opened by the caller (`openBodyStore`; required with a PostgreSQL ledger when a feature
   * stores prompts). Omitted: the SQLite file beside the ledger when a feature stores prompts.
   */
  bodies?: BodyStore | null;
}): Core {
  const { loaded, catalog, logger } = opts;
  if (!opts.ledger && loaded.ledgerUrl) {
    throw new ConfigError(
      'ledger.url',
      'a PostgreSQL ledger is opened asynchronously: pass `ledger: await openConfiguredLedger(loaded)`',
    );
  }
  const ledger =
    opts.ledger ??
    SqliteLedger.open(loaded.ledgerPath, {
      flushIntervalMs: loaded.config.ledger.flushIntervalMs,
      batchSize: loaded.config.ledger.batchSize,
      onError: (e) => logger.error('ledger write failed; entries kept for the next try', { error: e }),
    });
  if (opts.bodies === undefined && loaded.ledgerUrl && anyFeatureStoresPrompts(loaded)) {
    throw new ConfigError(
      'ledger.url',
      'a PostgreSQL body store is opened asynchronously: pass `bodies: await openBodyStore(loaded)`',
    );
  }
  const bodies =
    opts.bodies !== undefined
      ? opts.bodies
      : anyFeatureStoresPrompts(loaded)
        ? SqliteBodyStore.open(bodiesPathFor(loaded.ledgerPath), {
            flushIntervalMs: loaded.config.ledger.flushIntervalMs,
            onError: (e) =>
              logger.error('body store write failed; bodies kept for the next try', { error: e }),
          })
        : null;
  // One resolver for the gateway and its stages: a model name resolves to a target one way only.
  const resolver = new TargetResolver(loaded);
  const governance = new Governance(loaded, logger);
  const quality = new Quality(loaded, logger, ledger, governance.alerts);
  const deferral = openDeferral({ loaded, catalog, logger, resolver, gov: governance });
  // Body capture wraps every other stage, so it sees the request as sent and the final answer; the guard
  // (keys, rate limits, budgets) runs first after attribution, before shortcut and cache.
  // The tactic stages, built once: the gateway runs them, and so do the quality loop's tactic runs. They get
  // the gateway's upstreams (pools, circuit breakers) for the micro-batch call, read when a call is made.
  const tactics = buildStages({
    loaded,
    catalog,
    ledger,
    logger,
    resolver,
    upstreams: (): Upstreams => gateway.upstreams,
  });
  const stages: Stage[] = [
    createBodyCapture({ loaded, store: bodies, logger }),
    createGuardStage({ gov: governance, catalog, resolver }),
    // The experiment arm replaces the feature policy before any tactic reads it (after the guard names the key).
    ...quality.stages(),
    ...tactics,
    deferral.stage,
  ];
  const metrics = new PennyMetrics();
  registerCacheFleetMetrics(metrics.registry);
  const gateway = new Gateway({
    loaded,
    catalog,
    ledger,
    logger,
    resolver,
    stages,
    onSettled: [
      (entry) => metrics.observe(entry),
      ...(quality.evaluates ? [(entry: LedgerEntry) => quality.onSettled(entry)] : []),
      ...(opts.onSettled ?? []),
    ],
  });
  // Shadow calls: the request as the client sent it, with no tactic, sharing the upstream connections.
  // Tactic runs (a tactic in shadow mode, run again off the path with the policy it was taken from): the
  // same tactic stages, with neither the guard, the experiments nor the guardrail in front of them.
  if (quality.evaluates) {
    const evaluationGateway = (first: Stage, rest: Stage[]) =>
      new Gateway({
        loaded,
        catalog,
        ledger,
        logger,
        resolver,
        upstreams: gateway.upstreams,
        stages: [first, ...rest],
        onSettled: [(entry) => metrics.observe(entry), ...(opts.onSettled ?? [])],
      });
    quality.attachEvaluationGateway(evaluationGateway(evaluationMarkStage(), []));
    quality.attachTacticGateway(
      evaluationGateway(
        evaluationMarkStage((id) => quality.shadow.policyFor(id)),
        tactics,
      ),
    );
  }
  if (gateway.upstreams.breakers) registerCircuitMetrics(metrics.registry, gateway.upstreams.breakers);
  deferral.start((entry) => gateway.record(entry));
  return {
    ledger,
    ownsLedger: opts.ledger === undefined || opts.ownsLedger === true,
    bodies,
    metrics,
    gateway,
    governance,
    quality,
    deferral,
  };
}

/** Drains in-flight requests, then closes what `assembleCore` opened (a ledger passed in is only flushed). */
export async function closeCore(core: Core): Promise<void> {
  // Shadow calls share the gateway's upstream connections: they finish before those close.
  await core.gateway.drain();
  await core.quality.drain();
  await core.gateway.close();
  await core.governance.close();
  await core.quality.close();
  await core.deferral.close();
  await core.bodies?.close();
  if (core.ownsLedger) await core.ledger.close();
  else await core.ledger.flush();
}
