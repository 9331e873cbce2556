/**
 * The spreadsheet report: one RFC 4180 table (CRLF line ends, fields with commas, quotes or line breaks
 * quoted, quotes doubled) of the main grouping. Amounts are exact USD decimals; an all-unpriced group
 * has an empty cost cell and its count in `unpriced`, so no sheet ever sums a fake $0.
 */
import { moneyToDecimal } from '../core/money.js';
import { knownCost, type Report } from './report.js';

const COLUMNS = [
  'requests',
  'errors',
  'input_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'output_tokens',
  'reasoning_tokens',
  'cost_usd',
  'unpriced',
  'baseline_usd',
  'savings_usd',
];

export function renderReportCsv(report: Report): string {
  const lines = [[...report.by, ...COLUMNS].map(csvField).join(',')];
  for (const r of report.rows) {
    const cost = knownCost(r);
    const fields = [
      ...report.by.map((k) => csvText(r.group[k] ?? '')),
      String(r.requests),
      String(r.errors),
      String(r.inputTokens),
      String(r.cacheReadTokens),
      String(r.cacheWriteTokens),
      String(r.outputTokens),
      String(r.reasoningTokens),
      cost === null ? '' : moneyToDecimal(cost),
      String(r.unpriced),
      moneyToDecimal(r.baselineCost),
      moneyToDecimal(r.savings),
    ];
    lines.push(fields.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * A field whose text came from a client (feature, user, model, experiment names…): a leading `=`, `+`, `-`, `@`,
 * tab or carriage return would make a spreadsheet run it as a formula (CSV injection), so such text gets a
 * leading `'`, which spreadsheets show as text. Numbers are written with `csvField` and keep their minus sign.
 */
export function csvText(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** Quotes a field when RFC 4180 requires it. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
