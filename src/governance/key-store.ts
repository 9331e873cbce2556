/**
 * The key store: durable governance definitions — virtual keys (a salted hash, never the key) and budgets
 * set with `penny budgets set`. One interface, implemented by SQLite (embedded default), Redis and PostgreSQL
 * (shared), all checked by key-store.contract.ts.
 */
import type { BudgetConfig } from './config.js';

export interface KeyBudget {
  /** USD, exact decimal text. */
  limitUsd: string;
  window: string;
}

export interface VirtualKeyRecord {
  /** Public part of the key (also in the key text), used to look the record up. */
  id: string;
  /** Unique name, recorded in the ledger as the request's key. */
  name: string;
  /** Hex salt and HMAC-SHA256(salt, secret); the secret itself is never stored. */
  salt: string;
  hash: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  rotatedAt: number | null;
  /** Allowed features / models (globs); null = any. */
  features: string[] | null;
  models: string[] | null;
  budget: KeyBudget | null;
  rpm: number | null;
  tpm: number | null;
}

/**
 * `compile` run once per record read from the store (a changed key is read as a new record), for what the
 * guard derives from a key on every request.
 */
export function perRecord<T>(compile: (rec: VirtualKeyRecord) => T): (rec: VirtualKeyRecord) => T {
  const done = new WeakMap<VirtualKeyRecord, { value: T }>();
  return (rec) => {
    let hit = done.get(rec);
    if (!hit) {
      hit = { value: compile(rec) };
      done.set(rec, hit);
    }
    return hit.value;
  };
}

export class KeyNameTaken extends Error {
  constructor(readonly keyName: string) {
    super(`a key named "${keyName}" already exists`);
    this.name = 'KeyNameTaken';
  }
}

export interface KeyStore {
  readonly kind: 'sqlite' | 'redis' | 'postgres';
  /** Adds a key; throws KeyNameTaken when the name is used. */
  insert(rec: VirtualKeyRecord): Promise<void>;
  get(id: string): Promise<VirtualKeyRecord | null>;
  findByName(name: string): Promise<VirtualKeyRecord | null>;
  list(): Promise<VirtualKeyRecord[]>;
  /** Replaces the record with the same id (revoke, rotate, edit). */
  update(rec: VirtualKeyRecord): Promise<void>;
  putBudget(def: BudgetConfig): Promise<void>;
  deleteBudget(name: string): Promise<boolean>;
  listBudgets(): Promise<BudgetConfig[]>;
  close(): Promise<void>;
}
