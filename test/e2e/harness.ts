/**
 * End-to-end harness: a fake upstream speaking the providers' wire formats, and a real Penny gateway
 * (the same assembly as `penny serve`) pointed at it, with a temporary SQLite ledger.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PennyApp, startPenny } from '../../src/app.js';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import { type Logger, createLogger } from '../../src/observability/logger.js';
import { type FakeUpstream, startFakeUpstream } from '../fake-upstream/index.js';

export const OPENAI_KEY = 'sk-test-openai-SECRET-0123456789abcdef';
export const ANTHROPIC_KEY = 'sk-ant-test-SECRET-0123456789abcdef';

export interface Harness {
  fake: FakeUpstream;
  app: PennyApp;
  dir: string;
  logs: string[];
  /** Flushes the ledger and returns every entry, oldest first. */
  entries(): Promise<LedgerEntry[]>;
  close(): Promise<void>;
}

export async function startHarness(
  opts: { config?: Record<string, unknown>; noProviders?: boolean } = {},
): Promise<Harness> {
  const fake = await startFakeUpstream();
  const dir = mkdtempSync(join(tmpdir(), 'penny-e2e-'));
  const logs: string[] = [];
  const logger: Logger = createLogger('debug', (l) => logs.push(l));
  const config = opts.noProviders
    ? { ...opts.config }
    : {
        providers: {
          openai: { type: 'openai', baseUrl: `${fake.url}/v1`, apiKey: OPENAI_KEY },
          anthropic: { type: 'anthropic', baseUrl: fake.url, apiKey: ANTHROPIC_KEY },
        },
        ...opts.config,
      };
  const app = await startPenny({
    // Fault tests send many failures to one model on purpose; the circuit breaker (on by default) would turn
    // later ones into 503s. It has its own tests (circuit-breaker.test.ts, the chaos suite).
    object: {
      server: { port: 0 },
      ledger: { path: join(dir, 'ledger.db'), flushIntervalMs: 20 },
      circuitBreaker: { enabled: false },
      ...config,
    },
    env: {},
    logger,
  });
  return {
    fake,
    app,
    dir,
    logs,
    async entries() {
      await app.gateway.drain();
      await app.ledger.flush();
      return (await app.ledger.query({})).reverse();
    },
    async close() {
      await app.close();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until `fn` returns true (polling), failing after `ms`. For conditions reached asynchronously. */
export async function until(fn: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
