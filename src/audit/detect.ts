/**
 * Log format detection from the first non-empty lines (a malformed first line does not decide the
 * format: up to eight lines are tried). Reads only the file's first 64 KiB.
 */
import { open } from 'node:fs/promises';
import { PennyError } from '../core/errors.js';
import { csvSchema, type CsvSchema } from './read-csv.js';
import { isCompleteRecord, parseCsvRecord } from './csv.js';
import { isObj } from './json-shape.js';
import { looksLedgerExport } from './ledger-export.js';
import { looksAnthropic } from './read-anthropic.js';
import { looksOpenAi } from './read-openai.js';
import { FORMAT_DESCRIPTIONS, type LogFormat } from './types.js';

const PROBE_BYTES = 64 * 1024;
const PROBE_LINES = 8;

export interface Detection {
  format: LogFormat;
  /** The CSV header's column map (CSV only). */
  csv?: CsvSchema;
}

export function formatsHelp(): string {
  return Object.values(FORMAT_DESCRIPTIONS)
    .map((d) => `  - ${d}`)
    .join('\n');
}

export class UnreadableLogError extends PennyError {
  constructor(file: string, problem: string) {
    super('invalid_request', `${file}: ${problem}. penny audit reads:\n${formatsHelp()}`, { param: 'file' });
    this.name = 'UnreadableLogError';
  }
}

/** Classifies one parsed JSON line, or returns null. */
export function classifyJson(o: unknown): LogFormat | null {
  if (!isObj(o)) return null;
  if (looksLedgerExport(o)) return 'ledger';
  if (looksAnthropic(o)) return 'anthropic';
  if (looksOpenAi(o)) return 'openai';
  return null;
}

/** Detects the format from the start of a file's text. Throws UnreadableLogError when it cannot. */
export function detectFromText(file: string, head: string, truncated: boolean): Detection {
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  const lines = text.split('\n');
  if (truncated) lines.pop(); // the last line may be cut by the probe
  const nonEmpty = lines.filter((l) => l.trim() !== '');
  if (nonEmpty.length === 0) {
    if (truncated) throw new UnreadableLogError(file, 'the first 64 KiB hold no complete line');
    throw new UnreadableLogError(file, 'the file is empty');
  }
  const first = nonEmpty[0]!.trim();
  if (first.startsWith('{')) {
    for (const line of nonEmpty.slice(0, PROBE_LINES)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        continue;
      }
      const format = classifyJson(parsed);
      if (format) return { format };
    }
    throw new UnreadableLogError(file, 'unknown format: the first JSON lines match none of the known shapes');
  }
  // CSV: the header may itself span lines only in pathological files; join until the quotes balance.
  let header = '';
  for (const line of nonEmpty) {
    header = header === '' ? line : `${header}\n${line}`;
    if (isCompleteRecord(header)) break;
  }
  try {
    const schema = csvSchema(parseCsvRecord(header));
    if (schema) return { format: 'csv', csv: schema };
  } catch {
    // fall through to the error below
  }
  throw new UnreadableLogError(
    file,
    'unknown format: not JSONL, and not a CSV with model,input_tokens,output_tokens',
  );
}

export async function detectFormat(file: string): Promise<Detection> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(PROBE_BYTES);
    const { bytesRead } = await fh.read(buf, 0, PROBE_BYTES, 0);
    return detectFromText(file, buf.subarray(0, bytesRead).toString('utf8'), bytesRead === PROBE_BYTES);
  } finally {
    await fh.close();
  }
}
