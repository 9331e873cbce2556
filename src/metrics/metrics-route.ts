/**
 * `GET /metrics` for Prometheus. Guarded like the dashboard: open on loopback without an admin token,
 * otherwise Prometheus must send the admin token as a bearer token (`authorization.credentials` in its
 * scrape config).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminAccess } from '../dashboard/admin-guard.js';
import { denialMessage } from '../dashboard/admin-guard.js';
import type { ExtraRoute } from '../server/server.js';
import type { PennyMetrics } from './penny-metrics.js';

export const METRICS_PATH = '/metrics';

export function createMetricsRoute(metrics: PennyMetrics, access: AdminAccess): ExtraRoute {
  return async function metricsRoute(req: IncomingMessage, res: ServerResponse, path: string) {
    if (path !== METRICS_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'GET /metrics\n', { allow: 'GET, HEAD' });
      return true;
    }
    const allowed = access.check(req.headers);
    if (allowed !== 'ok') {
      const status = allowed === 'not_configured' ? 403 : 401;
      sendText(res, status, `${denialMessage(allowed)}\n`, { 'www-authenticate': 'Bearer realm="penny"' });
      return true;
    }
    const text = await metrics.render();
    sendText(res, 200, req.method === 'HEAD' ? '' : text, { 'content-type': metrics.contentType });
    return true;
  };
}

function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}
