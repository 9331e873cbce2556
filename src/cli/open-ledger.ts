/** Opens the configured ledger for a reporting command (same resolution as `penny serve`). */
import { loadConfig } from '../config/load.js';
import type { Ledger } from '../ledger/ledger.js';
import { openConfiguredLedger } from '../ledger/open-ledger.js';

export async function openLedgerForReading(o: { config?: string; ledger?: string }): Promise<Ledger> {
  const loaded = loadConfig({
    ...(o.config ? { file: o.config } : {}),
    ...(o.ledger ? { overrides: { ledgerPath: o.ledger } } : {}),
  });
  return openConfiguredLedger(loaded, { reader: true });
}
