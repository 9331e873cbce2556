/**
 * The time range of a dashboard API call, from its query string: `since=7d` (m, h, d, w back from now),
 * or `from` / `to` as ms since the epoch or ISO dates. No parameters = all time. `to` is exclusive.
 */
import { InvalidRequestError } from '../core/errors.js';

export interface ApiRange {
  from?: number;
  to?: number;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseApiRange(params: URLSearchParams, now: number): ApiRange {
  const range: ApiRange = {};
  const since = params.get('since');
  if (since) {
    const m = /^(\d+)([mhdw])$/.exec(since.trim());
    if (!m || Number(m[1]) <= 0)
      throw new InvalidRequestError(`since: "${since}" is not a duration like 30m, 24h, 7d or 2w`, 'since');
    range.from = now - Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  const from = params.get('from');
  if (from) range.from = instant(from, 'from');
  const to = params.get('to');
  if (to) range.to = instant(to, 'to');
  if (range.from !== undefined && range.to !== undefined && range.from >= range.to)
    throw new InvalidRequestError('from must be before to', 'from');
  return range;
}

function instant(text: string, name: string): number {
  const t = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(t)) throw new InvalidRequestError(`${name}: "${text}" is not a time`, name);
  return t;
}
