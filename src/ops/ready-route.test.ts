import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as netServer } from 'node:net';
import { test } from 'node:test';
import { createReadyRoute, type ReadinessCheck, redisCheck } from './ready-route.js';

async function serve(checks: ReadinessCheck[]) {
  const ready = createReadyRoute(checks, 200);
  const server = createServer((req, res) => {
    void Promise.resolve(ready.route(req, res, req.url ?? '/')).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ready,
    get: async (path = '/readyz') => {
      const r = await fetch(url + path);
      return {
        status: r.status,
        body: r.status === 404 ? null : ((await r.json()) as Record<string, unknown>),
      };
    },
    close: async () => {
      await ready.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

test('/readyz is 200 when every store answers, 503 naming the one that does not, 503 while draining', async () => {
  let ledgerUp = true;
  const s = await serve([
    { name: 'ledger', check: async () => ledgerUp },
    { name: 'hung', check: () => new Promise<boolean>(() => {}) },
  ]);
  try {
    assert.deepEqual(await s.get(), {
      status: 503,
      body: { ok: false, draining: false, checks: { ledger: 'ok', hung: 'down' } },
    });
  } finally {
    await s.close();
  }
  const t = await serve([
    { name: 'ledger', check: async () => ledgerUp },
    { name: 'throws', check: async () => true },
  ]);
  try {
    assert.equal((await t.get()).status, 200);
    ledgerUp = false;
    assert.deepEqual((await t.get()).body, {
      ok: false,
      draining: false,
      checks: { ledger: 'down', throws: 'ok' },
    });
    ledgerUp = true;
    t.ready.drain();
    assert.deepEqual((await t.get()).body, {
      ok: false,
      draining: true,
      checks: { ledger: 'ok', throws: 'ok' },
    });
    assert.equal((await t.get('/other')).status, 404, 'other paths are not answered');
  } finally {
    await t.close();
  }
});

test('the Redis probe reports a server that is not there as down', async () => {
  const port = await new Promise<number>((resolve) => {
    const srv = netServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
  const probe = redisCheck(`redis://127.0.0.1:${port}`);
  try {
    assert.equal(await probe.check().catch(() => false), false);
  } finally {
    await probe.close?.();
  }
});
