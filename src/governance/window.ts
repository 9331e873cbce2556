/**
 * Budget windows. Calendar windows (day, week from Monday, month) start at local midnight in the configured
 * time zone, so a "day" in Europe/Paris resets at Paris midnight, DST included; `total` never resets; a
 * rolling window (e.g. 24h) counts spend in buckets of 1/24 of its length, and a bucket counts while any
 * part of it lies inside the window — so rolling spend is never under-counted.
 */
import type { WindowSpec } from './counter-store.js';

export type WindowName = 'day' | 'week' | 'month' | 'total' | `${number}${'m' | 'h' | 'd'}`;

export interface ResolvedWindow {
  /** Part of the counter key: which window the spend belongs to. */
  id: string;
  spec: WindowSpec;
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function rollingLengthMs(name: string): number | null {
  const m = /^(\d+)([mhd])$/.exec(name);
  if (!m) return null;
  return Number(m[1]) * UNIT_MS[m[2] as 'm' | 'h' | 'd'];
}

export function resolveWindow(name: string, now: number, timeZone: string): ResolvedWindow {
  if (name === 'total') return TOTAL;
  if (name === 'day' || name === 'week' || name === 'month') return calendar(name, now, timeZone);
  const len = rollingLengthMs(name);
  if (len !== null) {
    if (len <= 0) throw new RangeError(`window "${name}" must be longer than 0`);
    const bucketMs = Math.max(1000, Math.floor(len / 24));
    return { id: `r${name}`, spec: { kind: 'rolling', lengthMs: len, bucketMs } };
  }
  throw new RangeError(`unknown window "${name}"`);
}

const TOTAL: ResolvedWindow = { id: 'total', spec: { kind: 'total' } };

/** A calendar window holds until it ends: resolved once per window and zone, not per request (Intl is slow). */
function calendar(name: 'day' | 'week' | 'month', now: number, timeZone: string): ResolvedWindow {
  let byZone = resolved[name].get(timeZone);
  if (byZone?.spec.kind !== 'fixed' || now < byZone.spec.startsAt || now >= byZone.spec.endsAt) {
    byZone = calendarWindow(name, now, timeZone);
    if (resolved[name].size > 1000) resolved[name].clear();
    resolved[name].set(timeZone, byZone);
  }
  return byZone;
}

const resolved = {
  day: new Map<string, ResolvedWindow>(),
  week: new Map<string, ResolvedWindow>(),
  month: new Map<string, ResolvedWindow>(),
} as const;

function calendarWindow(name: 'day' | 'week' | 'month', now: number, timeZone: string): ResolvedWindow {
  const { y, mo, d, wd } = localDate(now, timeZone);
  let start: [number, number, number];
  let end: [number, number, number];
  if (name === 'day') {
    start = [y, mo, d];
    end = [y, mo, d + 1];
  } else if (name === 'week') {
    const back = (wd + 6) % 7;
    start = [y, mo, d - back];
    end = [y, mo, d - back + 7];
  } else {
    start = [y, mo, 1];
    end = [y, mo + 1, 1];
  }
  const startsAt = localMidnight(start, timeZone);
  const endsAt = localMidnight(end, timeZone);
  const s = new Date(Date.UTC(...start));
  const label = `${s.getUTCFullYear()}-${pad(s.getUTCMonth() + 1)}${name === 'month' ? '' : `-${pad(s.getUTCDate())}`}`;
  return { id: `${name[0]}${label}`, spec: { kind: 'fixed', startsAt, endsAt } };
}

/** A fixed one-minute window, for requests and tokens per minute. */
export function minuteWindow(now: number): ResolvedWindow {
  const startsAt = Math.floor(now / 60_000) * 60_000;
  // Every rate-limited request asks: the same object for the whole minute.
  if (lastMinute.spec.kind === 'fixed' && lastMinute.spec.startsAt === startsAt) return lastMinute;
  lastMinute = { id: `m${startsAt / 60_000}`, spec: { kind: 'fixed', startsAt, endsAt: startsAt + 60_000 } };
  return lastMinute;
}

let lastMinute: ResolvedWindow = { id: '', spec: { kind: 'total' } };

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * Zones that are UTC all year (compared case-insensitively, as Intl does). Their calendar windows are
 * computed with Date's UTC getters: the first `Intl.DateTimeFormat` with a time zone maps ~5 MB of ICU's
 * time-zone and calendar data into the process, and the default zone is UTC.
 */
const UTC_ZONES = new Set(['UTC', 'ETC/UTC', 'GMT', 'ETC/GMT']);

export function isUtcZone(tz: string): boolean {
  return UTC_ZONES.has(tz.toUpperCase());
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(tz, f);
  }
  return f;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function parts(t: number, tz: string) {
  const out: Record<string, string> = {};
  for (const p of formatter(tz).formatToParts(t)) out[p.type] = p.value;
  return out;
}

/** The local calendar date at instant `t` (month 0-based, weekday 0 = Sunday). */
function localDate(t: number, tz: string): { y: number; mo: number; d: number; wd: number } {
  if (isUtcZone(tz)) {
    const u = new Date(t);
    return { y: u.getUTCFullYear(), mo: u.getUTCMonth(), d: u.getUTCDate(), wd: u.getUTCDay() };
  }
  const p = parts(t, tz);
  return {
    y: Number(p.year),
    mo: Number(p.month) - 1,
    d: Number(p.day),
    wd: WEEKDAYS[p.weekday ?? 'Mon'] ?? 1,
  };
}

/** Offset of the zone from UTC at instant `t`, ms (local wall time − UTC). */
function offsetAt(t: number, tz: string): number {
  if (isUtcZone(tz)) return 0;
  const p = parts(t, tz);
  const wall = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
    Number(p.second),
  );
  return wall - Math.floor(t / 1000) * 1000;
}

/** The instant of local midnight on a (possibly un-normalised) date in the zone. */
function localMidnight([y, mo, d]: [number, number, number], tz: string): number {
  const wall = Date.UTC(y, mo, d);
  let t = wall - offsetAt(wall, tz);
  t = wall - offsetAt(t, tz);
  return t;
}
