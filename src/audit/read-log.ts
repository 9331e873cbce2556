/**
 * Streams a log file line by line (node:readline over a read stream — the file is never held whole)
 * and turns each line into an audit record for `onRecord`. A bad line is counted with its number and a
 * few examples kept; it never stops the read. JSONL files may mix OpenAI and Anthropic lines.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { isCompleteRecord, parseCsvRecord } from './csv.js';
import { type Detection, UnreadableLogError, detectFormat } from './detect.js';
import { type Obj, isObj } from './json-shape.js';
import { parseLedgerLine, looksLedgerExport } from './ledger-export.js';
import { BatchPairing, type LineResult } from './line-result.js';
import { looksAnthropic, parseAnthropicLine } from './read-anthropic.js';
import { parseCsvFields } from './read-csv.js';
import { looksOpenAi, parseOpenAiLine } from './read-openai.js';
import type { AuditRecord, LogFormat, MalformedLine } from './types.js';

export const MAX_MALFORMED_EXAMPLES = 20;
const EXCERPT_CHARS = 120;
/** A CSV record that has not closed its quotes after this many characters is reported as malformed. */
const MAX_CSV_RECORD_CHARS = 1 << 20;

export interface ReadLogOptions {
  onRecord(record: AuditRecord): void;
  /** Called every few thousand lines and at the end with bytes read so far and the file size. */
  onProgress?(bytesRead: number, totalBytes: number): void;
}

export interface ReadLogSummary {
  format: LogFormat;
  formats: Partial<Record<LogFormat, number>>;
  /** Physical lines read, including empty ones. */
  lines: number;
  records: number;
  malformed: { count: number; examples: MalformedLine[] };
  /** Valid lines that are not billed requests, by reason. */
  skipped: Record<string, number>;
  unmatchedBatchInputs: number;
  bytes: number;
}

function parseJsonLine(
  text: string,
  lineNo: number,
  preferAnthropic: boolean,
  pairing: BatchPairing,
): LineResult {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return { kind: 'malformed', reason: `invalid JSON (${(err as Error).message})` };
  }
  if (!isObj(v)) return { kind: 'malformed', reason: 'not a JSON object' };
  const o: Obj = v;
  if (looksLedgerExport(o)) return parseLedgerLine(o, lineNo);
  if (preferAnthropic) {
    if (looksAnthropic(o)) return parseAnthropicLine(o, lineNo, pairing);
    if (looksOpenAi(o)) return parseOpenAiLine(o, lineNo, pairing);
  } else {
    if (looksOpenAi(o)) return parseOpenAiLine(o, lineNo, pairing);
    if (looksAnthropic(o)) return parseAnthropicLine(o, lineNo, pairing);
  }
  return { kind: 'malformed', reason: 'not an OpenAI, Anthropic or ledger-export line' };
}

export async function readLog(
  file: string,
  opts: ReadLogOptions,
  detection?: Detection,
): Promise<ReadLogSummary> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new UnreadableLogError(file, 'not a regular file');
    size = st.size;
  } catch (err) {
    if (err instanceof UnreadableLogError) throw err;
    throw new UnreadableLogError(
      file,
      `cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (size === 0) throw new UnreadableLogError(file, 'the file is empty');
  const det = detection ?? (await detectFormat(file));
  const summary: ReadLogSummary = {
    format: det.format,
    formats: {},
    lines: 0,
    records: 0,
    malformed: { count: 0, examples: [] },
    skipped: {},
    unmatchedBatchInputs: 0,
    bytes: size,
  };
  const pairing = new BatchPairing();
  const preferAnthropic = det.format === 'anthropic';
  const csv = det.csv;
  let csvHeaderSeen = false;
  let pending = '';
  let pendingLine = 0;

  const malformed = (lineNo: number, reason: string, text: string) => {
    summary.malformed.count++;
    if (summary.malformed.examples.length < MAX_MALFORMED_EXAMPLES) {
      summary.malformed.examples.push({ line: lineNo, reason, excerpt: text.slice(0, EXCERPT_CHARS) });
    }
  };
  const handle = (r: LineResult, lineNo: number, text: string) => {
    if (r.kind === 'record') {
      summary.records++;
      summary.formats[r.record.format] = (summary.formats[r.record.format] ?? 0) + 1;
      opts.onRecord(r.record);
    } else if (r.kind === 'skip') summary.skipped[r.reason] = (summary.skipped[r.reason] ?? 0) + 1;
    else malformed(lineNo, r.reason, text);
  };
  const csvRecord = (text: string, lineNo: number) => {
    if (!csvHeaderSeen) {
      csvHeaderSeen = true; // the header was validated by detection
      return;
    }
    let fields: string[];
    try {
      fields = parseCsvRecord(text);
    } catch (err) {
      malformed(lineNo, (err as Error).message, text);
      return;
    }
    handle(parseCsvFields(fields, csv!, lineNo), lineNo, text);
  };

  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  const rl = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  const done = new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    rl.on('close', resolve);
  });
  let lineNo = 0;
  rl.on('line', (raw: string) => {
    lineNo++;
    if (lineNo === 1 && raw.charCodeAt(0) === 0xfeff) raw = raw.slice(1);
    if ((lineNo & 4095) === 0) opts.onProgress?.(stream.bytesRead, size);
    if (csv) {
      if (pending !== '') {
        pending += `\n${raw}`;
        if (isCompleteRecord(pending)) {
          const text = pending;
          pending = '';
          csvRecord(text, pendingLine);
        } else if (pending.length > MAX_CSV_RECORD_CHARS) {
          malformed(pendingLine, 'quoted field never closed', pending);
          pending = '';
        }
        return;
      }
      if (raw.trim() === '') return;
      if (!isCompleteRecord(raw)) {
        pending = raw;
        pendingLine = lineNo;
        return;
      }
      csvRecord(raw, lineNo);
      return;
    }
    if (raw.length === 0 || (raw.charCodeAt(0) <= 32 && raw.trim() === '')) return;
    handle(parseJsonLine(raw, lineNo, preferAnthropic, pairing), lineNo, raw);
  });
  await done;
  if (pending !== '') malformed(pendingLine, 'quoted field never closed', pending);
  summary.lines = lineNo;
  summary.unmatchedBatchInputs = pairing.unmatched;
  opts.onProgress?.(size, size);
  return summary;
}
