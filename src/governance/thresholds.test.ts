import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../observability/logger.js';
import { type Alert, AlertSender } from './alerts.js';
import { compileBudget } from './budget.js';
import { budgetConfigSchema, governanceConfigSchema } from './config.js';
import { SqliteCounterStore } from './sqlite-counter-store.js';
import { Thresholds } from './thresholds.js';

function host(now: { t: number }, spendRate = true) {
  const counters = SqliteCounterStore.open(':memory:', { now: () => now.t });
  const sent: Alert[] = [];
  const alerts = new AlertSender({ webhooks: [], logger: silentLogger, maxAttempts: 1, timeoutMs: 10 });
  const emit = alerts.emit.bind(alerts);
  alerts.emit = (a) => {
    sent.push(a);
    emit(a);
  };
  const pending: Promise<unknown>[] = [];
  const config = governanceConfigSchema.parse({
    alerts: spendRate ? { spendRate: { factor: 3, trailingHours: 24, minHourlyUsd: '0.5' } } : {},
  });
  return {
    sent,
    counters,
    pending,
    h: { config, counters, alerts, now: () => now.t, track: (p: Promise<unknown>) => void pending.push(p) },
  };
}

test('thresholds: each alertAt percentage alerts once per window', async () => {
  const now = { t: Date.UTC(2026, 5, 1, 12) };
  const { h, sent, counters, pending } = host(now, false);
  const th = new Thresholds(h);
  const b = compileBudget(
    budgetConfigSchema.parse({ name: 'b', limit: '1', window: 'total', alertAt: [50, 80, 100] }),
    'config',
  );
  const line = { key: 'b:b:total', window: { kind: 'total' as const } };
  const settle = async (nano: number) => {
    const snaps = await counters.settle('x', [{ ...line, actual: nano }]);
    th.afterSettle([b], [{ ...line, actual: nano }], snaps, () => 'global');
    await Promise.all(pending);
  };
  await settle(400_000_000); // 40%
  assert.equal(sent.length, 0);
  await settle(150_000_000); // 55%
  await settle(50_000_000); // 60%
  assert.deepEqual(
    sent.map((a) => a.thresholdPct),
    [50],
  );
  await settle(500_000_000); // 110%: 80 and 100 crossed together, one alert (100)
  await settle(1);
  assert.deepEqual(
    sent.map((a) => a.thresholdPct),
    [50, 100],
  );
  assert.match(sent[1]!.message, /budget "b" \(global, total\) reached 100%: \$1\.1(0+)? of \$1\.00/);
  await counters.close();
});

test('spend rate: the last hour above 3× the trailing hourly average alerts once', async () => {
  const t0 = Date.UTC(2026, 5, 1, 0);
  const now = { t: t0 };
  const { h, sent, counters, pending } = host(now);
  const th = new Thresholds(h);
  // 20 quiet hours at $0.10 an hour …
  for (let i = 0; i < 20; i++) {
    now.t = t0 + i * 3_600_000;
    await counters.settle(`q${i}`, th.spendRateLines(100_000_000));
  }
  // … then $2 within the last hour.
  now.t = t0 + 22 * 3_600_000;
  const lines = th.spendRateLines(2_000_000_000);
  const snaps = await counters.settle('spike', lines);
  th.afterSettle([], lines, snaps, () => 'global');
  await Promise.all(pending);
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.kind, 'spend_rate');
  assert.equal(sent[0]!.lastHourUsd, '2');
  assert.match(sent[0]!.message, /spend rate: \$2\.00 in the last hour/);
  await counters.close();
});

test('thresholds: a watched counter is checked once per store call that writes it, with the last scope said', async () => {
  const now = { t: Date.UTC(2026, 5, 1, 12) };
  const { h, sent, counters, pending } = host(now, false);
  const th = new Thresholds(h);
  const b = compileBudget(
    budgetConfigSchema.parse({ name: 'u', limit: '1', window: 'total', per: ['user'], alertAt: [50] }),
    'config',
  );
  const key = 'b:u:total|user=ann';
  const facts = { feature: null, key: null, user: 'ann', model: 'm', provider: 'p' };
  const at = (spent: number) => (k: string) => {
    assert.equal(k, key);
    return { spent, reserved: 0, resetAt: null };
  };
  // Written, but nobody settled on it since: not checked (even past the threshold).
  th.written([key], at(600_000_000));
  await Promise.all(pending);
  assert.equal(sent.length, 0);
  // Two settlements, then one store call: one check, with the scope of the last.
  th.watch(key, b, { ...facts, user: 'someone' });
  th.watch(key, b, facts);
  th.written(['r:x:req', key], at(400_000_000)); // 40%
  await Promise.all(pending);
  assert.equal(sent.length, 0);
  th.written([key], at(600_000_000)); // the watch was used up: no check
  await Promise.all(pending);
  assert.equal(sent.length, 0);
  th.watch(key, b, facts);
  th.written([key], at(600_000_000)); // 60%
  await Promise.all(pending);
  assert.equal(sent.length, 1);
  assert.match(sent[0]!.message, /budget "u" \(user=ann, total\) reached 50%/);
  await counters.close();
});
