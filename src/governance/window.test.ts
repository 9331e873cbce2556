import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { minuteWindow, type ResolvedWindow, resolveWindow } from './window.js';

describe('budget windows', () => {
  const t = Date.UTC(2026, 2, 29, 0, 30); // Sunday 29 March 2026, 00:30 UTC (Paris switches to summer time at 01:00 UTC)

  test('calendar windows in UTC', () => {
    assert.deepEqual(resolveWindow('day', t, 'UTC'), {
      id: 'd2026-03-29',
      spec: { kind: 'fixed', startsAt: Date.UTC(2026, 2, 29), endsAt: Date.UTC(2026, 2, 30) },
    });
    const w = resolveWindow('week', t, 'UTC');
    assert.equal(w.id, 'w2026-03-23');
    assert.deepEqual(w.spec, {
      kind: 'fixed',
      startsAt: Date.UTC(2026, 2, 23),
      endsAt: Date.UTC(2026, 2, 30),
    });
    const m = resolveWindow('month', Date.UTC(2026, 11, 31, 23), 'UTC');
    assert.deepEqual(m, {
      id: 'm2026-12',
      spec: { kind: 'fixed', startsAt: Date.UTC(2026, 11, 1), endsAt: Date.UTC(2027, 0, 1) },
    });
  });

  test('calendar windows in a time zone, across a DST change', () => {
    // 00:30 UTC is 01:30 in Paris (CET, +1): the Paris day began at 23:00 UTC the day before and, with the
    // clocks going forward, lasts 23 hours.
    const d = resolveWindow('day', t, 'Europe/Paris');
    assert.equal(d.id, 'd2026-03-29');
    assert.deepEqual(d.spec, {
      kind: 'fixed',
      startsAt: Date.UTC(2026, 2, 28, 23),
      endsAt: Date.UTC(2026, 2, 29, 22),
    });
    // 23:30 UTC on the 28th is already the 29th in Tokyo.
    assert.equal(resolveWindow('day', Date.UTC(2026, 2, 28, 23, 30), 'Asia/Tokyo').id, 'd2026-03-29');
    assert.equal(resolveWindow('month', Date.UTC(2026, 2, 31, 23, 30), 'Asia/Tokyo').id, 'm2026-04');
  });

  test('total and rolling windows; minute windows', () => {
    assert.deepEqual(resolveWindow('total', t, 'UTC'), { id: 'total', spec: { kind: 'total' } });
    assert.deepEqual(resolveWindow('24h', t, 'UTC'), {
      id: 'r24h',
      spec: { kind: 'rolling', lengthMs: 86_400_000, bucketMs: 3_600_000 },
    });
    assert.deepEqual(resolveWindow('90m', t, 'UTC').spec, {
      kind: 'rolling',
      lengthMs: 5_400_000,
      bucketMs: 225_000,
    });
    assert.deepEqual(minuteWindow(Date.UTC(2026, 0, 1, 0, 0, 42)).spec, {
      kind: 'fixed',
      startsAt: Date.UTC(2026, 0, 1),
      endsAt: Date.UTC(2026, 0, 1, 0, 1),
    });
    assert.throws(() => resolveWindow('fortnight', t, 'UTC'), /unknown window/);
  });
  test('UTC zones resolve without Intl (no ICU time-zone data mapped) and agree with an Intl zone at +0', () => {
    const instants = [
      Date.UTC(2031, 0, 1),
      Date.UTC(2031, 1, 28, 23, 59, 59, 999),
      Date.UTC(2032, 1, 29, 12),
      Date.UTC(2033, 11, 31, 23, 30),
    ];
    const real = Intl.DateTimeFormat;
    const noIntl: ResolvedWindow[] = [];
    Intl.DateTimeFormat = class {
      constructor() {
        throw new Error('Intl.DateTimeFormat used for a UTC zone');
      }
    } as unknown as typeof Intl.DateTimeFormat;
    try {
      for (const tz of ['UTC', 'Etc/UTC', 'gmt'])
        for (const name of ['day', 'week', 'month'])
          for (const t of instants) noIntl.push(resolveWindow(name, t, tz));
    } finally {
      Intl.DateTimeFormat = real;
    }
    // Africa/Abidjan has been UTC+0 without summer time since 1912: Intl computes the same windows.
    const viaIntl: ResolvedWindow[] = [];
    for (let i = 0; i < 3; i++)
      for (const name of ['day', 'week', 'month'])
        for (const t of instants) viaIntl.push(resolveWindow(name, t, 'Africa/Abidjan'));
    assert.deepEqual(noIntl, viaIntl);
  });
});
