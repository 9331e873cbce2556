/**
 * `penny lint-prompt <file|->`: lints a prompt, shows the tokens each finding costs and what that costs per
 * month at the feature's real volume (from the ledger with --feature, or --requests-per-day), and prints
 * the proposed shorter prompt. The output is a report; the prompt itself is never changed.
 */
import { readFileSync } from 'node:fs';
import { InvalidRequestError } from '../core/errors.js';
import { formatUsd } from '../core/money.js';
import type { Ledger } from '../ledger/ledger.js';
import { type LintResult, featureVolume, lintPrompt, monthlyCost } from '../lint/index.js';
import type { PriceCatalog } from '../pricing/catalog.js';

export interface LintPromptOptions {
  text: string;
  model?: string;
  feature?: string;
  requestsPerDay?: number;
  json?: boolean;
  catalog: PriceCatalog;
  /** Needed with `feature`. */
  ledger?: Ledger;
}

export function readPromptSource(source: string): string {
  return source === '-' ? readFileSync(0, 'utf8') : readFileSync(source, 'utf8');
}

export async function lintPromptCommand(o: LintPromptOptions): Promise<string> {
  let requestsPerDay = o.requestsPerDay;
  let volumeFrom = requestsPerDay !== undefined ? 'given' : undefined;
  let model = o.model;
  if (o.feature !== undefined && o.ledger) {
    const v = await featureVolume(o.ledger, o.feature);
    if (requestsPerDay === undefined) {
      requestsPerDay = v.requestsPerDay;
      volumeFrom = `ledger: feature "${o.feature}", ${v.days} day(s) with traffic in the last 30`;
    }
    model ??= v.model;
  }
  const result = lintPrompt(o.text, { model: model ?? 'gpt-4o' });
  const rate = o.catalog.lookup(result.model)?.input;
  const monthly = (tokens: number) =>
    requestsPerDay !== undefined && rate !== undefined ? monthlyCost(tokens, requestsPerDay, rate) : null;
  if (o.json) {
    return JSON.stringify(
      {
        ...result,
        requestsPerDay: requestsPerDay ?? null,
        volumeFrom: volumeFrom ?? null,
        findings: result.findings.map((f) => ({ ...f, monthlyUsd: money(monthly(f.tokens)) })),
        savedTokens: result.tokens - result.rewriteTokens,
        savedMonthlyUsd: money(monthly(result.tokens - result.rewriteTokens)),
      },
      null,
      2,
    );
  }
  return renderText(result, requestsPerDay, volumeFrom, monthly, rate === undefined);
}

function money(m: bigint | null): string | null {
  return m === null ? null : formatUsd(m);
}

function renderText(
  r: LintResult,
  rpd: number | undefined,
  volumeFrom: string | undefined,
  monthly: (t: number) => bigint | null,
  unpriced: boolean,
): string {
  const lines: string[] = [];
  const est = r.exact ? '' : ' (estimated)';
  lines.push(`prompt: ${r.tokens} tokens${est} on ${r.model}`);
  if (rpd !== undefined) lines.push(`volume: ${Math.round(rpd * 10) / 10} requests/day (${volumeFrom})`);
  else lines.push('volume: unknown (use --feature with a ledger, or --requests-per-day N)');
  if (unpriced) lines.push(`price: ${r.model} has no known price`);
  lines.push('');
  if (r.findings.length === 0) lines.push('no findings');
  for (const f of r.findings) {
    const m = monthly(f.tokens);
    lines.push(`- ${f.rule}: ${f.excerpt}`);
    lines.push(`    ${f.message}; ${f.tokens} tokens${m !== null ? `, ${formatUsd(m)}/month` : ''}`);
  }
  const saved = r.tokens - r.rewriteTokens;
  lines.push('');
  const m = monthly(saved);
  lines.push(
    `proposed rewrite: ${r.rewriteTokens} tokens (${saved} fewer${m !== null ? `, ${formatUsd(m)}/month` : ''})`,
  );
  for (const c of r.changes) lines.push(`  * ${c}`);
  lines.push('', '----- rewrite -----', r.rewrite, '-------------------');
  return lines.join('\n');
}

export function parseRequestsPerDay(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidRequestError(`--requests-per-day must be a number ≥ 0, got "${v}"`);
  return n;
}
