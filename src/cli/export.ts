/**
 * `penny export finetune`: a thin shell over `exportFinetune`. Opens the ledger and the body store beside
 * it (read-only; a missing store just means nothing was stored), writes JSONL to --out or stdout, and
 * prints what was left out and why on stderr so a redirected stdout holds only the data.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { InvalidRequestError } from '../core/errors.js';
import { moneyToDecimal } from '../core/money.js';
import { openConfiguredLedger } from '../ledger/open-ledger.js';
import { exportFinetune, type FinetuneExportReport, renderExportSummary } from '../export/finetune-export.js';
import { openBodyStore } from '../prompts-store/open-body-store.js';
import { parseTimeRange } from '../report/time-range.js';

export interface ExportFinetuneCommandOptions {
  feature?: string;
  model?: string;
  out?: string;
  since?: string;
  from?: string;
  to?: string;
  config?: string;
  ledger?: string;
  json?: boolean;
  /** Where the summary goes (default stderr). */
  log?: (text: string) => void;
  now?: number;
}

export async function exportFinetuneCommand(o: ExportFinetuneCommandOptions): Promise<FinetuneExportReport> {
  if (!o.feature) throw new InvalidRequestError('--feature is required (the feature to export)', '--feature');
  const range = parseTimeRange({ since: o.since, from: o.from, to: o.to }, o.now ?? Date.now());
  const loaded = loadConfig({
    ...(o.config ? { file: o.config } : {}),
    ...(o.ledger ? { overrides: { ledgerPath: o.ledger } } : {}),
  });
  const ledger = await openConfiguredLedger(loaded, { reader: true });
  const bodies = await openBodyStore(loaded, { reader: true });
  const fd = o.out ? openSync(o.out, 'w') : 1;
  try {
    const report = await exportFinetune({
      ledger,
      bodies,
      feature: o.feature,
      ...(o.model ? { model: o.model } : {}),
      ...range,
      write: (line) => {
        writeSync(fd, line);
      },
    });
    const log = o.log ?? ((t: string) => process.stderr.write(`${t}\n`));
    log(
      o.json
        ? JSON.stringify({
            ...report,
            models: report.models.map((m) => ({ ...m, cost: moneyToDecimal(m.cost) })),
          })
        : renderExportSummary(report, o.out ?? 'stdout'),
    );
    return report;
  } finally {
    if (o.out) closeSync(fd);
    await bodies?.close();
    await ledger.close();
  }
}
