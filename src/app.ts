/**
 * Wiring: config → price catalog → ledger → gateway → HTTP server. Used by `penny serve`, the tests and the
 * benchmarks, so all of them run exactly the same assembly.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { type LoadOptions, type LoadedConfig, loadConfig } from './config/load.js';
import type { Ledger } from './ledger/ledger.js';
import { type Logger, createLogger } from './observability/logger.js';
import { type PriceCatalog, loadCatalog } from './pricing/catalog.js';
import { loadGenaiPricesIsolated } from './pricing/load-builtin-isolated.js';
import type { PriceEntry } from './pricing/price.js';
import { createPennyServer } from './server/server.js';
import { Shutdown } from './server/shutdown.js';
import { AdminGuard } from './dashboard/admin-guard.js';
import { createDashboardRoute } from './dashboard/dashboard-routes.js';
import { createMetricsRoute } from './metrics/metrics-route.js';
import type { BodyStore } from './prompts-store/body-store.js';
import type { Gateway } from './pipeline/gateway.js';
import type { Governance } from './governance/governance.js';
import type { Quality } from './quality/quality.js';
import { registerQualityMetrics } from './quality/quality-metrics.js';
import { registerGovernanceMetrics } from './governance/governance-metrics.js';
import type { PennyMetrics } from './metrics/penny-metrics.js';
import { assembleCore, closeCore } from './assemble.js';
import { openResponsesState } from './conversations/open-store.js';
import { anyFeatureStoresPrompts } from './prompts-store/capture-stage.js';
import { openBodyStore } from './prompts-store/open-body-store.js';
import { EmbeddingsService } from './embeddings/embeddings-service.js';
import { CountTokensService } from './endpoints/count-tokens.js';
import { EndpointGuard } from './governance/endpoint-guard.js';
import { openPassthrough } from './batch/passthrough/open-passthrough.js';
import { Auth, presentsVirtualKey } from './server/auth.js';
import { looksLikeVirtualKey } from './governance/virtual-key.js';
import { CompletionsService } from './completions/completions-service.js';
import { ledgerReachable, openConfiguredLedger } from './ledger/open-ledger.js';
import { createReadyRoute, redisCheck, redisUrlsInUse } from './ops/ready-route.js';
import { applyHeapGrowth } from './ops/heap-growth.js';

export interface PennyApp {
  loaded: LoadedConfig;
  catalog: PriceCatalog;
  ledger: Ledger;
  gateway: Gateway;
  server: Server;
  /** Prometheus metrics, fed by every settled request (served at GET /metrics). */
  metrics: PennyMetrics;
  /** Stored prompt/response bodies; null when no feature's policy stores them. */
  bodies: BodyStore | null;
  /** Virtual keys, budgets, rate limits and alerts. */
  governance: Governance;
  /** Experiments, feedback and shadow evaluation (src/quality/). */
  quality: Quality;
  logger: Logger;
  /** http://host:port once listening. */
  url: string;
  /**
   * Stops accepting (idle keep-alive sockets closed, requests arriving on busy ones answered 503), lets
   * in-flight answers finish within `server.shutdownGraceMs`, cuts and records the rest, flushes the ledger.
   */
  close(): Promise<void>;
  /** During close(): cuts every answer still in flight now instead of at the end of the grace period. */
  cutNow(): void;
}

export interface StartOptions extends LoadOptions {
  logger?: Logger;
  /** Use this ledger instead of opening the configured SQLite file. */
  ledger?: Ledger;
}

export function buildCatalog(loaded: LoadedConfig, builtin?: PriceEntry[]): PriceCatalog {
  return loadCatalog({
    files: loaded.config.priceFiles,
    overrides: loaded.config.prices,
    ...(builtin ? { builtin } : {}),
  });
}

export async function startPenny(opts: StartOptions = {}): Promise<PennyApp> {
  const logger = opts.logger ?? createLogger();
  const loaded = loadConfig(opts);
  applyHeapGrowth(loaded.config.server.heapGrowthPercent);
  const catalog = buildCatalog(loaded, await loadGenaiPricesIsolated());
  const ledger0 =
    opts.ledger ??
    (await openConfiguredLedger(loaded, {
      onError: (e) => logger.error('ledger write failed; entries kept for the next try', { error: e }),
      onInfo: (message, detail) => logger.info(message, detail),
    }));
  const bodies0 = anyFeatureStoresPrompts(loaded)
    ? await openBodyStore(loaded, {
        onError: (e) => logger.error('body store write failed; bodies kept for the next try', { error: e }),
      })
    : null;
  const { ledger, bodies, metrics, gateway, governance, ...core } = assembleCore({
    loaded,
    catalog,
    logger,
    ledger: ledger0,
    bodies: bodies0,
    ownsLedger: opts.ledger === undefined,
  });
  await governance.ready();
  if (core.quality.eager) await core.quality.ready();
  registerGovernanceMetrics(metrics.registry, governance);
  if (core.quality.evaluates) registerQualityMetrics(metrics.registry, core.quality);
  const guard = new AdminGuard(loaded.config.server.host, loaded.config.server.adminToken);
  const ready = createReadyRoute([
    { name: 'ledger', check: () => ledgerReachable(ledger) },
    ...redisUrlsInUse(loaded.config).map(redisCheck),
  ]);
  const endpointGuard = new EndpointGuard({ gov: governance, catalog, resolver: gateway.resolver });
  const penny = new Auth(loaded.config.server.host, loaded.config.server.authTokens);
  const passthrough = openPassthrough({
    loaded,
    catalog,
    logger,
    upstreams: gateway.upstreams,
    guard: endpointGuard,
    auth: {
      required: penny.required,
      check: (h) => penny.check(h),
      isPennyToken: (v) => penny.match(v) !== null || looksLikeVirtualKey(v),
      presentsVirtualKey,
    },
    record: (e) => gateway.record(e),
  });
  const routes = [
    ready.route,
    core.deferral.route,
    passthrough.route,
    createMetricsRoute(metrics, guard),
    createDashboardRoute({
      ledger,
      loaded,
      guard,
      budgets: () => governance.rows(),
      ...(gateway.upstreams.breakers ? { circuits: () => gateway.upstreams.breakers?.snapshot() ?? [] } : {}),
      quality: { stores: () => core.quality.ready(), live: () => core.quality.guardrail.states() },
    }),
  ];
  const responses = await openResponsesState(loaded, logger);
  const embeddings = new EmbeddingsService({ loaded, catalog, logger, gateway, guard: endpointGuard });
  const completions = new CompletionsService({ catalog, logger, gateway, guard: endpointGuard });
  const endpoints = {
    '/embeddings': embeddings,
    '/completions': completions,
    '/messages/count_tokens': new CountTokensService(gateway, endpointGuard),
    '/penny/feedback': core.quality.feedbackEndpoint(async (t) => {
      try {
        return (await governance.verify(t)).name;
      } catch {
        return null;
      }
    }),
  };
  const shutdown = new Shutdown();
  const server = createPennyServer({
    gateway,
    loaded,
    catalog,
    logger,
    routes,
    responses,
    endpoints,
    shutdown,
  });
  const { host, port } = loaded.config.server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closing: Promise<void> | undefined;
  return {
    loaded,
    catalog,
    ledger,
    gateway,
    server,
    metrics,
    bodies,
    governance,
    quality: core.quality,
    logger,
    url: `http://${shownHost}:${addr.port}`,
    close() {
      closing ??= (async () => {
        ready.drain();
        const closed = shutdown.begin();
        await shutdown.finish(loaded.config.server.shutdownGraceMs, () => gateway.drain());
        await closed;
        await embeddings.close();
        await completions.close();
        await passthrough.close();
        await closeCore({ ledger, bodies, metrics, gateway, governance, ...core });
        await responses.store.close();
        await ready.close();
      })();
      return closing;
    },
    cutNow() {
      if (shutdown.stopping) shutdown.cutNow();
    },
  };
}
