import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PennyError } from '../core/errors.js';
import { parseTimeRange } from './time-range.js';

const NOW = Date.UTC(2025, 8, 10, 12, 0, 0);

function rejects(input: Parameters<typeof parseTimeRange>[0], flag: string, pattern: RegExp): void {
  assert.throws(
    () => parseTimeRange(input, NOW),
    (err: unknown) => {
      assert.ok(err instanceof PennyError);
      assert.equal(err.param, flag);
      assert.ok(err.message.includes(flag), `message names ${flag}: ${err.message}`);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

describe('parseTimeRange', () => {
  test('no flags means all time', () => {
    assert.deepEqual(parseTimeRange({}, NOW), {});
    assert.deepEqual(parseTimeRange({ since: '', from: ' ' }, NOW), {});
  });

  test('--since takes minutes, hours, days and weeks back from now', () => {
    assert.deepEqual(parseTimeRange({ since: '30m' }, NOW), { from: NOW - 30 * 60_000 });
    assert.deepEqual(parseTimeRange({ since: '24h' }, NOW), { from: NOW - 86_400_000 });
    assert.deepEqual(parseTimeRange({ since: '7d' }, NOW), { from: NOW - 7 * 86_400_000 });
    assert.deepEqual(parseTimeRange({ since: '2W' }, NOW), { from: NOW - 14 * 86_400_000 });
  });

  test('--from and --to take ISO dates and date-times, UTC unless an offset is given', () => {
    assert.deepEqual(parseTimeRange({ from: '2025-09-01' }, NOW), { from: Date.UTC(2025, 8, 1) });
    assert.deepEqual(parseTimeRange({ from: '2025-09-01T14:30' }, NOW), {
      from: Date.UTC(2025, 8, 1, 14, 30),
    });
    assert.deepEqual(parseTimeRange({ from: '2025-09-01 14:30:15.250Z' }, NOW), {
      from: Date.UTC(2025, 8, 1, 14, 30, 15, 250),
    });
    assert.deepEqual(parseTimeRange({ from: '2025-09-01T14:30+02:00' }, NOW), {
      from: Date.UTC(2025, 8, 1, 12, 30),
    });
    assert.deepEqual(parseTimeRange({ from: '2025-09-01T00:30-0130' }, NOW), {
      from: Date.UTC(2025, 8, 1, 2, 0),
    });
  });

  test('a date-only --to includes that whole day', () => {
    assert.deepEqual(parseTimeRange({ from: '2025-09-01', to: '2025-09-07' }, NOW), {
      from: Date.UTC(2025, 8, 1),
      to: Date.UTC(2025, 8, 8),
    });
    assert.deepEqual(parseTimeRange({ to: '2025-09-07T06:00Z' }, NOW), { to: Date.UTC(2025, 8, 7, 6) });
    assert.deepEqual(parseTimeRange({ since: '7d', to: '2025-09-09' }, NOW), {
      from: NOW - 7 * 86_400_000,
      to: Date.UTC(2025, 8, 10),
    });
  });

  test('errors name the flag and say what is expected', () => {
    rejects({ since: 'yesterday' }, '--since', /30m, 24h, 7d/);
    rejects({ since: '0h' }, '--since', /positive duration/);
    rejects({ since: '5y' }, '--since', /got "5y"/);
    rejects({ from: 'last week' }, '--from', /ISO date/);
    rejects({ from: '2025-02-30' }, '--from', /no such day/);
    rejects({ to: '2025-09-01T24:00' }, '--to', /no such time/);
    rejects({ to: '2025-09-01Z' }, '--to', /offset needs a time/);
    rejects({ since: '24h', from: '2025-09-01' }, '--since', /cannot be combined/);
    rejects({ from: '2025-09-05', to: '2025-09-04' }, '--from', /must start before --to/);
    rejects({ from: '2025-09-05T10:00Z', to: '2025-09-05T10:00Z' }, '--from', /must start before/);
  });
});
