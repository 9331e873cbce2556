/** `penny report --format jsonl`: every ledger entry in the time range as one JSON line (money as exact decimals). */
import { toLedgerExportLine } from '../audit/ledger-export.js';
import type { Ledger } from '../ledger/ledger.js';
import { parseTimeRange } from '../report/time-range.js';

export async function exportLedgerJsonl(
  ledger: Ledger,
  range: { since?: string; from?: string; to?: string },
  write: (line: string) => void,
  now: number = Date.now(),
): Promise<number> {
  const { from, to } = parseTimeRange(range, now);
  const entries = await ledger.query({
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
  });
  // Oldest first, as a log is read.
  for (let i = entries.length - 1; i >= 0; i--) write(`${JSON.stringify(toLedgerExportLine(entries[i]!))}\n`);
  return entries.length;
}
