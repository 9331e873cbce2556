import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeEntry } from '../../src/ledger/entry-fixtures.js';
import { type Harness, startHarness } from './harness.js';

const ADMIN = 'admin-token-abcdefghijklmnop';
const CLIENT = 'client-token-0123456789abcdef';

function local(h: Harness): string {
  return h.app.url.replace('0.0.0.0', '127.0.0.1');
}

describe('dashboard and /metrics beyond loopback require the admin token', () => {
  let h: Harness;
  let base: string;
  before(async () => {
    h = await startHarness({
      config: { server: { host: '0.0.0.0', port: 0, authTokens: { app: CLIENT }, adminToken: ADMIN } },
    });
    base = local(h);
  });
  after(() => h.close());

  test('API and metrics: 401 without the token or with a client token; 200 with the admin bearer', async () => {
    for (const path of ['/dashboard/api/overview', '/metrics']) {
      const none = await fetch(`${base}${path}`);
      assert.equal(none.status, 401, path);
      assert.match(await none.text(), /admin token required/);
      const client = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${CLIENT}` } });
      assert.equal(client.status, 401, `${path}: a client token is not an admin token`);
      const ok = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
      assert.equal(ok.status, 200, path);
    }
    const header = await fetch(`${base}/dashboard/api/overview`, {
      headers: { 'x-penny-admin-token': ADMIN },
    });
    assert.equal(header.status, 200);
  });

  test('?token= signs in with a cookie that is not the token, then the page and API open', async () => {
    const page = await fetch(`${base}/dashboard`);
    assert.equal(page.status, 401);
    assert.match(await page.text(), /<form method="post" action="\/dashboard\/login">/);
    const wrong = await fetch(`${base}/dashboard?token=wrong-token-000000000`, { redirect: 'manual' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('set-cookie'), null);

    const login = await fetch(`${base}/dashboard?token=${ADMIN}`, { redirect: 'manual' });
    assert.equal(login.status, 303);
    assert.equal(login.headers.get('location'), '/dashboard');
    const setCookie = login.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /^penny_admin=[0-9a-f]{64}; Path=\/dashboard; HttpOnly; SameSite=Strict$/);
    assert.equal(setCookie.includes(ADMIN), false);
    const cookie = setCookie.split(';')[0]!;
    const opened = await fetch(`${base}/dashboard`, { headers: { cookie } });
    assert.equal(opened.status, 200);
    assert.match(await opened.text(), /<canvas id="chart-spend">/);
    const api = await fetch(`${base}/dashboard/api/overview?since=7d`, { headers: { cookie } });
    assert.equal(api.status, 200);

    const form = await fetch(`${base}/dashboard/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${ADMIN}`,
      redirect: 'manual',
    });
    assert.equal(form.status, 303);
    assert.equal(form.headers.get('set-cookie'), setCookie);
  });

  test('static assets carry no data and stay reachable for the sign-in page', async () => {
    const css = await fetch(`${base}/dashboard/assets/styles.css`);
    assert.equal(css.status, 200);
    const chart = await fetch(`${base}/dashboard/assets/vendor/chart.umd.js`);
    assert.equal(chart.status, 200);
    assert.match(chart.headers.get('content-type') ?? '', /javascript/);
    const traversal = await fetch(`${base}/dashboard/assets/..%2F..%2Fpackage.json`);
    assert.equal(traversal.status, 404);
  });
});

describe('beyond loopback without an admin token configured', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      config: { server: { host: '0.0.0.0', port: 0, authTokens: { app: CLIENT } } },
    });
  });
  after(() => h.close());

  test('the dashboard and /metrics are refused with a message that says what to set', async () => {
    const base = local(h);
    for (const path of ['/dashboard', '/dashboard/api/overview', '/metrics']) {
      const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${CLIENT}` } });
      assert.equal(r.status, 403, path);
      assert.match(await r.text(), /server\.adminToken/);
    }
  });
});

describe('on loopback without a token', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  test('the dashboard, its API and /metrics are open; bad API parameters are 400s', async () => {
    assert.equal((await fetch(`${h.app.url}/dashboard`)).status, 200);
    assert.equal((await fetch(`${h.app.url}/metrics`)).status, 200);
    const ov = await fetch(`${h.app.url}/dashboard/api/overview`);
    assert.equal(ov.status, 200);
    const body = (await ov.json()) as { totals: { cost: string }; budgets: { message: string } };
    assert.equal(body.totals.cost, '0');
    assert.equal(body.budgets.message, 'no budgets configured');
    const bad = await fetch(`${h.app.url}/dashboard/api/overview?since=forever`);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /since/);
    const noFeature = await fetch(`${h.app.url}/dashboard/api/requests`);
    assert.equal(noFeature.status, 400);
    assert.equal((await fetch(`${h.app.url}/dashboard/nope`)).status, 404);
  });

  test('drill-down rows carry listed fields only (no meta, no key ids); "(none)" lists unattributed requests', async () => {
    h.app.ledger.append(
      makeEntry({
        id: 'req_none1',
        feature: null,
        keyId: 'team-secret-name',
        meta: { bodyHash: 'x', note: 'private' },
      }),
    );
    h.app.ledger.append(makeEntry({ id: 'req_named', feature: 'named', cost: 7n }));
    await h.app.ledger.flush();
    const none = (await (await fetch(`${h.app.url}/dashboard/api/requests?feature=(none)`)).json()) as {
      rows: Array<Record<string, unknown>>;
    };
    assert.deepEqual(
      none.rows.map((r) => r.id),
      ['req_none1'],
    );
    const text = JSON.stringify(none);
    assert.equal(text.includes('team-secret-name'), false);
    assert.equal(text.includes('private'), false);
    const named = (await (await fetch(`${h.app.url}/dashboard/api/requests?feature=named`)).json()) as {
      total: number;
      rows: Array<{ id: string; cost: string }>;
    };
    assert.equal(named.total, 1);
    assert.equal(named.rows[0]?.id, 'req_named');
    assert.equal(named.rows[0]?.cost, '0.000000000007', 'exact decimal money');
  });
});
