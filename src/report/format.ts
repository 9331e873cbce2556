/**
 * Text helpers shared by the report renderers: cost cells that say "unknown" instead of $0 when a
 * group is unpriced, exact percentages from bigint ratios, and UTC range labels.
 */
import { formatUsd, type Money } from '../core/money.js';
import { knownCost } from './report.js';

/** "$1.23", "unknown (4 unpriced)", or "$1.23 + unknown (4 unpriced)". */
export function formatCost(r: { requests: number; unpriced: number; cost: Money }): string {
  const unknown = `unknown (${r.unpriced} unpriced)`;
  if (knownCost(r) === null) return unknown;
  if (r.unpriced === 0) return formatUsd(r.cost);
  return `${formatUsd(r.cost)} + ${unknown}`;
}

/** part / whole as a percentage with one decimal, rounded half up ("81.3%"); "–" when whole is 0. */
export function formatPercent(part: Money, whole: Money): string {
  if (whole === 0n) return '–';
  const neg = part * whole < 0n;
  const p = part < 0n ? -part : part;
  const w = whole < 0n ? -whole : whole;
  const tenths = (p * 2000n + w) / (2n * w);
  return `${neg ? '-' : ''}${tenths / 10n}.${tenths % 10n}%`;
}

/** A share 0..1 as "81.3%". */
export function formatShare(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

export function formatInt(n: number): string {
  return n.toLocaleString('en-US');
}

/** "2025-09-01 00:00 UTC". */
export function formatUtc(ts: number): string {
  const iso = new Date(ts).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function formatRange(from: number | undefined, to: number | undefined): string {
  if (from === undefined && to === undefined) return 'all time';
  if (to === undefined) return `since ${formatUtc(from!)}`;
  if (from === undefined) return `until ${formatUtc(to)}`;
  return `${formatUtc(from)} → ${formatUtc(to)}`;
}
