/**
 * Wiring: config → price catalog → ledger → gateway → HTTP server. Used by `penny serve`, the tests and the
 * benchmarks, so all of them run exactly the same assembly.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { type LoadOptions, type LoadedConfig, loadConfig } from './config/load.js';
import type { Ledger } from './ledger/ledger.js';
import { SqliteLedger } from './ledger/sqlite/sqlite-ledger.js';
import { type Logger, createLogger } from './observability/logger.js';
import { Gateway } from './pipeline/gateway.js';
import { buildStages } from './pipeline/stages.js';
import { type PriceCatalog, loadCatalog } from './pricing/catalog.js';
import { createPennyServer } from './server/server.js';
import { countText } from './tokens/index.js';

export interface PennyApp {
  loaded: LoadedConfig;
  catalog: PriceCatalog;
  ledger: Ledger;
  gateway: Gateway;
  server: Server;
  logger: Logger;
  /** http://host:port once listening. */
  url: string;
  /** Stops accepting, drains in-flight requests, flushes the ledger. */
  close(): Promise<void>;
}

export interface StartOptions extends LoadOptions {
  logger?: Logger;
  /** Use this ledger instead of opening the configured SQLite file. */
  ledger?: Ledger;
}

export function buildCatalog(loaded: LoadedConfig): PriceCatalog {
  return loadCatalog({ files: loaded.config.priceFiles, overrides: loaded.config.prices });
}

export async function startPenny(opts: StartOptions = {}): Promise<PennyApp> {
  const logger = opts.logger ?? createLogger();
  const loaded = loadConfig(opts);
  const catalog = buildCatalog(loaded);
  const ledger =
    opts.ledger ??
    SqliteLedger.open(loaded.ledgerPath, {
      flushIntervalMs: loaded.config.ledger.flushIntervalMs,
      batchSize: loaded.config.ledger.batchSize,
      onError: (e) => logger.error('ledger write failed; entries kept for the next try', { error: e }),
    });
  const stages = buildStages({ loaded, catalog, ledger, logger });
  const gateway = new Gateway({ loaded, catalog, ledger, logger, stages });
  const server = createPennyServer({ gateway, loaded, catalog, logger });
  const { host, port } = loaded.config.server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Load the tokenizer tables now rather than inside the first request that needs an estimate.
  setImmediate(() => countText('warm up', 'gpt-4o'));
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closing: Promise<void> | undefined;
  return {
    loaded,
    catalog,
    ledger,
    gateway,
    server,
    logger,
    url: `http://${shownHost}:${addr.port}`,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // In-flight streams get a grace period, then are cut (their entries are still settled).
          setTimeout(() => server.closeAllConnections(), 10_000).unref();
        });
        await gateway.close();
        if (!opts.ledger) await ledger.close();
        else await ledger.flush();
      })();
      return closing;
    },
  };
}
