/**
 * The dashboard's HTTP routes, registered on the gateway's server as one extra route:
 *   GET  /dashboard                 the page (or a sign-in page when the admin token is required)
 *   GET  /dashboard?token=…         sign in: sets the session cookie and redirects to /dashboard
 *   POST /dashboard/login           sign in from the form (keeps the token out of the address bar)
 *   GET  /dashboard/assets/…        static files (no data in them; open so the sign-in page has its styles)
 *   GET  /dashboard/api/overview    aggregates for a time range (since=7d | from & to)
 *   GET  /dashboard/api/requests    one feature's requests (drill-down): feature=…, sort=cost|time, limit
 *   GET  /dashboard/api/quality     quality beside cost (retention per tactic, guardrail, experiments): range,
 *                                   bucket=hour|day
 * Money in the API is exact decimal strings. A bad parameter is a 400 that names it.
 */
import type { CircuitSnapshot } from '../resilience/circuit-breaker.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoadedConfig } from '../config/load.js';
import { PennyError } from '../core/errors.js';
import { NONE } from '../ledger/group-keys.js';
import type { TacticState } from '../quality/guardrail.js';
import {
  buildQualityReport,
  QUALITY_BUCKETS,
  type QualityBucket,
  qualityReportJson,
} from '../quality/quality-report.js';
import type { QualityStores } from '../quality/quality-stores.js';
import type { Ledger, LedgerFilter } from '../ledger/ledger.js';
import type { ExtraRoute } from '../server/server.js';
import { type AdminGuard, denialMessage } from './admin-guard.js';
import { parseApiRange } from './api-range.js';
import { type BudgetRow, budgetStatus } from './budget-status.js';
import { loginPage } from './login-page.js';
import { buildOverview, rangeFilter, toGroupRow } from './overview.js';
import { byCostDesc, toRequestRow } from './request-rows.js';
import { StaticAssets } from './static-assets.js';

export interface DashboardDeps {
  ledger: Ledger;
  loaded: LoadedConfig;
  guard: AdminGuard;
  assets?: StaticAssets;
  /** Budgets with their spend (the governance store); absent = none. */
  budgets?: () => Promise<BudgetRow[]>;
  /** Clock, ms since the epoch (tests). */
  now?: () => number;
  /** The circuit breakers' state per provider and model (GET /dashboard/api/circuits). */
  circuits?: () => CircuitSnapshot[];
  /** The quality stores and the guardrail's live state (GET /dashboard/api/quality); absent = savings only. */
  quality?: { stores: () => Promise<QualityStores | null>; live: () => TacticState[] };
}

const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
};

const MAX_DRILL_ROWS = 1000;
/** Newest entries read for a drill-down (sorting by cost happens among them). */
const MAX_DRILL_SCAN = 50_000;

export function createDashboardRoute(deps: DashboardDeps): ExtraRoute {
  const assets = deps.assets ?? new StaticAssets();
  const now = deps.now ?? Date.now;

  return async function dashboardRoute(req, res, path) {
    if (path !== '/dashboard' && !path.startsWith('/dashboard/')) return false;
    const url = new URL(req.url ?? '/', 'http://penny.local');
    if (path.startsWith('/dashboard/assets/')) {
      serveAsset(req, res, assets, safeDecode(path.slice('/dashboard/assets/'.length)));
      return true;
    }
    if (path === '/dashboard/login') {
      await login(req, res);
      return true;
    }
    if (path === '/dashboard' || path === '/dashboard/') {
      const token = url.searchParams.get('token');
      if (token !== null) {
        signIn(req, res, token);
        return true;
      }
      const allowed = deps.guard.check(req.headers);
      if (allowed !== 'ok') {
        sendHtml(
          res,
          allowed === 'not_configured' ? 403 : 401,
          loginPage(denialMessage(allowed), allowed === 'unauthorized'),
        );
        return true;
      }
      const page = assets.get('index.html');
      if (!page) throw new Error('dashboard/index.html is missing from the package');
      sendHtml(res, 200, page.body);
      return true;
    }
    if (path.startsWith('/dashboard/api/')) {
      const allowed = deps.guard.check(req.headers);
      if (allowed !== 'ok') {
        sendJson(res, allowed === 'not_configured' ? 403 : 401, {
          error: { code: 'unauthorized', message: denialMessage(allowed) },
        });
        return true;
      }
      if (req.method !== 'GET') {
        sendJson(res, 405, { error: { code: 'method_not_allowed', message: `${path} takes GET` } });
        return true;
      }
      try {
        await api(res, path, url.searchParams);
      } catch (e) {
        if (!(e instanceof PennyError)) throw e;
        sendJson(res, e.status, { error: { code: e.code, message: e.message, param: e.param ?? null } });
      }
      return true;
    }
    sendJson(res, 404, { error: { code: 'not_found', message: `no dashboard route ${path}` } });
    return true;
  };

  async function api(res: ServerResponse, path: string, q: URLSearchParams): Promise<void> {
    const t = now();
    const range = parseApiRange(q, t);
    if (path === '/dashboard/api/overview') {
      const budgets = await budgetStatus(deps.budgets);
      sendJson(res, 200, await buildOverview(deps.ledger, range, { now: t, budgets }));
      return;
    }
    if (path === '/dashboard/api/quality') {
      const b = q.get('bucket');
      if (b !== null && b !== '' && !(QUALITY_BUCKETS as readonly string[]).includes(b))
        throw new PennyError(
          'invalid_request',
          `bucket: "${b.slice(0, 20)}" is not one of ${QUALITY_BUCKETS.join(', ')}`,
          {
            status: 400,
            param: 'bucket',
          },
        );
      const report = await buildQualityReport({
        ledger: deps.ledger,
        stores: (await deps.quality?.stores()) ?? null,
        loaded: deps.loaded,
        range: rangeFilter(range),
        live: deps.quality?.live() ?? [],
        now: t,
        // As many entries as the overview's per-request views read: a page load stays cheap on a big ledger.
        maxEntries: 20_000,
        ...(b ? { bucket: b as QualityBucket } : {}),
      });
      sendBody(res, 200, Buffer.from(qualityReportJson(report)));
      return;
    }
    if (path === '/dashboard/api/circuits') {
      // Every circuit seen since start, open and half-open first; an elapsed cool-down reads as half-open.
      const rows = (deps.circuits?.() ?? []).map((c) => ({
        ...c,
        state: c.state === 'open' && c.retryAt !== null && c.retryAt <= t ? 'half_open' : c.state,
      }));
      const rank = { open: 0, half_open: 1, closed: 2 } as const;
      rows.sort((a, b) => rank[a.state] - rank[b.state] || b.opened - a.opened);
      sendJson(res, 200, { enabled: deps.circuits !== undefined, circuits: rows.slice(0, 200) });
      return;
    }
    if (path === '/dashboard/api/requests') {
      const feature = q.get('feature');
      if (feature === null || feature === '')
        throw new PennyError('invalid_request', 'feature is required', { status: 400, param: 'feature' });
      const limit = Math.min(MAX_DRILL_ROWS, Math.max(1, Number(q.get('limit') ?? 200) || 200));
      const sort = q.get('sort') === 'time' ? 'time' : 'cost';
      const base: LedgerFilter = rangeFilter(range);
      // The ledger filter cannot say "no feature": read the range and keep the unattributed entries.
      const filter: LedgerFilter = feature === NONE ? base : { ...base, feature };
      const scanned = await deps.ledger.query({ ...filter, limit: MAX_DRILL_SCAN + 1 });
      const truncated = scanned.length > MAX_DRILL_SCAN;
      let entries = truncated ? scanned.slice(0, MAX_DRILL_SCAN) : scanned;
      if (feature === NONE) entries = entries.filter((e) => e.feature === null);
      const [summary] = feature === NONE ? [undefined] : await deps.ledger.summarize(filter, []);
      if (sort === 'cost') entries.sort(byCostDesc);
      sendJson(res, 200, {
        feature,
        sort,
        total: summary?.requests ?? entries.length,
        summary: summary ? toGroupRow(feature, summary) : null,
        scan: { scanned: entries.length, limit: MAX_DRILL_SCAN, truncated },
        rows: entries.slice(0, limit).map(toRequestRow),
      });
      return;
    }
    throw new PennyError('not_found', `no dashboard API ${path}`, { status: 404 });
  }

  function signIn(req: IncomingMessage, res: ServerResponse, token: string): void {
    if (!deps.guard.required) {
      redirect(res, '/dashboard');
      return;
    }
    if (!deps.guard.matches(token)) {
      const configured = deps.guard.configured;
      sendHtml(
        res,
        configured ? 401 : 403,
        loginPage(configured ? 'That is not the admin token.' : denialMessage('not_configured'), configured),
      );
      return;
    }
    const secure = req.headers['x-forwarded-proto'] === 'https';
    redirect(res, '/dashboard', { 'set-cookie': deps.guard.sessionCookie(secure) });
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      redirect(res, '/dashboard');
      return;
    }
    const body = await readSmallBody(req, 4096);
    const token = new URLSearchParams(body ?? '').get('token') ?? '';
    signIn(req, res, token);
  }
}

function serveAsset(req: IncomingMessage, res: ServerResponse, assets: StaticAssets, name: string): void {
  const asset = assets.get(name);
  if (!asset) {
    sendJson(res, 404, { error: { code: 'not_found', message: `no dashboard asset ${name}` } });
    return;
  }
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, { etag: asset.etag });
    res.end();
    return;
  }
  res.writeHead(200, {
    'content-type': asset.contentType,
    'content-length': String(asset.body.length),
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    etag: asset.etag,
  });
  res.end(asset.body);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return '';
  }
}

function sendHtml(res: ServerResponse, status: number, html: string | Buffer): void {
  const body = typeof html === 'string' ? Buffer.from(html) : html;
  res.writeHead(status, {
    ...PAGE_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(body.length),
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendBody(res, status, Buffer.from(JSON.stringify(value)));
}

function sendBody(res: ServerResponse, status: number, body: Buffer): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(body.length),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(303, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', ...headers });
  res.end();
}

function readSmallBody(req: IncomingMessage, max: number): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= max) chunks.push(c);
    });
    req.on('end', () => resolve(size <= max ? Buffer.concat(chunks).toString('utf8') : null));
    req.on('error', () => resolve(null));
  });
}
