/**
 * Recorded outcomes of N models on a set of prompts — the input of `penny bench replay --input` and
 * `penny router eval|train --input`. One record per prompt: every model's quality score and the $ its
 * call cost, optionally its answer text, token log-probabilities, and tests for code answers. JSONL (one
 * object a line) or CSV (columns `prompt`, `<model>:score`, `<model>:cost`, optional `<model>:response`,
 * `<model>:logprobs` as a JSON array, and `id`, `group`, `tests`). Validated with zod; every error names
 * the file, the line and the field. See docs/replay-outcomes.md.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InvalidRequestError } from '../../core/errors.js';
import { type Money, usd } from '../../core/money.js';
import type { TokenLogprob } from '../../pipeline/cascade/checks.js';
import { parseCsv } from './csv.js';
import type { OverrulingDataset, TwoModelDataset } from './datasets.js';

export interface OutcomeRecord {
  /** Stable id for the train/test split: `id` if given, else the prompt text. */
  id: string;
  prompt: string;
  /** Line of the file the record came from (1-based). */
  line?: number;
  group?: string;
  /** Test code a code answer must pass (run by the `codeTests` check). */
  tests?: string;
  score: Record<string, number>;
  cost: Record<string, Money>;
  response?: Record<string, string>;
  logprobs?: Record<string, TokenLogprob[]>;
}

export interface OutcomeDataset {
  name: string;
  title: string;
  /** Models in the order of the file. */
  models: string[];
  /** True when every score is 0 or 1 (correctness). */
  binary: boolean;
  records: OutcomeRecord[];
}

const costSchema = z.union([
  z.number().nonnegative().finite(),
  z.string().regex(/^\d+(\.\d+)?([eE][-+]?\d+)?$/, 'a non-negative decimal amount in USD, e.g. "0.000597"'),
]);
const logprobsSchema = z.array(z.strictObject({ token: z.string(), logprob: z.number().max(0) }));

const modelOutcomeSchema = z.strictObject({
  score: z.number().finite(),
  cost: costSchema,
  response: z.string().optional(),
  logprobs: logprobsSchema.optional(),
});

export const outcomeLineSchema = z.strictObject({
  id: z.union([z.string().min(1), z.number().int()]).optional(),
  prompt: z.string(),
  group: z.string().optional(),
  tests: z.string().optional(),
  models: z
    .record(z.string().min(1), modelOutcomeSchema)
    .refine((m) => Object.keys(m).length >= 2, 'at least two models'),
});

/** A bad outcome file: the message names the file, the line and the field (the CLI prints it, exit 2). */
export class OutcomeFileError extends InvalidRequestError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string,
    message: string,
  ) {
    super(`${file}:${line}: ${field ? `${field}: ` : ''}${message}`, field || undefined);
    this.name = 'OutcomeFileError';
  }
}

function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.');
}

function fromLine(v: z.output<typeof outcomeLineSchema>, file: string, line: number): OutcomeRecord {
  const score: Record<string, number> = {};
  const cost: Record<string, Money> = {};
  const response: Record<string, string> = {};
  const logprobs: Record<string, TokenLogprob[]> = {};
  for (const [m, o] of Object.entries(v.models)) {
    score[m] = o.score;
    try {
      cost[m] = usd(o.cost);
    } catch (e) {
      throw new OutcomeFileError(file, line, `models.${m}.cost`, (e as Error).message);
    }
    if (o.response !== undefined) response[m] = o.response;
    if (o.logprobs !== undefined) logprobs[m] = o.logprobs;
  }
  return {
    id: v.id === undefined ? v.prompt : String(v.id),
    prompt: v.prompt,
    line,
    ...(v.group !== undefined ? { group: v.group } : {}),
    ...(v.tests !== undefined ? { tests: v.tests } : {}),
    score,
    cost,
    ...(Object.keys(response).length ? { response } : {}),
    ...(Object.keys(logprobs).length ? { logprobs } : {}),
  };
}

function validated(raw: unknown, file: string, line: number): OutcomeRecord {
  const r = outcomeLineSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new OutcomeFileError(file, line, issuePath(issue.path), issue.message);
  }
  return fromLine(r.data, file, line);
}

export function parseOutcomesJsonl(text: string, file = 'outcomes.jsonl'): OutcomeRecord[] {
  const out: OutcomeRecord[] = [];
  text.split('\n').forEach((l, i) => {
    if (l.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(l);
    } catch (e) {
      throw new OutcomeFileError(file, i + 1, '', `not JSON: ${(e as Error).message}`);
    }
    out.push(validated(raw, file, i + 1));
  });
  return out;
}

const CSV_SUFFIXES = ['score', 'cost', 'response', 'logprobs'] as const;

/** CSV: `<model>:score` etc.; the model name is everything before the last colon. Lines count the header as 1. */
export function parseOutcomesCsv(text: string, file = 'outcomes.csv'): OutcomeRecord[] {
  const rows = parseCsv(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const header = rows[0];
  if (!header) return [];
  const known = new Set(['id', 'prompt', 'group', 'tests']);
  const cols: { k: number; model: string; field: (typeof CSV_SUFFIXES)[number] }[] = [];
  header.forEach((h, k) => {
    if (known.has(h)) return;
    const at = h.lastIndexOf(':');
    const suffix = h.slice(at + 1) as (typeof CSV_SUFFIXES)[number];
    if (at <= 0 || !CSV_SUFFIXES.includes(suffix)) {
      throw new OutcomeFileError(
        file,
        1,
        h,
        'unknown column (expected id, prompt, group, tests or <model>:score|cost|response|logprobs)',
      );
    }
    cols.push({ k, model: h.slice(0, at), field: suffix });
  });
  if (!header.includes('prompt')) throw new OutcomeFileError(file, 1, 'prompt', 'missing column');
  const out: OutcomeRecord[] = [];
  // CSV rows can span lines (quoted newlines); the reported line is the record's index + 1 (header = 1).
  rows.slice(1).forEach((row, i) => {
    const line = i + 2;
    const cell = (name: string) => {
      const k = header.indexOf(name);
      return k >= 0 ? row[k] : undefined;
    };
    const models: Record<string, Record<string, unknown>> = {};
    for (const c of cols) {
      const v = row[c.k] ?? '';
      const m = models[c.model] ?? {};
      models[c.model] = m;
      if (c.field === 'score' || c.field === 'cost') {
        if (v.trim() === '') continue;
        const n = c.field === 'score' ? Number(v) : v.trim();
        if (c.field === 'score' && Number.isNaN(n))
          throw new OutcomeFileError(file, line, `${c.model}:score`, `not a number: "${v.slice(0, 40)}"`);
        m[c.field] = n;
      } else if (c.field === 'response') {
        m.response = v;
      } else if (v.trim() !== '') {
        try {
          m.logprobs = JSON.parse(v);
        } catch (e) {
          throw new OutcomeFileError(file, line, `${c.model}:logprobs`, `not JSON: ${(e as Error).message}`);
        }
      }
    }
    const raw = {
      prompt: cell('prompt') ?? '',
      ...(cell('id') ? { id: cell('id') } : {}),
      ...(cell('group') ? { group: cell('group') } : {}),
      ...(cell('tests') ? { tests: cell('tests') } : {}),
      models,
    };
    const r = outcomeLineSchema.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const p = issue.path;
      const field = p[0] === 'models' && p.length >= 3 ? `${String(p[1])}:${String(p[2])}` : issuePath(p);
      throw new OutcomeFileError(file, line, field, issue.message);
    }
    out.push(fromLine(r.data, file, line));
  });
  return out;
}

/** Every record must list the same models; ids must be unique. */
function checkConsistent(records: readonly OutcomeRecord[], file: string): string[] {
  const first = records[0];
  if (!first) throw new OutcomeFileError(file, 1, '', 'no records');
  const models = Object.keys(first.score);
  const seen = new Set<string>();
  records.forEach((r, i) => {
    const have = Object.keys(r.score);
    const missing = models.filter((m) => !(m in r.score));
    const extra = have.filter((m) => !models.includes(m));
    if (missing.length || extra.length) {
      throw new OutcomeFileError(
        file,
        r.line ?? i + 1,
        `models.${missing[0] ?? extra[0]}`,
        missing.length ? 'missing (every record lists the same models)' : 'not in the first record',
      );
    }
    if (seen.has(r.id))
      throw new OutcomeFileError(file, r.line ?? i + 1, 'id', `duplicate id "${r.id.slice(0, 60)}"`);
    seen.add(r.id);
  });
  return models;
}

export function outcomeDataset(records: OutcomeRecord[], name: string, file = name): OutcomeDataset {
  const models = checkConsistent(records, file);
  const binary = records.every((r) => models.every((m) => r.score[m] === 0 || r.score[m] === 1));
  return { name, title: name, models, binary, records };
}

/** Reads an outcome file (.csv → CSV, anything else → JSONL). */
export function loadOutcomeFile(path: string): OutcomeDataset {
  const text = readFileSync(path, 'utf8');
  const records = path.toLowerCase().endsWith('.csv')
    ? parseOutcomesCsv(text, path)
    : parseOutcomesJsonl(text, path);
  const base = path.split(/[\\/]/).pop() ?? path;
  return outcomeDataset(records, base, path);
}

// ---------------------------------------------------------------------------------------------------
// The shared datasets in the same shape, so every report runs the same evidence code.

export function outcomesFromTwoModel(ds: TwoModelDataset, weak: string, strong: string): OutcomeDataset {
  const records = ds.records.map((r): OutcomeRecord => {
    const response: Record<string, string> = {};
    if (r.weakResponse !== undefined) response[weak] = r.weakResponse;
    if (r.strongResponse !== undefined) response[strong] = r.strongResponse;
    return {
      id: r.id,
      prompt: r.prompt,
      ...(r.group !== undefined ? { group: r.group } : {}),
      score: { [weak]: r.w, [strong]: r.s },
      cost: { [weak]: r.costW, [strong]: r.costS },
      ...(Object.keys(response).length === 2 ? { response } : {}),
    };
  });
  return { name: ds.name, title: ds.title, models: [weak, strong], binary: ds.binary, records };
}

export function outcomesFromOverruling(ds: OverrulingDataset): OutcomeDataset {
  const records = ds.records.map(
    (r): OutcomeRecord => ({
      id: r.id,
      prompt: r.content,
      score: Object.fromEntries(ds.models.map((m) => [m, r.correct[m] ? 1 : 0])),
      cost: { ...r.cost },
      response: { ...r.answers },
    }),
  );
  return { name: 'overruling', title: 'FrugalGPT OVERRULING', models: [...ds.models], binary: true, records };
}
