/**
 * `penny audit <file>`: reads existing logs (OpenAI / Anthropic request+response JSONL, Penny's ledger
 * export, or a CSV of tokens), prices them with the catalog, and prints where the money goes and the
 * savings per tactic; `--html` also writes a self-contained report and `--json` prints the data.
 * The progress bar (by bytes read) goes to stderr and only when stderr is a terminal.
 */
import { writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { runAudit } from '../audit/audit.js';
import { auditPricing } from '../audit/fast-cost.js';
import { renderAuditHtml } from '../audit/render-html.js';
import { renderAuditJson, renderAuditText } from '../audit/render-text.js';
import type { Thresholds } from '../audit/tactics/tactic.js';
import type { PriceCatalog } from '../pricing/catalog.js';
import { loadCatalog } from '../pricing/catalog.js';
import type { PriceEntry } from '../pricing/price.js';

export interface AuditCommandOptions {
  file: string;
  /** Also write the HTML report to this path. */
  html?: string;
  /** Print the report as JSON (money as decimal USD strings) instead of the terminal summary. */
  json?: boolean;
  /** Price lookup to use instead of the bundled catalog (costs still come from the cost engine). */
  priceLookup?: (model: string, provider?: string) => PriceEntry | undefined;
  /** A catalog to use (e.g. one built from config with overrides). */
  catalog?: PriceCatalog;
  /** Show a progress bar; default: when stderr is a TTY. */
  progress?: boolean;
  thresholds?: Partial<Thresholds>;
}

export async function auditCommand(opts: AuditCommandOptions): Promise<string> {
  let lookup = opts.priceLookup;
  if (!lookup) {
    const catalog = opts.catalog ?? loadCatalog();
    lookup = (model, provider) => catalog.lookup(model, provider);
  }
  const showProgress = opts.progress ?? process.stderr.isTTY === true;
  let bar: cliProgress.SingleBar | null = null;
  const onProgress = showProgress
    ? (bytes: number, total: number) => {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            {
              stream: process.stderr,
              format: 'auditing [{bar}] {percentage}% | {mb} / {totalMb} MB | eta {eta_formatted}',
              hideCursor: true,
              clearOnComplete: true,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(total, 0, { mb: '0', totalMb: (total / 1e6).toFixed(0) });
        }
        bar.update(bytes, { mb: (bytes / 1e6).toFixed(0) });
      }
    : undefined;
  let report: Awaited<ReturnType<typeof runAudit>>;
  try {
    report = await runAudit(opts.file, {
      pricing: auditPricing(lookup),
      ...(onProgress ? { onProgress } : {}),
      ...(opts.thresholds ? { thresholds: opts.thresholds } : {}),
    });
  } finally {
    (bar as cliProgress.SingleBar | null)?.stop();
  }
  const out: string[] = [opts.json ? renderAuditJson(report) : renderAuditText(report)];
  if (opts.html) {
    writeFileSync(opts.html, renderAuditHtml(report));
    if (!opts.json) out.push('', `HTML report written to ${opts.html}`);
  }
  return out.join('\n');
}
