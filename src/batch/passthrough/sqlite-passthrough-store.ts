/**
 * The pass-through's objects and priced lines in SQLite (default: the jobs file beside the ledger,
 * `ledger.jobs.db`, own tables). `claimLines` runs in one IMMEDIATE transaction, so two processes sharing
 * the file never both claim a line.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { BatchObject, BatchObjectKind } from './batch-object.js';
import type { PassthroughStore } from './passthrough-store.js';

export class SqlitePassthroughStore implements PassthroughStore {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;
  private readonly one: Database.Statement;
  private readonly insertLine: Database.Statement;
  private readonly claimTx: (batch: string, ids: readonly string[]) => string[];

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS penny_batch_objects (
         kind TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, id));
       CREATE TABLE IF NOT EXISTS penny_batch_priced_lines (
         batch TEXT NOT NULL, custom_id TEXT NOT NULL, priced_at INTEGER NOT NULL, PRIMARY KEY (batch, custom_id));`,
    );
    this.upsert = this.db.prepare(
      'INSERT INTO penny_batch_objects (kind, id, data) VALUES (?, ?, ?) ON CONFLICT(kind, id) DO UPDATE SET data = excluded.data',
    );
    this.one = this.db.prepare('SELECT data FROM penny_batch_objects WHERE kind = ? AND id = ?');
    this.insertLine = this.db.prepare(
      'INSERT OR IGNORE INTO penny_batch_priced_lines (batch, custom_id, priced_at) VALUES (?, ?, ?)',
    );
    const tx = this.db.transaction((batch: string, ids: readonly string[]) => {
      const now = Date.now();
      const out: string[] = [];
      for (const id of new Set(ids)) if (this.insertLine.run(batch, id, now).changes === 1) out.push(id);
      return out;
    });
    this.claimTx = (batch, ids) => tx.immediate(batch, ids);
  }

  async put(o: BatchObject): Promise<void> {
    this.upsert.run(o.kind, o.id, JSON.stringify(o));
  }

  async get(kind: BatchObjectKind, id: string): Promise<BatchObject | undefined> {
    const row = this.one.get(kind, id) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as BatchObject) : undefined;
  }

  async getMany(kind: BatchObjectKind, ids: readonly string[]): Promise<BatchObject[]> {
    const out: BatchObject[] = [];
    for (const id of new Set(ids)) {
      const o = await this.get(kind, id);
      if (o) out.push(o);
    }
    return out;
  }

  async claimLines(batch: string, customIds: readonly string[]): Promise<string[]> {
    return this.claimTx(batch, customIds);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
