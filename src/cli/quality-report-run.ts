/**
 * Opens what `penny report --quality` reads — the configured ledger and the quality stores beside it (a store
 * that cannot open is reported, and the savings are still shown) — and runs the report.
 */
import { loadConfig } from '../config/load.js';
import { InvalidRequestError } from '../core/errors.js';
import { openConfiguredLedger } from '../ledger/open-ledger.js';
import { openQualityStores } from '../quality/open-quality-stores.js';
import type { QualityStores } from '../quality/quality-stores.js';
import { qualityReportCommand } from './report.js';

export interface QualityReportFlags {
  config?: string;
  ledger?: string;
  since?: string;
  from?: string;
  to?: string;
  by?: string;
  bucket?: string;
  format: string;
}

export async function runQualityReport(o: QualityReportFlags): Promise<string> {
  if (o.format === 'jsonl')
    throw new InvalidRequestError(
      '--format jsonl exports entries; use table, json or csv with --quality',
      '--format',
    );
  const loaded = loadConfig({
    ...(o.config ? { file: o.config } : {}),
    ...(o.ledger ? { overrides: { ledgerPath: o.ledger } } : {}),
  });
  const ledger = await openConfiguredLedger(loaded, { reader: true });
  let stores: QualityStores | null = null;
  try {
    try {
      stores = await openQualityStores(loaded);
    } catch (e) {
      process.stderr.write(
        `penny: the quality stores could not be opened (${(e as Error).message}); savings only\n`,
      );
    }
    const text = await qualityReportCommand({
      ledger,
      loaded,
      stores,
      format: o.format,
      ...(o.since !== undefined ? { since: o.since } : {}),
      ...(o.from !== undefined ? { from: o.from } : {}),
      ...(o.to !== undefined ? { to: o.to } : {}),
      ...(o.by !== undefined ? { by: o.by } : {}),
      ...(o.bucket !== undefined ? { bucket: o.bucket } : {}),
    });
    return text.endsWith('\n') ? text : `${text}\n`;
  } finally {
    await stores?.close();
    await ledger.close();
  }
}
