/**
 * `penny report`: spend by feature (and model, user …) over a time range, as a table, JSON or CSV.
 * A thin shell over `buildReport`; the caller opens the ledger. Flags are validated here, at the edge,
 * with messages that list what is allowed. With no `--by`, the table and JSON also show sections by
 * model and by user; every format carries the 80/20 view except CSV (one table only).
 */
import type { LoadedConfig } from '../config/load.js';
import { InvalidRequestError } from '../core/errors.js';
import { GROUP_KEYS, isGroupKey } from '../ledger/group-keys.js';
import type { GroupKey, Ledger } from '../ledger/ledger.js';
import {
  buildQualityReport,
  QUALITY_BUCKETS,
  type QualityBucket,
  qualityReportJson,
} from '../quality/quality-report.js';
import type { QualityStores } from '../quality/quality-stores.js';
import { buildReport } from '../report/build-report.js';
import { cacheSummary, isEmptyCacheSummary, renderCacheSection } from '../report/cache-section.js';
import { renderReportCsv } from '../report/render-csv.js';
import { renderReportJson } from '../report/render-json.js';
import { renderQualityCsv, renderQualityTable } from '../report/render-quality.js';
import { renderReportTable } from '../report/render-table.js';
import { parseTimeRange } from '../report/time-range.js';

export const REPORT_FORMATS = ['table', 'json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportCommandOptions {
  ledger: Ledger;
  /** Duration back from now: "30m", "24h", "7d", "2w". */
  since?: string;
  /** ISO date or date-time (UTC unless an offset is given). */
  from?: string;
  /** ISO date (whole day included) or date-time. */
  to?: string;
  /** Comma list of group keys, e.g. "feature,model". Default: feature. */
  by?: string;
  format?: ReportFormat;
  /** Clock for `--since`, ms since epoch (default: Date.now()). */
  now?: number;
}

export async function reportCommand(opts: ReportCommandOptions): Promise<string> {
  const format = parseFormat(opts.format);
  const explicitBy = parseBy(opts.by);
  const range = parseTimeRange({ since: opts.since, from: opts.from, to: opts.to }, opts.now ?? Date.now());
  const by: GroupKey[] = explicitBy ?? ['feature'];
  const also: GroupKey[][] = explicitBy === undefined && format !== 'csv' ? [['model'], ['user']] : [];
  const report = await buildReport(opts.ledger, { ...range, by, also });
  switch (format) {
    case 'json':
      return renderReportJson(report);
    case 'csv':
      return renderReportCsv(report);
    case 'table': {
      const cache = await cacheSummary(opts.ledger, range);
      const table = renderReportTable(report);
      return isEmptyCacheSummary(cache) ? table : `${table}\n${renderCacheSection(cache)}`;
    }
  }
}

/** Parses "--by feature,model"; undefined when not given. */
export function parseBy(text: string | undefined): GroupKey[] | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const keys: GroupKey[] = [];
  for (const raw of text.split(',')) {
    const k = raw.trim().toLowerCase();
    if (k === '') continue;
    if (!isGroupKey(k)) {
      throw new InvalidRequestError(
        `--by: unknown group key "${raw.trim()}"; valid keys: ${GROUP_KEYS.join(', ')}`,
        '--by',
      );
    }
    if (!keys.includes(k)) keys.push(k);
  }
  if (keys.length === 0) {
    throw new InvalidRequestError(`--by: no group key given; valid keys: ${GROUP_KEYS.join(', ')}`, '--by');
  }
  return keys;
}

function parseFormat(value: string | undefined): ReportFormat {
  if (value === undefined) return 'table';
  const v = value.trim().toLowerCase();
  if ((REPORT_FORMATS as readonly string[]).includes(v)) return v as ReportFormat;
  throw new InvalidRequestError(
    `--format: unknown format "${value}"; valid formats: ${REPORT_FORMATS.join(', ')}`,
    '--format',
  );
}

export interface QualityReportCommandOptions {
  ledger: Ledger;
  loaded: LoadedConfig;
  /** Null when they could not be opened: the report then shows savings only, and says so. */
  stores: QualityStores | null;
  since?: string;
  from?: string;
  to?: string;
  /** hour | day (default: hour for two days or less, else day). */
  bucket?: string;
  by?: string;
  format?: string;
  now?: number;
}

/** `penny report --quality`: savings beside retention, feedback, the guardrail and experiments. */
export async function qualityReportCommand(o: QualityReportCommandOptions): Promise<string> {
  const format = parseFormat(o.format);
  if (o.by !== undefined)
    throw new InvalidRequestError(
      '--by: the quality report is always per feature and tactic; drop --by',
      '--by',
    );
  let bucket: QualityBucket | undefined;
  if (o.bucket !== undefined) {
    const b = o.bucket.trim().toLowerCase();
    if (!(QUALITY_BUCKETS as readonly string[]).includes(b))
      throw new InvalidRequestError(
        `--bucket: unknown bucket "${o.bucket}"; valid buckets: ${QUALITY_BUCKETS.join(', ')}`,
        '--bucket',
      );
    bucket = b as QualityBucket;
  }
  const now = o.now ?? Date.now();
  const range = parseTimeRange({ since: o.since, from: o.from, to: o.to }, now);
  const report = await buildQualityReport({
    ledger: o.ledger,
    stores: o.stores,
    loaded: o.loaded,
    range,
    now,
    ...(bucket ? { bucket } : {}),
  });
  if (format === 'json') return qualityReportJson(report, 2);
  if (format === 'csv') return renderQualityCsv(report);
  return renderQualityTable(report);
}
