/**
 * `penny export finetune`: a feature's answered requests from its expensive model, as fine-tuning JSONL —
 * the data to distil that model into a cheaper one. Bodies exist only where the feature's policy stored
 * them, so the export always says how many requests it left out and why; it never guesses a prompt.
 * Without --model it takes the model the feature spends most on.
 */
import { createHash } from 'node:crypto';
import type { LedgerEntry } from '../core/ledger-entry.js';
import type { Money } from '../core/money.js';
import { effectiveModel } from '../ledger/group-keys.js';
import type { Ledger } from '../ledger/ledger.js';
import type { BodyStore } from '../prompts-store/body-store.js';
import { toFinetuneExample } from './finetune-format.js';

export const LEFT_OUT_REASONS = [
  'error_status',
  'other_model',
  'no_stored_body',
  'truncated',
  'filtered',
  'empty_answer',
  'duplicate',
] as const;
export type LeftOutReason = (typeof LEFT_OUT_REASONS)[number];

export const REASON_TEXT: Record<LeftOutReason, string> = {
  error_status: 'failed or aborted request',
  other_model: 'answered by another model',
  no_stored_body: 'no stored body (the feature policy did not store prompts then)',
  truncated: 'truncated answer (hit max_tokens)',
  filtered: 'answer stopped by a content filter',
  empty_answer: 'empty answer',
  duplicate: 'duplicate of an exported example',
};

export interface FinetuneExportOptions {
  ledger: Ledger;
  /** null when no body store exists: every request is left out as "no stored body". */
  bodies: BodyStore | null;
  feature: string;
  /** The expensive model to distil; default: the model with the highest cost for the feature. */
  model?: string;
  from?: number;
  to?: number;
  /** Receives one JSONL line (with its trailing newline) per example, oldest request first. */
  write: (line: string) => void;
}

export interface FinetuneExportReport {
  feature: string;
  model: string | null;
  /** Whether the model came from the caller or was chosen by cost. */
  modelSource: 'given' | 'highest_cost' | 'none';
  /** The feature's models by cost, for the summary. */
  models: Array<{ model: string; requests: number; cost: Money; unpriced: number }>;
  considered: number;
  written: number;
  leftOut: Record<LeftOutReason, number>;
}

export async function exportFinetune(o: FinetuneExportOptions): Promise<FinetuneExportReport> {
  const range = {
    ...(o.from !== undefined ? { from: o.from } : {}),
    ...(o.to !== undefined ? { to: o.to } : {}),
  };
  const byModel = await o.ledger.summarize({ ...range, feature: o.feature, status: 'ok' }, ['model']);
  const models = byModel.map((r) => ({
    model: r.group.model ?? '',
    requests: r.requests,
    cost: r.cost,
    unpriced: r.unpriced,
  }));
  const model = o.model ?? models[0]?.model ?? null;
  const report: FinetuneExportReport = {
    feature: o.feature,
    model,
    modelSource: o.model ? 'given' : model ? 'highest_cost' : 'none',
    models,
    considered: 0,
    written: 0,
    leftOut: Object.fromEntries(LEFT_OUT_REASONS.map((r) => [r, 0])) as Record<LeftOutReason, number>,
  };
  const entries = (await o.ledger.query({ ...range, feature: o.feature })).reverse();
  const seen = new Set<string>();
  for (const e of entries) {
    report.considered += 1;
    const reason = await exportOne(e, model, o.bodies, seen, o.write);
    if (reason) report.leftOut[reason] += 1;
    else report.written += 1;
  }
  return report;
}

async function exportOne(
  e: LedgerEntry,
  model: string | null,
  bodies: BodyStore | null,
  seen: Set<string>,
  write: (line: string) => void,
): Promise<LeftOutReason | null> {
  if (e.status !== 'ok') return 'error_status';
  if (effectiveModel(e) !== model) return 'other_model';
  const hash = e.meta?.bodyHash;
  const stored = typeof hash === 'string' && bodies ? await bodies.get(hash) : undefined;
  if (!stored) return 'no_stored_body';
  const finish = stored.response.choices[0]?.finish.unified;
  if (finish === 'length') return 'truncated';
  if (finish === 'content_filter') return 'filtered';
  const example = toFinetuneExample(stored.request, stored.response);
  if (!example) return 'empty_answer';
  const line = JSON.stringify(example);
  const key = createHash('sha256').update(line).digest('hex');
  if (seen.has(key)) return 'duplicate';
  seen.add(key);
  write(`${line}\n`);
  return null;
}

/** The human summary printed after an export (stderr), naming every reason a request was left out. */
export function renderExportSummary(r: FinetuneExportReport, out: string): string {
  const lines: string[] = [];
  if (r.model === null) {
    lines.push(`feature "${r.feature}" has no answered requests in the ledger; nothing to export.`);
    return lines.join('\n');
  }
  const how = r.modelSource === 'highest_cost' ? ' (the model it spends most on; choose with --model)' : '';
  lines.push(
    `wrote ${r.written} example${r.written === 1 ? '' : 's'} for feature "${r.feature}" answered by ${r.model}${how} to ${out}`,
  );
  const left = r.considered - r.written;
  lines.push(`considered ${r.considered} request${r.considered === 1 ? '' : 's'}; left out ${left}:`);
  for (const reason of LEFT_OUT_REASONS) {
    const n = r.leftOut[reason];
    if (n > 0) lines.push(`  ${String(n).padStart(6)}  ${REASON_TEXT[reason]}`);
  }
  if (r.leftOut.no_stored_body > 0)
    lines.push(
      `to keep bodies for future exports, set features.${r.feature}.storePrompts: true in the config (off by default).`,
    );
  return lines.join('\n');
}
