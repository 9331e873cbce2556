import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { qualityStoresContract } from '../quality-stores.contract.js';
import { openQualityDb } from './quality-db.js';
import { sqliteQualityStores } from './sqlite-quality-stores.js';

qualityStoresContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'penny-quality-'));
  return {
    stores: sqliteQualityStores(openQualityDb(join(dir, 'quality.db'))),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
