/**
 * CSV usage logs → audit records. The header names the columns (any order, case-insensitive, a few
 * aliases). `input_tokens` is the WHOLE prompt including cached tokens (OpenAI's convention), and
 * `cached_tokens` is the part of it read from the provider cache; a CSV exported with Anthropic's
 * convention should add the cache columns into `input_tokens` first.
 */
import { isDeferrable, timestamp } from './json-shape.js';
import type { LineResult } from './line-result.js';

const COLUMNS = {
  feature: ['feature', 'feature_name', 'endpoint'],
  model: ['model', 'model_name'],
  input: ['input_tokens', 'prompt_tokens', 'tokens_in'],
  output: ['output_tokens', 'completion_tokens', 'tokens_out'],
  cached: ['cached_tokens', 'cache_read_tokens', 'cached_input_tokens'],
  user: ['user', 'user_id'],
  ts: ['timestamp', 'ts', 'time', 'created_at', 'date'],
  maxTokens: ['max_tokens'],
  provider: ['provider'],
  tags: ['tags', 'tag', 'priority'],
} as const;

export type CsvColumn = keyof typeof COLUMNS;

export interface CsvSchema {
  width: number;
  index: Partial<Record<CsvColumn, number>>;
}

/** Builds the column map from a header record, or returns null when required columns are missing. */
export function csvSchema(header: string[]): CsvSchema | null {
  const names = header.map((h) => h.trim().toLowerCase());
  const index: Partial<Record<CsvColumn, number>> = {};
  for (const [col, aliases] of Object.entries(COLUMNS) as Array<[CsvColumn, readonly string[]]>) {
    const i = names.findIndex((n) => aliases.includes(n));
    if (i !== -1) index[col] = i;
  }
  if (index.model === undefined || index.input === undefined || index.output === undefined) return null;
  return { width: names.length, index };
}

function tokenField(v: string | undefined, name: string): number {
  if (v === undefined || v.trim() === '') return 0;
  const t = v.trim();
  if (!/^\d+$/.test(t)) throw new TypeError(`${name} is not a token count: "${t.slice(0, 20)}"`);
  return Number(t);
}

export function parseCsvFields(fields: string[], schema: CsvSchema, lineNo: number): LineResult {
  if (fields.length !== schema.width) {
    return { kind: 'malformed', reason: `expected ${schema.width} fields, found ${fields.length}` };
  }
  const get = (c: CsvColumn): string | undefined => {
    const i = schema.index[c];
    return i === undefined ? undefined : fields[i];
  };
  const model = get('model')?.trim();
  if (!model) return { kind: 'malformed', reason: 'empty model' };
  let input: number;
  let output: number;
  let cached: number;
  let maxTokens: number | null;
  try {
    input = tokenField(get('input'), 'input_tokens');
    output = tokenField(get('output'), 'output_tokens');
    cached = tokenField(get('cached'), 'cached_tokens');
    const mt = get('maxTokens');
    maxTokens = mt === undefined || mt.trim() === '' ? null : tokenField(mt, 'max_tokens');
  } catch (err) {
    return { kind: 'malformed', reason: (err as Error).message };
  }
  if (cached > input) return { kind: 'malformed', reason: 'cached_tokens is larger than input_tokens' };
  const feature = get('feature')?.trim() || null;
  const tags = get('tags')?.trim();
  const rawTs = get('ts')?.trim();
  const ts = rawTs ? timestamp(rawTs) : null;
  if (rawTs && ts === null)
    return { kind: 'malformed', reason: `timestamp is not a time: "${rawTs.slice(0, 30)}"` };
  return {
    kind: 'record',
    record: {
      line: lineNo,
      format: 'csv',
      ts,
      feature,
      user: get('user')?.trim() || null,
      provider: get('provider')?.trim() || null,
      model,
      usage: {
        inputUncached: input - cached,
        cacheRead: cached,
        cacheWrite5m: 0,
        cacheWrite1h: 0,
        outputText: output,
        reasoning: 0,
      },
      maxTokens,
      truncated: maxTokens !== null && output >= maxTokens,
      batch: false,
      deferrable: isDeferrable(tags ? { tags } : undefined, feature),
      promptKey: null,
      prompt: null,
    },
  };
}
