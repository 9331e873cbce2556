/**
 * The grouping keys of `Ledger.summarize`, as one list (the source of truth for CLI validation) plus the
 * reference definition of each key over an entry. Every store must group exactly like `groupValue`:
 * "model" is the served model falling back to the requested one, "day" is the UTC date of `ts`, and a
 * missing value becomes "(none)".
 */
import type { LedgerEntry } from '../core/ledger-entry.js';
import type { GroupKey, LedgerFilter } from './ledger.js';

export const GROUP_KEYS = [
  'feature',
  'user',
  'model',
  'provider',
  'day',
  'key',
  'status',
] as const satisfies readonly GroupKey[];

// Compile-time check that GROUP_KEYS lists every GroupKey.
type MissingGroupKey = Exclude<GroupKey, (typeof GROUP_KEYS)[number]>;
const _exhaustive: [MissingGroupKey] extends [never] ? true : never = true;
void _exhaustive;

/** The label used for a null group value. */
export const NONE = '(none)';

export function isGroupKey(value: string): value is GroupKey {
  return (GROUP_KEYS as readonly string[]).includes(value);
}

/** The model a request was billed for: the served model, or the requested one when none was reached. */
export function effectiveModel(e: Pick<LedgerEntry, 'servedModel' | 'requestedModel'>): string {
  return e.servedModel ?? e.requestedModel;
}

/** UTC calendar date (YYYY-MM-DD) of a timestamp in ms. */
export function utcDay(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

export function groupValue(e: LedgerEntry, key: GroupKey): string {
  switch (key) {
    case 'feature':
      return e.feature ?? NONE;
    case 'user':
      return e.user ?? NONE;
    case 'model':
      return effectiveModel(e);
    case 'provider':
      return e.provider ?? NONE;
    case 'day':
      return utcDay(e.ts);
    case 'key':
      return e.keyId ?? NONE;
    case 'status':
      return e.status;
  }
}

/** Reference semantics of a LedgerFilter (`from` inclusive, `to` exclusive, `model` = effective model). */
export function matchesFilter(e: LedgerEntry, f: LedgerFilter): boolean {
  if (f.from !== undefined && e.ts < f.from) return false;
  if (f.to !== undefined && e.ts >= f.to) return false;
  if (f.feature !== undefined && e.feature !== f.feature) return false;
  if (f.user !== undefined && e.user !== f.user) return false;
  if (f.model !== undefined && effectiveModel(e) !== f.model) return false;
  if (f.status !== undefined && e.status !== f.status) return false;
  if (f.id !== undefined && e.id !== f.id) return false;
  if (f.experiment !== undefined || f.arm !== undefined) {
    const x = e.meta?.experiment as { name?: unknown; arm?: unknown } | undefined;
    if (f.experiment !== undefined && x?.name !== f.experiment) return false;
    if (f.arm !== undefined && x?.arm !== f.arm) return false;
  }
  return true;
}
