/**
 * Budgets set from the command line (`penny budgets set|delete`), stored in the key store so every running
 * gateway picks them up within `governance.refreshMs`. Flags are validated by the same schema as the config,
 * and a bad one is reported by its flag name.
 */
import { PennyError } from '../core/errors.js';
import { type BudgetConfig, DIMENSIONS, budgetConfigSchema } from './config.js';
import type { KeyStore } from './key-store.js';

export interface BudgetFlags {
  limit?: string;
  window?: string;
  provider?: string;
  model?: string;
  feature?: string;
  key?: string;
  user?: string;
  per?: string;
  policy?: string;
  failMode?: string;
  alertAt?: string;
}

const FLAG_OF: Record<string, string> = { failMode: 'fail-mode', alertAt: 'alert-at' };

export function budgetFromFlags(name: string, f: BudgetFlags): BudgetConfig {
  if (f.limit === undefined)
    throw new PennyError('invalid_request', '--limit: required (USD, e.g. --limit 50)', { param: 'limit' });
  const match: Record<string, string> = {};
  for (const d of DIMENSIONS) if (f[d] !== undefined) match[d] = f[d];
  const split = (s: string) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  const raw: Record<string, unknown> = { name, limit: f.limit, match };
  if (f.window !== undefined) raw.window = f.window;
  if (f.per !== undefined) raw.per = split(f.per);
  if (f.policy !== undefined) raw.policy = f.policy;
  if (f.failMode !== undefined) raw.failMode = f.failMode;
  if (f.alertAt !== undefined) raw.alertAt = split(f.alertAt).map(Number);
  const r = budgetConfigSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const top = String(issue.path[0] ?? 'name');
    const flag = top === 'match' ? String(issue.path[1]) : top === 'name' ? 'name' : (FLAG_OF[top] ?? top);
    throw new PennyError(
      'invalid_request',
      `${flag === 'name' ? 'budget name' : `--${flag}`}: ${issue.message}`,
      {
        param: flag,
      },
    );
  }
  return r.data;
}

export async function setBudget(store: KeyStore, name: string, flags: BudgetFlags): Promise<BudgetConfig> {
  const def = budgetFromFlags(name, flags);
  await store.putBudget(def);
  return def;
}
