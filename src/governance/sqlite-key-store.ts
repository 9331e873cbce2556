/** The embedded key store: two SQLite tables in the governance file (keys by id with a unique name; budgets). */
import type Database from 'better-sqlite3';
import type { BudgetConfig } from './config.js';
import { KeyNameTaken, type KeyStore, type VirtualKeyRecord } from './key-store.js';
import { openGovernanceDb } from './sqlite-db.js';

export class SqliteKeyStore implements KeyStore {
  readonly kind = 'sqlite' as const;
  private readonly s: {
    insert: Database.Statement<[string, string, string]>;
    get: Database.Statement<[string], { data: string }>;
    byName: Database.Statement<[string], { data: string }>;
    list: Database.Statement<[], { data: string }>;
    update: Database.Statement<[string, string, string]>;
    putBudget: Database.Statement<[string, string]>;
    deleteBudget: Database.Statement<[string]>;
    listBudgets: Database.Statement<[], { data: string }>;
  };

  constructor(readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS gov_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS gov_budgets (name TEXT PRIMARY KEY, data TEXT NOT NULL);
    `);
    this.s = {
      insert: db.prepare('INSERT INTO gov_keys (id, name, data) VALUES (?, ?, ?)'),
      get: db.prepare('SELECT data FROM gov_keys WHERE id = ?'),
      byName: db.prepare('SELECT data FROM gov_keys WHERE name = ?'),
      list: db.prepare('SELECT data FROM gov_keys ORDER BY name'),
      update: db.prepare('UPDATE gov_keys SET name = ?, data = ? WHERE id = ?'),
      putBudget: db.prepare(
        'INSERT INTO gov_budgets (name, data) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET data = excluded.data',
      ),
      deleteBudget: db.prepare('DELETE FROM gov_budgets WHERE name = ?'),
      listBudgets: db.prepare('SELECT data FROM gov_budgets ORDER BY name'),
    };
  }

  static open(path: string): SqliteKeyStore {
    return new SqliteKeyStore(openGovernanceDb(path));
  }

  async insert(rec: VirtualKeyRecord): Promise<void> {
    try {
      this.s.insert.run(rec.id, rec.name, JSON.stringify(rec));
    } catch (e) {
      if ((e as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw new KeyNameTaken(rec.name);
      throw e;
    }
  }

  async get(id: string): Promise<VirtualKeyRecord | null> {
    const row = this.s.get.get(id);
    return row ? (JSON.parse(row.data) as VirtualKeyRecord) : null;
  }

  async findByName(name: string): Promise<VirtualKeyRecord | null> {
    const row = this.s.byName.get(name);
    return row ? (JSON.parse(row.data) as VirtualKeyRecord) : null;
  }

  async list(): Promise<VirtualKeyRecord[]> {
    return this.s.list.all().map((r) => JSON.parse(r.data) as VirtualKeyRecord);
  }

  async update(rec: VirtualKeyRecord): Promise<void> {
    this.s.update.run(rec.name, JSON.stringify(rec), rec.id);
  }

  async putBudget(def: BudgetConfig): Promise<void> {
    this.s.putBudget.run(def.name, JSON.stringify(def));
  }

  async deleteBudget(name: string): Promise<boolean> {
    return this.s.deleteBudget.run(name).changes > 0;
  }

  async listBudgets(): Promise<BudgetConfig[]> {
    return this.s.listBudgets.all().map((r) => JSON.parse(r.data) as BudgetConfig);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
