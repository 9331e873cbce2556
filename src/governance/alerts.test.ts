import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../observability/logger.js';
import { type Alert, AlertSender, slackPayload } from './alerts.js';

const alert: Alert = {
  id: 'a1',
  kind: 'budget_threshold',
  message: 'budget "x" reached 80%',
  at: '2026-01-01T00:00:00Z',
};

test('alerts: retried with backoff until delivered, de-duplicated by id, Slack-shaped when asked', async () => {
  const calls: Array<{ url: string; body: string }> = [];
  let failures = 2;
  const sender = new AlertSender({
    webhooks: [
      { url: 'http://hooks.test/json', format: 'json' },
      { url: 'http://hooks.test/slack', format: 'slack' },
    ],
    logger: silentLogger,
    maxAttempts: 4,
    timeoutMs: 100,
    baseDelayMs: 1,
    post: async (url, body) => {
      calls.push({ url, body });
      if (url.endsWith('/json') && failures-- > 0) throw new Error('connection refused');
      return 200;
    },
  });
  sender.emit(alert);
  sender.emit(alert);
  await sender.drain();
  assert.equal(calls.filter((c) => c.url.endsWith('/json')).length, 3, 'two failures, then delivered');
  assert.equal(calls.filter((c) => c.url.endsWith('/slack')).length, 1);
  assert.deepEqual(JSON.parse(calls.find((c) => c.url.endsWith('/slack'))!.body), slackPayload(alert));
  assert.equal(sender.sent, 2);
  assert.equal(sender.failed, 0);
});

test('alerts: a webhook that refuses (4xx) is not retried; one that never answers gives up after maxAttempts', async () => {
  let n = 0;
  const refusing = new AlertSender({
    webhooks: [{ url: 'http://hooks.test/x', format: 'json' }],
    logger: silentLogger,
    maxAttempts: 3,
    timeoutMs: 100,
    baseDelayMs: 1,
    post: async () => {
      n++;
      return 404;
    },
  });
  refusing.emit(alert);
  await refusing.drain();
  assert.equal(n, 1);
  assert.equal(refusing.failed, 1);
  let m = 0;
  const down = new AlertSender({
    webhooks: [{ url: 'http://hooks.test/x', format: 'json' }],
    logger: silentLogger,
    maxAttempts: 3,
    timeoutMs: 100,
    baseDelayMs: 1,
    post: async () => {
      m++;
      throw new Error('down');
    },
  });
  down.emit(alert);
  await down.drain();
  assert.equal(m, 3);
  assert.equal(down.failed, 1);
});
