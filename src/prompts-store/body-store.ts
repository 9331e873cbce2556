/**
 * Stored prompt and response bodies, for features whose policy sets `storePrompts: true`. Exchanges are
 * hash-addressed (the ledger entry's `meta.bodyHash` points here), so the ledger itself never holds a
 * prompt and a feature that never opted in leaves nothing in this store. Implemented by SQLite (a file
 * beside the ledger) and PostgreSQL (the ledger's database, shared by every instance); both pass
 * body-store.contract.ts.
 */
import type { CanonicalRequest } from '../core/request.js';
import type { CanonicalResponse } from '../core/response.js';

export interface StoredExchange {
  /** `exchangeHash` of the two JSON texts. */
  hash: string;
  /** The request exactly as the client sent it (canonical form). */
  request: CanonicalRequest;
  /** The assembled answer (also for streams). */
  response: CanonicalResponse;
  /** When it was stored, ms since the epoch. */
  storedAt: number;
}

export interface BodyStore {
  /** Buffers an exchange; never throws on the request path. Returns its hash. */
  put(request: CanonicalRequest, response: CanonicalResponse, at: number): string;
  /** The exchange stored under `hash`, if any (what was put before is seen: reads flush first). */
  get(hash: string): Promise<StoredExchange | undefined>;
  /** Writes everything buffered. */
  flush(): Promise<void>;
  /** Flushes and releases the store. */
  close(): Promise<void>;
}
