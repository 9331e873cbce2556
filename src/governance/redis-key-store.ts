/**
 * The shared key store on Redis: a hash of key records by id, a hash of names → ids (HSETNX keeps names
 * unique across instances), and a hash of budgets set by the CLI. Every gateway reads the same records, so
 * `penny keys revoke` on any machine applies to all of them.
 */
import type { Redis } from 'ioredis';
import type { BudgetConfig } from './config.js';
import { KeyNameTaken, type KeyStore, type VirtualKeyRecord } from './key-store.js';

export class RedisKeyStore implements KeyStore {
  readonly kind = 'redis' as const;
  private readonly keys: string;
  private readonly names: string;
  private readonly budgets: string;

  constructor(
    readonly client: Redis,
    prefix: string,
    private readonly ownsClient = true,
  ) {
    this.keys = `${prefix}keys`;
    this.names = `${prefix}keynames`;
    this.budgets = `${prefix}budgets`;
  }

  async insert(rec: VirtualKeyRecord): Promise<void> {
    const claimed = await this.client.hsetnx(this.names, rec.name, rec.id);
    if (claimed === 0) throw new KeyNameTaken(rec.name);
    await this.client.hset(this.keys, rec.id, JSON.stringify(rec));
  }

  async get(id: string): Promise<VirtualKeyRecord | null> {
    const v = await this.client.hget(this.keys, id);
    return v ? (JSON.parse(v) as VirtualKeyRecord) : null;
  }

  async findByName(name: string): Promise<VirtualKeyRecord | null> {
    const id = await this.client.hget(this.names, name);
    return id ? this.get(id) : null;
  }

  async list(): Promise<VirtualKeyRecord[]> {
    const all = await this.client.hvals(this.keys);
    return all.map((v) => JSON.parse(v) as VirtualKeyRecord).sort((a, b) => a.name.localeCompare(b.name));
  }

  async update(rec: VirtualKeyRecord): Promise<void> {
    await this.client.hset(this.keys, rec.id, JSON.stringify(rec));
  }

  async putBudget(def: BudgetConfig): Promise<void> {
    await this.client.hset(this.budgets, def.name, JSON.stringify(def));
  }

  async deleteBudget(name: string): Promise<boolean> {
    return (await this.client.hdel(this.budgets, name)) > 0;
  }

  async listBudgets(): Promise<BudgetConfig[]> {
    const all = await this.client.hvals(this.budgets);
    return all.map((v) => JSON.parse(v) as BudgetConfig).sort((a, b) => a.name.localeCompare(b.name));
  }

  async close(): Promise<void> {
    if (!this.ownsClient || this.client.status === 'end') return;
    try {
      if (this.client.status === 'ready') await this.client.quit();
      else this.client.disconnect();
    } catch {
      this.client.disconnect();
    }
  }
}
