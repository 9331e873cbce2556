/**
 * The key store in PostgreSQL (`governance.keyStore.postgres`): virtual keys (by id, unique name) and
 * budgets set with `penny budgets set`, as JSON text in two tables of one schema, created by versioned
 * migrations under an advisory lock (src/postgres/migrate.ts), so instances starting together migrate once.
 * Running gateways see changes without a restart the same way as with the other stores: a verified key is
 * re-read after `keyCacheMs`, budgets every `refreshMs`.
 */
import type pg from 'pg';
import { type Migrations, migrate } from '../postgres/migrate.js';
import { createPool, quoteSchema } from '../postgres/pool.js';
import type { BudgetConfig } from './config.js';
import { KeyNameTaken, type KeyStore, type VirtualKeyRecord } from './key-store.js';

export const KEY_STORE_MIGRATIONS: Migrations = {
  component: 'governance-keys',
  steps: [
    `CREATE TABLE {schema}.penny_gov_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
     CREATE TABLE {schema}.penny_gov_budgets (name TEXT PRIMARY KEY, data TEXT NOT NULL);`,
  ],
};

export interface PgKeyStoreOptions {
  url: string;
  schema: string;
  onError?: (e: Error) => void;
}

export class PgKeyStore implements KeyStore {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly t: { keys: string; budgets: string };
  private ready: Promise<unknown> | null = null;

  constructor(private readonly opts: PgKeyStoreOptions) {
    const s = quoteSchema(opts.schema);
    this.t = { keys: `${s}.penny_gov_keys`, budgets: `${s}.penny_gov_budgets` };
    this.pool = createPool({
      url: opts.url,
      applicationName: 'penny-governance',
      ...(opts.onError ? { onError: opts.onError } : {}),
    });
  }

  /** Migrates on first use; a failed attempt is retried by the next call. */
  private async q<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
    this.ready ??= migrate(this.pool, this.opts.schema, KEY_STORE_MIGRATIONS).catch((e) => {
      this.ready = null;
      throw e;
    });
    await this.ready;
    return (await this.pool.query<R>(text, params)).rows;
  }

  async insert(rec: VirtualKeyRecord): Promise<void> {
    const rows = await this.q(
      `INSERT INTO ${this.t.keys} (id, name, data) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id`,
      [rec.id, rec.name, JSON.stringify(rec)],
    );
    if (rows.length === 0) throw new KeyNameTaken(rec.name);
  }

  async get(id: string): Promise<VirtualKeyRecord | null> {
    const rows = await this.q<{ data: string }>(`SELECT data FROM ${this.t.keys} WHERE id = $1`, [id]);
    return rows[0] ? (JSON.parse(rows[0].data) as VirtualKeyRecord) : null;
  }

  async findByName(name: string): Promise<VirtualKeyRecord | null> {
    const rows = await this.q<{ data: string }>(`SELECT data FROM ${this.t.keys} WHERE name = $1`, [name]);
    return rows[0] ? (JSON.parse(rows[0].data) as VirtualKeyRecord) : null;
  }

  async list(): Promise<VirtualKeyRecord[]> {
    const rows = await this.q<{ data: string }>(`SELECT data FROM ${this.t.keys} ORDER BY name COLLATE "C"`);
    return rows.map((r) => JSON.parse(r.data) as VirtualKeyRecord);
  }

  async update(rec: VirtualKeyRecord): Promise<void> {
    await this.q(`UPDATE ${this.t.keys} SET name = $1, data = $2 WHERE id = $3`, [
      rec.name,
      JSON.stringify(rec),
      rec.id,
    ]);
  }

  async putBudget(def: BudgetConfig): Promise<void> {
    await this.q(
      `INSERT INTO ${this.t.budgets} (name, data) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET data = EXCLUDED.data`,
      [def.name, JSON.stringify(def)],
    );
  }

  async deleteBudget(name: string): Promise<boolean> {
    const rows = await this.q(`DELETE FROM ${this.t.budgets} WHERE name = $1 RETURNING name`, [name]);
    return rows.length > 0;
  }

  async listBudgets(): Promise<BudgetConfig[]> {
    const rows = await this.q<{ data: string }>(
      `SELECT data FROM ${this.t.budgets} ORDER BY name COLLATE "C"`,
    );
    return rows.map((r) => JSON.parse(r.data) as BudgetConfig);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}
