/**
 * Parses the report's time flags into a [from, to) range in ms. `--since` is a duration back from now
 * ("30m", "24h", "7d", "2w"); `--from`/`--to` take an ISO date or date-time, read as UTC when no offset
 * is given. A date-only `--to` includes that whole day (the range ends at the next midnight UTC).
 * Every error names the flag at fault.
 */
import { InvalidRequestError } from '../core/errors.js';

export interface TimeRangeInput {
  since?: string;
  from?: string;
  to?: string;
}

export interface TimeRange {
  from?: number;
  to?: number;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DAY_MS = 86_400_000;

export function parseTimeRange(input: TimeRangeInput, now: number): TimeRange {
  const since = blankToUndefined(input.since);
  const fromText = blankToUndefined(input.from);
  const toText = blankToUndefined(input.to);
  if (since !== undefined && fromText !== undefined) {
    throw new InvalidRequestError('--since and --from cannot be combined; use one of them', '--since');
  }
  const range: TimeRange = {};
  if (since !== undefined) range.from = now - parseDuration(since);
  if (fromText !== undefined) range.from = parseInstant(fromText, '--from').start;
  if (toText !== undefined) {
    const t = parseInstant(toText, '--to');
    range.to = t.dateOnly ? t.start + DAY_MS : t.start;
  }
  if (range.from !== undefined && range.to !== undefined && range.from >= range.to) {
    const flag = since !== undefined ? '--since' : '--from';
    throw new InvalidRequestError(
      `${flag} must start before --to (${new Date(range.from).toISOString()} is not before ${new Date(range.to).toISOString()})`,
      flag,
    );
  }
  return range;
}

function parseDuration(text: string): number {
  const m = /^(\d+)\s*([mhdw])$/i.exec(text.trim());
  const amount = m ? Number(m[1]) : Number.NaN;
  if (!m || !(amount > 0)) {
    throw new InvalidRequestError(
      `--since: expected a positive duration such as 30m, 24h, 7d or 2w (minutes, hours, days, weeks), got "${text}"`,
      '--since',
    );
  }
  return amount * UNIT_MS[m[2]!.toLowerCase()]!;
}

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

function parseInstant(text: string, flag: string): { start: number; dateOnly: boolean } {
  const m = INSTANT.exec(text.trim());
  const fail = (why: string) =>
    new InvalidRequestError(
      `${flag}: ${why}; expected an ISO date or date-time such as 2025-09-01 or 2025-09-01T14:30Z, got "${text}"`,
      flag,
    );
  if (!m) throw fail('not a date');
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) =>
    Number(v ?? 0),
  ) as [number, number, number, number, number, number];
  const ms = Number((m[7] ?? '').padEnd(3, '0') || 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) throw fail('no such day');
  if (hour > 23 || minute > 59 || second > 59) throw fail('no such time');
  if (m[4] === undefined && m[8] !== undefined) throw fail('an offset needs a time');
  let start = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    const offset = (Number(z[2]) * 60 + Number(z[3])) * 60_000;
    start -= z[1] === '+' ? offset : -offset;
  }
  return { start, dateOnly: m[4] === undefined };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function blankToUndefined(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}
