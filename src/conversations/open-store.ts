/** Opens the configured conversation store (config `responses`). */
import type { LoadedConfig } from '../config/load.js';
import type { Logger } from '../observability/logger.js';
import { MemoryResponseStore } from './memory-response-store.js';
import type { ResponseStore } from './response-store.js';
import { ResponsesState } from './responses-state.js';
import { SqliteResponseStore, responsesPathFor } from './sqlite-response-store.js';

export function openResponseStore(loaded: LoadedConfig): ResponseStore {
  const cfg = loaded.config.responses;
  const ttlMs = cfg.ttlDays * 86_400_000;
  if (cfg.store === 'memory') return new MemoryResponseStore(ttlMs);
  return SqliteResponseStore.open(cfg.path ?? responsesPathFor(loaded.ledgerPath), ttlMs);
}

export function openResponsesState(loaded: LoadedConfig, logger: Logger): ResponsesState {
  return new ResponsesState(openResponseStore(loaded), logger);
}
